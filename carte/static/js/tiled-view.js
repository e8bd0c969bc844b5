// The tiled view (above MAP_FULL_DATA_LIMIT enterprises): the clusters and points of the viewport's tiles
// (/tiles/z/x/y.json, see carte/map_tiles.py) and, for the list, the viewport's enterprises paged from
// /api/enterprises.
import { format } from "./text.js";
import { writeState } from "./data.js";
import { el } from "./dom.js";
import { fetchJson } from "./http.js";
import { clusterIcon } from "./pins.js";
import { PAGE_SIZE, enterpriseUrl, entry, placeLine } from "./results-list.js";
import { featureContact, pointContact } from "./contact.js";
import { pauseNode } from "./pause.js";

const TILE_SIZE = 256;
// Above this many enterprises in view the list waits for a closer view or a filter: sorting a
// province's worth of names for a first page would cost the server seconds at a million points.
const LIST_MAX = 5000;
const COORDINATE_DIGITS = 4;
// Zoom at which "see on the map" shows an enterprise: its tile sends points there.
const CLOSE_ZOOM = 16;

/** The filter parameters of a state, as the API reads them (language and typed place left out). */
function filterQuery(state) {
  const params = new URLSearchParams(writeState(state, ""));
  params.delete("place");
  return params;
}

/** West, south, east, north of the map's view, inside the world, intersected with the state's area. */
function viewBox(map, state) {
  const view = map.getBounds();
  let box = [Math.max(view.getWest(), -180), Math.max(view.getSouth(), -85), Math.min(view.getEast(), 180),
    Math.min(view.getNorth(), 85)];
  if (state.box) {
    box = [Math.max(box[0], state.box.west), Math.max(box[1], state.box.south),
      Math.min(box[2], state.box.east), Math.min(box[3], state.box.north)];
  }
  return box[0] < box[2] && box[1] < box[3] ? box : null;
}

/** The tiles (z, x, y) covering the map's view at its zoom. */
function visibleTiles(map) {
  const z = Math.round(map.getZoom());
  const size = 2 ** z;
  const pixels = map.getPixelBounds();
  const clamp = (value) => Math.min(Math.max(value, 0), size - 1);
  const tiles = [];
  for (let x = clamp(Math.floor(pixels.min.x / TILE_SIZE)); x <= clamp(Math.floor(pixels.max.x / TILE_SIZE)); x += 1) {
    for (let y = clamp(Math.floor(pixels.min.y / TILE_SIZE)); y <= clamp(Math.floor(pixels.max.y / TILE_SIZE)); y += 1) {
      tiles.push({ z, x, y });
    }
  }
  return tiles;
}

/** The view's interface, as the full-data view's: load, filter, draw, more, bounds, markerCount, parts. */
export function createTiledView({ map, config, list, pinIcon, redraw, pausedNote }) {
  const messages = config.messages;
  const exact = new Set(config.exact_precisions);
  const layers = L.layerGroup().addTo(map);
  const drawn = new Map();  // tile URL → { layer, answer }
  const numbers = new Intl.NumberFormat(config.language);
  let state = null;
  let next = null;
  let generation = 0;  // of the list's requests: a newer view or search makes older answers moot
  let search = 0;  // of the search state: tiles of an older search are not drawn
  let focusId = null;

  function tileUrl(tile) {
    const query = filterQuery(state).toString();
    return `${config.tiles_url}/${tile.z}/${tile.x}/${tile.y}.json${query ? `?${query}` : ""}`;
  }

  function popup(id, name, approximate, contact) {
    const box = el("div", { class: "popup", "data-enterprise": String(id) },
      el("h3", {}, el("a", { href: enterpriseUrl(config, id) }, name)));
    if (approximate) box.append(el("p", { class: "approximate" }, messages.approximate));
    box.append(contact);
    box.append(el("a", { href: enterpriseUrl(config, id), class: "button" }, messages.details));
    return box;
  }

  function clusterMarker([lat, lon, count], zoom) {
    const marker = L.marker([lat, lon], { icon: clusterIcon(count, numbers.format(count)), keyboard: false,
      title: format(messages.cluster, { n: numbers.format(count) }) });
    marker.on("click", () => map.setView([lat, lon], Math.min(zoom + 2, map.getMaxZoom())));
    return marker;
  }

  function pointMarkers(points) {
    return points.id.map((id, i) => {
      const marker = L.marker([points.lat[i], points.lon[i]], { icon: pinIcon(points.sector[i], points.approximate[i]),
        title: points.name[i], alt: points.name[i], keyboard: false });
      marker.bindPopup(() => popup(id, points.name[i], points.approximate[i],
        pointContact(config, points, i, state.nearPoint)));
      marker.enterpriseId = id;
      return marker;
    });
  }

  function draw(url, answer) {
    const markers = answer.points ? pointMarkers(answer.points)
      : answer.clusters.map((cell) => clusterMarker(cell, answer.z));
    const layer = L.layerGroup(markers);
    drawn.set(url, { layer, answer });
    layers.addLayer(layer);
    const focused = markers.find((marker) => marker.enterpriseId === focusId);
    if (focused) {
      focused.openPopup();
      focusId = null;
    }
  }

  function showError(error) {
    list.count(error.message, false);
  }

  /** Draw the view's tiles (kept ones stay), remove the others; report when all are drawn. */
  async function refreshTiles() {
    const current = search;
    const view = generation;
    const wanted = visibleTiles(map).map(tileUrl);
    for (const [url, { layer }] of drawn) {
      if (!wanted.includes(url)) {
        layers.removeLayer(layer);
        drawn.delete(url);
      }
    }
    const missing = wanted.filter((url) => !drawn.has(url));
    try {
      await Promise.all(missing.map((url) => fetchJson(url).then((answer) => {
        // Tiles of a view the map has left meanwhile are not drawn: they would stay over the new ones.
        if (current === search && view === generation && !drawn.has(url)) draw(url, answer);
      })));
      if (current === search) redraw.done("tiles");
      return current === search;
    } catch (error) {
      if (current === search) showError(error);
      return false;
    }
  }

  /** How many enterprises the drawn tiles place inside the view (clusters at their mean position). */
  function countInView() {
    const view = map.getBounds();
    let n = 0;
    for (const { answer } of drawn.values()) {
      if (answer.points) {
        n += answer.points.id.filter((id, i) => view.contains([answer.points.lat[i], answer.points.lon[i]])).length;
      } else {
        for (const [lat, lon, count] of answer.clusters) if (view.contains([lat, lon])) n += count;
      }
    }
    return n;
  }

  function tooManyToList(n) {
    list.clear();
    list.count(format(messages.count_too_many, { n: numbers.format(n) }), false);
    pausedNote.hide();
  }

  function listItem(feature) {
    const p = feature.properties;
    const items = p.items.map((term) => term.label).join(", ");
    const [lon, lat] = feature.geometry.coordinates;
    return entry({
      attributes: { "data-id": String(feature.id) }, href: enterpriseUrl(config, feature.id), name: p.name,
      meta: placeLine(p.municipality, p.distance_km === undefined ? ""
        : format(messages.distance, { km: numbers.format(p.distance_km) })),
      sectors: p.sectors, items: items ? format(messages.accepts, { items }) : "",
      extra: [pauseNode(p.accepting.paused ? p.accepting : null,
        [...p.accepting.paused_items, ...p.accepting.paused_sectors].map((term) => term.label), config),
      featureContact(config, feature)],
      approximate: !exact.has(p.geocode_precision), messages,
      onLocate: () => {
        focusId = feature.id;
        map.setView([lat, lon], Math.max(map.getZoom(), CLOSE_ZOOM));
      },
    });
  }

  function showPage(collection) {
    const entries = collection.features.map(listItem);
    next = collection.next;
    const rest = collection.numberMatched - list.element.children.length - entries.length;
    list.append(entries, next ? rest : 0);
  }

  /** The first page of the viewport's enterprises, with their number. */
  async function refreshList() {
    const current = generation;
    const box = viewBox(map, state);
    const params = filterQuery(state);
    if (box) params.set("bbox", box.map((value) => value.toFixed(COORDINATE_DIGITS)).join(","));
    params.set("limit", String(PAGE_SIZE));
    params.set("lang", config.language);
    try {
      const collection = box ? await fetchJson(`${config.api_url}?${params}`)
        : { features: [], numberMatched: 0, next: null };
      if (current !== generation) return;
      list.clear();
      const n = collection.numberMatched;
      list.count(n === 0 ? messages.count_zero : n === 1 ? messages.count_one
        : format(messages.count_in_view, { n: numbers.format(n) }), n === 0);
      pausedNote.show(collection.numberPaused || 0, state);
      showPage(collection);
    } catch (error) {
      if (current === generation) showError(error);
    }
  }

  /** Tiles first; then the list when the view holds few enough enterprises to list. */
  async function refresh() {
    generation += 1;
    const current = generation;
    if (!(await refreshTiles()) || current !== generation) return;
    const n = countInView();
    if (n > LIST_MAX) tooManyToList(n);
    else refreshList();
  }

  map.on("moveend", () => { if (state) refresh(); });

  return {
    parts: ["tiles"],
    /** Nothing to load first: the tiles come with the view. */
    load: async () => {},
    /** Take a new search state; its results are the tiles' and the API's, asked for by `draw`. */
    async filter(wanted) {
      state = wanted;
      search += 1;
      return true;
    },
    /** Ask every tile again under the state's filters, then the list; resolves at once (the list follows
     * the viewport). */
    async draw() {
      layers.clearLayers();
      drawn.clear();
      refresh();
    },
    /** Open an enterprise's popup by id once its point is drawn (a shared link); without `keepView` the
     * map goes to it first. False when the API does not know the enterprise. */
    async open(id, { keepView = false } = {}) {
      focusId = Number(id);
      let feature;
      try {
        feature = await fetchJson(`${config.api_url}/${encodeURIComponent(id)}?lang=${config.language}`);
      } catch {
        focusId = null;
        return false;
      }
      const [lon, lat] = feature.geometry.coordinates;
      if (!keepView) map.setView([lat, lon], Math.max(map.getZoom(), CLOSE_ZOOM));
      for (const { layer } of drawn.values()) {
        const marker = layer.getLayers().find((drawnMarker) => drawnMarker.enterpriseId === focusId);
        if (marker) {
          marker.openPopup();
          focusId = null;
        }
      }
      return true;
    },
    /** Append the next page of the list. */
    async more() {
      if (!next) return;
      showPage(await fetchJson(next));
    },
    /** The view stays where the user put it: the tiles follow it. */
    bounds: () => null,
    markerCount: () => layers.getLayers().reduce((n, layer) => n + layer.getLayers().length, 0),
  };
}
