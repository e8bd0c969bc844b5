// The citizen map's controller, over one of two views with the same interface: the full-data view
// (full-view.js: the whole payload, filtered in the browser) or, above the server's threshold
// (config.tiles_url set), the tiled view (tiled-view.js: the viewport's tiles and the API). The
// controller owns the search state in the URL, the form, the results list and "near me"; the base
// layer under both views is basemap.js.
import { addBasemap } from "./basemap.js";
import { readState, writeState } from "./data.js";
import { createForm } from "./map-form.js";
import { createNear } from "./near.js";
import { createOverlays } from "./overlays.js";
import { createPausedNote } from "./pause.js";
import { createPinIcon } from "./pins.js";
import { createRedraw } from "./redraw.js";
import { createResultsList } from "./results-list.js";
import { createViewport } from "./viewport.js";
import { createFullView } from "./full-view.js";
import { createPermalink } from "./permalink.js";
import { createShare } from "./share.js";

// Milliseconds of pause in typing before a search runs: the free text asks the server.
const TYPING_PAUSE_MS = new Map([["q", 300], ["item", 200]]);
const config = JSON.parse(document.getElementById("map-config").textContent);
const mapScript = document.getElementById("map-script").dataset;
const map = window[mapScript.map];
const form = createForm(document.getElementById("filters"));
const list = createResultsList(config.messages);
const near = createNear({ config, form: form.element, onPoint: (lat, lon, place) => {
  form.setNear(lat, lon, place);
  commit(form.read());
} });
const overlays = createOverlays(map);
const pausedNote = createPausedNote({ config, field: form.element.elements.accepting, onToggle: () => commit(form.read()) });
const viewport = createViewport(map);
const redraw = createRedraw();
const permalink = createPermalink({ map, config, near });
const share = createShare(document.getElementById("share"),
  { link: permalink.link, hasPosition: permalink.hasPosition });
map.on("moveend popupopen popupclose", () => share.update());
let view = null;
let currentState = null;
// For tests and the benchmark: the map, and how many markers the view shows.
window.carteMap = { map, markerCount: () => (view ? view.markerCount() : 0) };

/** The view of this page: the tiled view's code is loaded only above the threshold. */
async function createView() {
  const shared = { map, config, list, viewport, pinIcon: createPinIcon(config.sectors), redraw, pausedNote };
  if (!config.tiles_url) return createFullView({ ...shared, reapply: () => apply(currentState) });
  const { createTiledView } = await import("./tiled-view.js");
  return createTiledView(shared);
}

function updateLanguageLinks() {
  for (const link of document.querySelectorAll(".languages a[hreflang]")) {
    link.search = writeState(readState(window.location.search), link.hreflang);
  }
}

/** Fit the map to the state's place (circle or box), else to the view's results if it names them. */
function fitView() {
  viewport.cancel();
  const place = overlays.bounds();
  const results = place ? null : view.bounds();
  if (place) viewport.fit(place);
  else if (results) viewport.fit(results, { maxZoom: 13, padding: [20, 20] });
}

/** Show a state: the view filters, then draws; resolves once the list's first page is shown. */
async function apply(state, { fit = false } = {}) {
  currentState = state;
  list.hideError();
  redraw.start(view.parts);
  if (!(await view.filter(state))) return;
  near.show(state);
  overlays.show(state);
  updateLanguageLinks();
  const drawn = view.draw();
  if (fit) fitView();
  await drawn;
}

/** Put a state in the URL (a new history entry when `push`) and show it. */
function commit(state, { push = true, fit = true } = {}) {
  const url = `${window.location.pathname}?${writeState(state, config.language)}`;
  if (url !== `${window.location.pathname}${window.location.search}`) {
    window.history[push ? "pushState" : "replaceState"](null, "", url);
  }
  share.update();
  apply(state, { fit });
}

function clearFilters() {
  form.clear();
  near.say("");
  commit(form.read());
}

function listen() {
  const element = form.element;
  let typing = null;
  element.addEventListener("input", (event) => {
    if (!TYPING_PAUSE_MS.has(event.target.name)) return;
    clearTimeout(typing);
    typing = setTimeout(() => commit(form.read(), { push: false, fit: false }), TYPING_PAUSE_MS.get(event.target.name));
  });
  element.addEventListener("change", (event) => {
    if (event.target.name === "place") return;
    if (event.target.name === "region") form.filterMrcOptions(event.target.value);
    clearTimeout(typing);
    commit(form.read());
  });
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    if (document.activeElement === element.elements.place) {
      near.findPlace();
      return;
    }
    commit(form.read());
  });
  document.getElementById("place-go").addEventListener("click", () => near.findPlace());
  document.getElementById("locate").addEventListener("click", () => near.locate());
  document.getElementById("clear").addEventListener("click", clearFilters);
  document.getElementById("widen").addEventListener("click", clearFilters);
  document.getElementById("near-clear").addEventListener("click", () => {
    form.empty("near", "place");
    near.say(config.messages.near_cleared);
    commit(form.read());
  });
  document.getElementById("bbox-set").addEventListener("click", () => {
    form.setBox(map.getBounds());
    commit(form.read(), { fit: false });
  });
  document.getElementById("bbox-clear").addEventListener("click", () => {
    form.empty("bbox");
    commit(form.read(), { fit: false });
  });
  list.moreButton.addEventListener("click", async () => {
    const first = list.element.children.length;
    await view.more();
    const next = list.element.children[first];
    if (next) next.querySelector("a").focus();
  });
  window.addEventListener("popstate", () => {
    const state = readState(window.location.search);
    near.say("");
    form.fill(state);
    apply(state, { fit: true });
  });
}

async function start() {
  addBasemap(map, { ...config.basemap, boundaries: window[mapScript.boundaries] || null });
  view = await createView();
  await view.load();
  // A shared link: what the page cannot use is left out of the address, with a notice.
  const link = permalink.check(window.location.search);
  window.history.replaceState(null, "", `${window.location.pathname}${link.query ? `?${link.query}` : ""}`);
  const first = readState(link.query);
  form.fill(first);
  form.foldOnPhone(first);
  listen();
  await apply(first, { fit: !link.view.centre });
  await permalink.restore(link.view, view);
  document.body.dataset.mapReady = "true";
}

start();
