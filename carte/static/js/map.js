// The citizen map: markers, clusters, popups and the list, all built with DOM nodes from JSON data.
// The payload has no names: the list and popups ask for them by ordinal, and the free-text search asks
// the server which rows match (rows.js).
import { format } from "./text.js";
import { isOpenAt, quebecNow } from "./hours.js";
import { bits, decode, makeFilter, readState, setDistances, writeState } from "./data.js";
import { clusterIcon, el } from "./dom.js";
import { StaleData, createRowSource } from "./rows.js";

const PAGE_SIZE = 50;
// Milliseconds of pause in typing before a search runs: the free text asks the server.
const TYPING_PAUSE_MS = new Map([["q", 300], ["item", 200]]);
const config = JSON.parse(document.getElementById("map-config").textContent);
const messages = config.messages;
const map = window[document.getElementById("map-script").dataset.map];
const form = document.getElementById("filters");
const list = document.getElementById("results-list");
const countLine = document.getElementById("count");
const moreButton = document.getElementById("more");
const listError = document.getElementById("list-error");
const nearStatus = document.getElementById("near-status");
const numbers = new Intl.NumberFormat(config.language, { maximumFractionDigits: 1 });
const collator = new Intl.Collator(config.language, { sensitivity: "base" });
const labels = {
  sector: Object.fromEntries(config.sectors.map((term) => [term.code, term.label])),
  item: Object.fromEntries(config.items.map((term) => [term.code, term.label])),
};
const sectorIcons = Object.fromEntries(config.sectors.map((term) => [term.code, term.icon]));
const SVG = "http://www.w3.org/2000/svg";
// The MRC filter's options carry each MRC's region, so the config does not repeat them.
const mrcRegion = Object.fromEntries([...document.getElementById("f-mrc").options]
  .filter((option) => option.value).map((option) => [option.value, option.dataset.region]));

let enterprises = [];
let context = null;
// The names and ids of the payload's rows, and its free-text search, for the version loaded.
let rows = null;
let currentState = null;
let results = [];
let shown = 0;
let selected = null;
let nearCircle = null;
let areaBox = null;
// Of the redraw being measured: its start and the parts still drawing (markers, the list's first page).
let redraw = null;
// Bumped by each redraw: an answer that comes back for an older one is dropped.
let generation = 0;
// The list's pages, appended one after the other as their rows come.
let listQueue = Promise.resolve();
// A version of the payload the server refused once: it is loaded again once, not in a loop.
let staleVersion = null;
let reloading = false;
// Above the server's threshold (config.tiles_url set) the viewport's tiles and the API replace the data.
let tiled = null;

function startRedraw(parts) {
  redraw = { started: performance.now(), parts: new Set(parts) };
}

function redrawDone(part) {
  if (redraw === null) return;
  redraw.parts.delete(part);
  if (redraw.parts.size === 0) {
    performance.measure("carte-redraw", { start: redraw.started });  // read by scripts/bench/map.py
    redraw = null;
  }
}

function makeCluster() {
  return L.markerClusterGroup({
    chunkedLoading: true,
    // The last chunk is reported before its clusters reach the DOM: end the measure after them.
    chunkProgress: (done, total) => { if (done === total) queueMicrotask(() => redrawDone("markers")); },
    showCoverageOnHover: false, maxClusterRadius: 60, disableClusteringAtZoom: 14,
    iconCreateFunction: (group) => clusterIcon(group.getChildCount()),
  });
}

// Showing everything is the most common state (first visit, filters cleared): its clusters are built
// once and kept, so clearing the filters does not re-cluster 11,000 markers. Filtered results go to
// a second group, changed at each filter change. A marker belongs to one group, hence one marker per
// group: `markers` maps each enterprise of the group to its marker.
const everything = { cluster: makeCluster(), markers: new Map(), built: false };
const filtered = { cluster: makeCluster(), markers: new Map(), built: true };
let shownGroup = filtered;
map.addLayer(filtered.cluster);
// For tests and the benchmark: the map, and how many markers the shown cluster group holds.
window.carteMap = { map, markerCount: () => shownGroup.cluster.getLayers().length };

function sectorCodes(mask) {
  return config.sectors.filter((term) => mask & context.sectorBits[term.code]).map((term) => term.code);
}

function enterpriseUrl(id) {
  return `${config.enterprise_url}${id}?lang=${config.language}`;
}

function distanceText(e) {
  return e.distance === null ? "" : format(messages.distance, { km: numbers.format(e.distance) });
}

function itemsText(e) {
  const names = config.items.filter((term) => e.items & context.itemBits[term.code]).map((term) => labels.item[term.code]);
  return names.length ? format(messages.accepts, { items: names.join(", ") }) : "";
}

function openNowBadge(e) {
  const now = quebecNow();
  return isOpenAt(e.hours, now.day, now.minute) ? el("p", { class: "open-now" }, messages.open_now) : "";
}

/** Name the link and point it and the others at the enterprise's page; the row is known. */
function fillLinks(row, name, ...others) {
  name.textContent = row.name;
  for (const link of [name, ...others]) link.href = enterpriseUrl(row.id);
}

function popupContent(e, marker) {
  const name = el("a", {});
  const details = el("a", { class: "button" }, messages.details);
  const title = el("h3", {}, name);
  const box = el("div", { class: "popup" }, title);
  box.append(el("p", {}, [e.town, distanceText(e)].filter(Boolean).join(" · ")));
  box.append(el("p", { class: "tags" }, sectorCodes(e.sectors).map((code) => labels.sector[code]).join(", ")));
  box.append(el("p", {}, itemsText(e)), openNowBadge(e));
  if (e.approximate) box.append(el("p", { class: "approximate" }, messages.approximate));
  box.append(details);
  const row = rows.row(e.n);
  if (row) {
    fillLinks(row, name, details);
    return box;
  }
  // Opened from the map before the list showed it: the name comes with its row.
  name.textContent = messages.loading;
  title.setAttribute("aria-busy", "true");
  const source = rows;
  source.load([e.n]).then(() => {
    fillLinks(source.row(e.n), name, details);
    titleMarker(marker, e);
  }, (error) => {
    name.textContent = messages.rows_failed;
    if (error instanceof StaleData) failed(error);
  }).finally(() => {
    title.setAttribute("aria-busy", "false");
    if (marker.isPopupOpen()) marker.getPopup().update();
  });
  return box;
}

/** The inline-sprite icon of a sector, as an SVG element. */
function sectorIcon(code) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", `#icon-${sectorIcons[code]}`);
  svg.append(use);
  return svg;
}

/** A div icon that puts a copy of its `template` element in each marker's div (no HTML parsed). */
const TemplateIcon = L.DivIcon.extend({
  createIcon(oldIcon) {
    const div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
    if (this.options.template) div.append(this.options.template.cloneNode(true));
    return div;
  },
});

// One icon per sector and precision, shared by the markers: Leaflet builds a pin's DOM only when shown.
const pinIcons = new Map();

/** The pin of an enterprise: its first sector's colour and icon, dashed when its position is approximate. */
function pinIcon(sector, approximate) {
  const first = sector || "none";
  const className = `pin sector-${first}${approximate ? " pin-approximate" : ""}`;
  if (!pinIcons.has(className)) {
    pinIcons.set(className, new TemplateIcon({ className, iconSize: [22, 22],
      template: sectorIcons[first] ? sectorIcon(first) : null }));
  }
  return pinIcons.get(className);
}

/** A marker with its popup, bound at first use: most markers are never opened. */
function withPopup(marker, e) {
  if (!marker.getPopup()) marker.bindPopup(() => popupContent(e, marker));
  return marker;
}

/** Give a marker its enterprise's name as title (shown on hover) once its row is known; a marker made
 * before keeps it for the icons Leaflet makes for it later. */
function titleMarker(marker, e) {
  const row = rows.row(e.n);
  if (!row || marker.options.title === row.name) return;
  marker.options.title = row.name;
  if (marker.getElement()) marker.getElement().title = row.name;
}

function markerOf(e, group = shownGroup) {
  let marker = group.markers.get(e);
  if (!marker) {
    const icon = pinIcon(sectorCodes(e.sectors)[0], e.approximate);
    const options = { icon, keyboard: false };
    const row = rows.row(e.n);
    if (row) options.title = row.name;
    marker = L.marker([e.lat, e.lon], options);
    marker.on("click", () => {
      // Bound now, the popup's own click handler opens and closes it from the next click on.
      if (!marker.getPopup()) withPopup(marker, e).openPopup();
      select(e, false);
    });
    // Its name as title before the browser shows it on hover: known, or asked for now.
    marker.on("mouseover", () => {
      if (rows.row(e.n)) titleMarker(marker, e);
      else rows.load([e.n]).then(() => titleMarker(marker, e), () => {});
    });
    group.markers.set(e, marker);
  }
  return marker;
}

function showGroup(group) {
  if (group === shownGroup) return;
  map.removeLayer(shownGroup.cluster);
  shownGroup = group;
  map.addLayer(group.cluster);
}

/** Show the results' markers: the kept group when nothing is filtered out, else a rebuilt one. */
function updateMarkers() {
  if (results.length === enterprises.length && enterprises.length > 0) {
    showGroup(everything);
    if (everything.built) {
      queueMicrotask(() => redrawDone("markers"));
    } else {
      everything.built = true;
      everything.cluster.addLayers(enterprises.map((e) => markerOf(e, everything)));
    }
    renew(filtered);
  } else {
    showGroup(filtered);
    refill(filtered, results);
  }
}

/** Empty a group by replacing its cluster group and markers: cheaper than clearLayers, which visits
 * every marker, and markers re-added after it cluster about twice as slowly as new ones. */
function renew(group) {
  const shown = map.hasLayer(group.cluster);
  if (shown) map.removeLayer(group.cluster);
  group.cluster = makeCluster();
  group.markers = new Map();
  if (shown) map.addLayer(group.cluster);
}

/** Bring a group to exactly these enterprises: by difference when it is the smaller change. */
function refill(group, wanted) {
  const keep = new Set(wanted);
  let added = wanted.filter((e) => !group.markers.has(e));
  const removed = [...group.markers.keys()].filter((e) => !keep.has(e));
  if (removed.length + added.length < wanted.length) {
    group.cluster.removeLayers(removed.map((e) => group.markers.get(e)));
    // Removed markers are not reused: a marker back in a cluster group clusters more slowly.
    for (const e of removed) group.markers.delete(e);
  } else {
    renew(group);
    added = wanted;
  }
  group.cluster.addLayers(added.map((e) => markerOf(e, group)));
}

function listItem(e) {
  const row = rows.row(e.n);
  const item = el("li", { "data-n": String(e.n), class: "result" });
  item.append(el("h3", {}, el("a", { href: enterpriseUrl(row.id) }, row.name)));
  item.append(el("p", { class: "meta" }, [e.town, distanceText(e)].filter(Boolean).join(" · ")));
  const tags = el("p", { class: "tags" });
  for (const code of sectorCodes(e.sectors)) {
    tags.append(el("span", { class: `tag sector-${code}` }, labels.sector[code]));
  }
  item.append(tags, el("p", { class: "items" }, itemsText(e)), openNowBadge(e));
  if (e.approximate) item.append(el("p", { class: "approximate" }, messages.approximate));
  const locate = el("button", { type: "button", class: "secondary small" }, messages.see_on_map);
  locate.addEventListener("click", () => select(e, true));
  item.append(locate);
  return item;
}

/** Show a failure of the list or the search; a payload the server no longer answers for is loaded again. */
function failed(error, message = messages.rows_failed) {
  if (error instanceof StaleData) {
    if (error.version !== rows.version || reloading) return;  // about a payload already being replaced
    if (staleVersion !== rows.version) {
      staleVersion = rows.version;
      reload();
      return;
    }
  }
  list.setAttribute("aria-busy", "false");
  listError.textContent = message;
  listError.hidden = false;
}

/** Append the results from `shown` to `end` once their rows are known; false if the redraw is gone. */
async function appendPage(upTo, current) {
  if (current !== generation) return false;
  const end = Math.min(results.length, Math.max(upTo || 0, shown + PAGE_SIZE));
  const page = results.slice(shown, end);
  list.setAttribute("aria-busy", "true");
  try {
    await rows.load(page.map((e) => e.n));  // at most MAX_ROWS a request: far down the list, several
  } catch (error) {
    if (current === generation) failed(error);
    return false;
  }
  if (current !== generation) return false;
  const fragment = document.createDocumentFragment();
  for (const e of page) fragment.append(listItem(e));
  list.append(fragment);
  list.setAttribute("aria-busy", "false");
  shown = end;
  for (const e of page) {
    const marker = shownGroup.markers.get(e);
    if (marker) titleMarker(marker, e);
  }
  const rest = results.length - shown;
  moreButton.hidden = rest <= 0;
  moreButton.textContent = format(messages.more, { n: Math.min(rest, PAGE_SIZE) });
  return true;
}

/** Add the next page of results to the list, or every result up to `upTo`, after the pages asked before. */
function showMore(upTo) {
  const current = generation;
  listQueue = listQueue.then(() => appendPage(upTo, current));
  return listQueue;
}

function markItem(e) {
  for (const node of list.querySelectorAll(".result.selected")) {
    node.classList.remove("selected");
    node.removeAttribute("aria-current");
  }
  const item = list.querySelector(`[data-n="${e.n}"]`);
  if (item) {
    item.classList.add("selected");
    item.setAttribute("aria-current", "true");
  }
  return item;
}

function highlight(e) {
  const previous = selected && shownGroup.markers.get(selected);
  if (previous && previous.getElement()) previous.getElement().classList.remove("pin-selected");
  selected = e;
  return markItem(e);
}

/** Show a selected enterprise's entry in the list, once the list reaches it. */
async function revealInList(e) {
  const index = results.indexOf(e);
  if (index >= shown && !(await showMore(index + 1))) return;
  if (selected !== e) return;
  const item = markItem(e);
  if (item) item.scrollIntoView({ block: "nearest" });
}

/** Select an enterprise: from the list it is shown on the map; from the map it is found in the list. */
function select(e, fromList) {
  highlight(e);
  const marker = markerOf(e);
  if (fromList) {
    // Replaces a view the last filter change may still wait for; waits itself for a running zoom.
    whenZoomEnds(() => shownGroup.cluster.zoomToShowLayer(marker, () => {
      withPopup(marker, e).openPopup();
      if (marker.getElement()) marker.getElement().classList.add("pin-selected");
    }));
  } else {
    if (marker.getElement()) marker.getElement().classList.add("pin-selected");
    revealInList(e);
  }
}

function fillForm(state) {
  for (const name of ["q", "item", "mrc", "region", "place"]) form.elements[name].value = state[name];
  form.elements.near.value = state.near;
  form.elements.bbox.value = state.bbox;
  form.elements.radius_km.value = String(state.radius);
  form.elements.open_now.checked = Boolean(state.open_now);
  for (const box of form.querySelectorAll("input[name=sector], input[name=service]")) {
    box.checked = state[box.name].includes(box.value);
  }
  filterMrcOptions(state.region);
}

function formState() {
  const data = new FormData(form);
  const params = new URLSearchParams();
  for (const [name, value] of data.entries()) if (name !== "lang") params.append(name, value);
  return readState(params.toString());
}

function filterMrcOptions(region) {
  for (const option of form.elements.mrc.options) {
    option.hidden = Boolean(region && option.value && option.dataset.region !== region);
  }
  const chosen = form.elements.mrc.selectedOptions[0];
  if (chosen && chosen.hidden) form.elements.mrc.value = "";
}

function updateCounts(state, filter) {
  // Tallied by combination of sectors first: there are far fewer combinations than enterprises.
  const perMask = new Map();
  for (const e of enterprises) {
    if (filter.test(e, true)) perMask.set(e.sectors, (perMask.get(e.sectors) || 0) + 1);
  }
  const perSector = Object.fromEntries(config.sectors.map((term) => [term.code, 0]));
  for (const [mask, n] of perMask) {
    for (const term of config.sectors) if (mask & context.sectorBits[term.code]) perSector[term.code] += n;
  }
  for (const span of form.querySelectorAll("[data-sector-count]")) {
    span.textContent = `(${perSector[span.dataset.sectorCount]})`;
  }
  const n = results.length;
  countLine.textContent = n === 0 ? messages.count_zero
    : format(n === 1 ? messages.count_one : messages.count_other, { n: n.toLocaleString(config.language) });
  document.getElementById("no-results").hidden = n > 0;
}

function updateItemFeedback(state, filter) {
  const feedback = document.getElementById("item-feedback");
  if (!state.item) {
    feedback.textContent = "";
  } else if (filter.itemCodes.length === 0) {
    const examples = config.items.slice(0, 4).map((term) => term.label.toLowerCase()).join(", ");
    feedback.textContent = format(messages.item_unknown, { text: state.item, examples });
  } else {
    const names = Object.fromEntries(config.items.map((term) => [term.code, term.label]));
    feedback.textContent = format(messages.item_matches,
      { labels: filter.itemCodes.map((code) => names[code]).join(", ") });
  }
}

function updateArea(state) {
  if (areaBox) areaBox.remove();
  areaBox = null;
  document.getElementById("bbox-clear").hidden = !state.box;
  if (!state.box) return;
  areaBox = L.rectangle([[state.box.south, state.box.west], [state.box.north, state.box.east]], {
    color: "#0b5c8a", weight: 2, dashArray: "6 4", fill: false, interactive: false,
  }).addTo(map);
}

function updateNear(state) {
  if (nearCircle) nearCircle.remove();
  nearCircle = null;
  document.getElementById("near-clear").hidden = !state.nearPoint;
  if (!state.nearPoint) return;
  nearCircle = L.circle([state.nearPoint.lat, state.nearPoint.lon], {
    radius: state.radius * 1000, color: "#0b5c8a", weight: 2, fill: false, interactive: false,
  }).addTo(map);
  if (!nearStatus.textContent) {
    nearStatus.textContent = state.place ? format(messages.near_place, { label: state.place }) : messages.located;
  }
}

// Leaflet ignores a view asked for while a zoom animation runs (250 ms), so quick successive filter
// changes could leave the map on earlier results: the last view asked for then waits for its end.
let zoomAnimating = false;
let viewAfterZoom = null;
map.on("zoomanim", () => { zoomAnimating = true; });
map.on("zoomend", () => {
  zoomAnimating = false;
  const fit = viewAfterZoom;
  viewAfterZoom = null;
  if (fit) fit();
});

/** Change the view now, or at the end of the running zoom animation (the last change asked wins). */
function whenZoomEnds(change) {
  if (zoomAnimating) {
    viewAfterZoom = change;
  } else {
    change();
  }
}

function fitBounds(bounds, options = {}) {
  whenZoomEnds(() => map.fitBounds(bounds, options));
}

function fitView(state) {
  viewAfterZoom = null;  // a view asked for earlier no longer applies
  if (state.nearPoint && nearCircle) {
    fitBounds(nearCircle.getBounds());
  } else if (areaBox) {
    fitBounds(areaBox.getBounds());
  } else if (results.length && results.length < enterprises.length) {
    fitBounds(L.latLngBounds(results.map((e) => [e.lat, e.lon])), { maxZoom: 13, padding: [20, 20] });
  }
}

/** The rows the server's free-text search finds for the state (null without text), or undefined if it
 * failed or a newer redraw started meanwhile. */
async function textMatches(wanted, current) {
  if (!wanted.q) return null;
  try {
    const found = await rows.search(wanted.q);
    return current === generation ? found : undefined;
  } catch (error) {
    if (current === generation) failed(error, messages.search_failed);
    return undefined;
  }
}

/** Recompute the results of a state and redraw list, counts and markers; resolves once the list's first
 * page is shown. */
async function apply(wanted, { fit = false } = {}) {
  generation += 1;
  const current = generation;
  currentState = wanted;
  listError.hidden = true;
  if (tiled) {
    startRedraw(["tiles"]);
    updateNear(wanted);
    updateArea(wanted);
    updateLanguageLinks();
    if (fit) fitView(wanted);
    tiled.show(wanted);
    return;
  }
  startRedraw(["markers", "list"]);
  list.setAttribute("aria-busy", "true");
  const textBits = await textMatches(wanted, current);
  if (textBits === undefined) return;
  setDistances(enterprises, wanted.nearPoint);
  const filter = makeFilter(wanted, { ...context, textBits, now: quebecNow() });
  results = enterprises.filter((e) => filter.test(e));
  if (wanted.nearPoint) results.sort((a, b) => a.distance - b.distance);
  list.replaceChildren();
  moreButton.hidden = true;
  shown = 0;
  selected = null;
  listQueue = Promise.resolve();
  // Asked for now, so that the request runs while the markers cluster.
  rows.load(results.slice(0, PAGE_SIZE).map((e) => e.n)).catch(() => {});
  const firstPage = showMore().then((done) => { if (done) redrawDone("list"); });
  updateCounts(wanted, filter);
  updateItemFeedback(wanted, filter);
  updateNear(wanted);
  updateArea(wanted);
  updateLanguageLinks();
  updateMarkers();
  if (fit) fitView(wanted);
  await firstPage;
}

function updateLanguageLinks() {
  for (const link of document.querySelectorAll(".languages a[hreflang]")) {
    link.search = writeState(readState(window.location.search), link.hreflang);
  }
}

function commit(state, { push = true, fit = true } = {}) {
  const url = `${window.location.pathname}?${writeState(state, config.language)}`;
  if (url !== `${window.location.pathname}${window.location.search}`) {
    window.history[push ? "pushState" : "replaceState"](null, "", url);
  }
  apply(state, { fit });
}

function setNear(lat, lon, place) {
  form.elements.near.value = `${lat.toFixed(4)},${lon.toFixed(4)}`;
  form.elements.place.value = place;
  commit(formState());
}

async function findPlace() {
  const query = form.elements.place.value.trim();
  if (!query) {
    nearStatus.textContent = messages.place_empty;
    return;
  }
  const response = await fetch(`${config.place_url}?q=${encodeURIComponent(query)}&lang=${config.language}`);
  if (!response.ok) {
    nearStatus.textContent = messages.place_not_found;
    return;
  }
  const place = await response.json();
  nearStatus.textContent = format(messages.near_place, { label: place.label });
  setNear(place.lat, place.lon, query);
}

function locate() {
  if (!navigator.geolocation) {
    nearStatus.textContent = messages.geolocation_denied;
    return;
  }
  nearStatus.textContent = messages.locating;
  navigator.geolocation.getCurrentPosition((position) => {
    nearStatus.textContent = messages.located;
    setNear(position.coords.latitude, position.coords.longitude, "");
  }, () => { nearStatus.textContent = messages.geolocation_denied; }, { timeout: 15000 });
}

function clearFilters() {
  for (const name of ["q", "item", "mrc", "region", "place", "near", "bbox"]) form.elements[name].value = "";
  for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false;
  nearStatus.textContent = "";
  filterMrcOptions("");
  commit(formState());
}

function listen() {
  let typing = null;
  form.addEventListener("input", (event) => {
    if (!TYPING_PAUSE_MS.has(event.target.name)) return;
    clearTimeout(typing);
    typing = setTimeout(() => commit(formState(), { push: false, fit: false }), TYPING_PAUSE_MS.get(event.target.name));
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "place") return;
    if (event.target.name === "region") filterMrcOptions(event.target.value);
    clearTimeout(typing);
    commit(formState());
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (document.activeElement === form.elements.place) {
      findPlace();
      return;
    }
    commit(formState());
  });
  document.getElementById("place-go").addEventListener("click", findPlace);
  document.getElementById("locate").addEventListener("click", locate);
  document.getElementById("clear").addEventListener("click", clearFilters);
  document.getElementById("widen").addEventListener("click", clearFilters);
  document.getElementById("near-clear").addEventListener("click", () => {
    form.elements.near.value = "";
    form.elements.place.value = "";
    nearStatus.textContent = messages.near_cleared;
    commit(formState());
  });
  document.getElementById("bbox-set").addEventListener("click", () => {
    const view = map.getBounds();
    form.elements.bbox.value = [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()]
      .map((value) => value.toFixed(4)).join(",");
    commit(formState(), { fit: false });
  });
  document.getElementById("bbox-clear").addEventListener("click", () => {
    form.elements.bbox.value = "";
    commit(formState(), { fit: false });
  });
  moreButton.addEventListener("click", async () => {
    const first = list.children.length;
    await (tiled ? tiled.more() : showMore());
    const next = list.children[first];
    if (next) next.querySelector("a").focus();
  });
  window.addEventListener("popstate", () => {
    const state = readState(window.location.search);
    nearStatus.textContent = "";
    fillForm(state);
    apply(state, { fit: true });
  });
}

// Loaded only above the threshold: the full-data page never downloads the tiled view's code.
async function startTiled() {
  const { createTiledView } = await import("./tiles.js");
  tiled = createTiledView({ map, config, pinIcon, onDrawn: () => redrawDone("tiles"), enterpriseUrl });
  const state = readState(window.location.search);
  fillForm(state);
  listen();
  apply(state, { fit: true });
  document.body.dataset.mapReady = "true";
}

/** The enterprises in the list's order without near me: by town, then as the payload orders them
 * (by position within a town), since names come later. */
function byTown(decoded) {
  const towns = [...new Set(decoded.map((e) => e.town))]
    .sort((a, b) => (a === "") - (b === "") || collator.compare(a, b));
  const rank = new Map(towns.map((town, i) => [town, i]));
  return decoded.sort((a, b) => rank.get(a.town) - rank.get(b.town) || a.n - b.n);
}

/** Load the payload (revalidated with the server when `fresh`) and start over with its version. */
async function loadData(fresh = false) {
  const response = await fetch(config.data_url, fresh ? { cache: "no-cache" } : {});
  if (!response.ok) throw new Error(`${response.status} ${config.data_url}`);
  const payload = await response.json();
  enterprises = byTown(decode(payload));
  context = {
    itemIndex: config.item_index, stopWords: new Set(config.stop_words), mrcRegion,
    sectorBits: bits(payload.vocabulary.sectors), itemBits: bits(payload.vocabulary.items),
    serviceBits: bits(payload.vocabulary.services),
  };
  rows = createRowSource({ rowsUrl: config.rows_url, searchUrl: config.search_url, version: payload.version,
    language: config.language });
  // Markers belong to the enterprises of one payload: the groups start again.
  renew(everything);
  everything.built = false;
  renew(filtered);
  selected = null;
}

/** The server changed the data since the page loaded it: load it again and redraw the same search. */
async function reload() {
  reloading = true;
  try {
    await loadData(true);
  } catch (error) {
    failed(error);
    return;
  } finally {
    reloading = false;
  }
  await apply(currentState);
}

async function start() {
  if (config.tiles_url) {
    await startTiled();
    return;
  }
  await loadData();
  const first = readState(window.location.search);
  fillForm(first);
  const narrow = window.matchMedia("(max-width: 767px)").matches;
  const detailed = first.sector.length || first.service.length || first.mrc || first.region || first.open_now;
  if (narrow && !detailed) document.getElementById("more-filters").open = false;
  listen();
  await apply(first, { fit: true });
  document.body.dataset.mapReady = "true";
}

start();
