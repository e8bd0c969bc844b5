// The map's own base layer (/carte/fond.geojson, built by carte/map/basemap.py): Quebec's land in a pane
// under the remote tiles, the MRC outlines above them, and the regions' names once the map stands alone:
// no tile layer (CARTE_TILE_URL=none), or tiles that fail to load (offline kiosk, intranet, blocked host).
// The map container's background (css/basemap.css) is the water around the land.
import { fetchJson } from "./http.js";

const LAND = { stroke: false, fillColor: "#f3efe4", fillOpacity: 1 };
const MRC = { color: "#5f5f96", weight: 1.2, opacity: 0.7, fill: false };
/** The class on the map container while no remote tile is shown: region names appear (css/basemap.css). */
export const ALONE = "basemap-alone";

function createPane(map, name, zIndex) {
  const pane = map.createPane(name);
  pane.style.zIndex = String(zIndex);
  pane.style.pointerEvents = "none";
  return pane;
}

/** A region's name as a permanent label, its text set as a text node. */
function regionLabel(feature, pane) {
  const [lon, lat] = feature.geometry.coordinates;
  const text = document.createElement("span");
  text.textContent = feature.properties.name;
  const label = L.tooltip({ permanent: true, direction: "center", className: "basemap-label", pane, opacity: 1,
                            interactive: false }).setLatLng([lat, lon]).setContent(text);
  label.minZoom = feature.properties.min_zoom || 0;
  return label;
}

/** Show each region's name from its zoom on (small regions only up close), so that names don't overlap. */
function showLabelsByZoom(map, labels) {
  const update = () => {
    const zoom = map.getZoom();
    for (const label of labels) {
      const element = label.getElement();
      if (element) element.hidden = zoom < label.minZoom;
    }
  };
  map.on("zoomend", update);
  update();
}

/** Mark the container as standing alone while tiles fail and none has loaded; resolves the first time it
 * stands alone. Tiles may have loaded or failed before this module runs (the map is made by an earlier
 * script), so their images count too. */
function watchTiles(map) {
  let resolveAlone;
  const alone = new Promise((resolve) => { resolveAlone = resolve; });
  const tiles = [];
  map.eachLayer((layer) => { if (layer instanceof L.TileLayer) tiles.push(layer); });
  const container = map.getContainer();
  const images = tiles.flatMap((layer) => Array.from(layer.getContainer()?.querySelectorAll("img") || []));
  let loaded = images.filter((img) => img.classList.contains("leaflet-tile-loaded")).length;
  let failed = images.filter((img) => img.complete && img.naturalWidth === 0).length;
  const update = () => {
    if (container.classList.toggle(ALONE, tiles.length === 0 || (failed > 0 && loaded === 0))) resolveAlone();
  };
  for (const layer of tiles) {
    layer.on("tileload", () => { loaded += 1; update(); });
    layer.on("tileerror", () => { failed += 1; update(); });
  }
  update();
  return alone;
}

/** Draw the base layer on a map. `boundaries` is the layer group the MRC outlines go to (the layer
 * control's overlay), else they go on the map; `attribution` credits the geodata when no tile layer does;
 * `whenAlone` waits for the tiles to be missing or failing before loading anything (a small map close in,
 * where the layer only matters without tiles); `skipMrc` leaves out an MRC whose exact outline the page
 * draws itself. Resolves to the layers drawn, or null when the base layer could not be loaded (the map
 * still works without it). */
export async function addBasemap(map, { url, boundaries = null, attribution = "", fetchOptions = {},
                                        whenAlone = false, skipMrc = null }) {
  createPane(map, "basemap", 150);
  createPane(map, "basemap-labels", 450);
  const alone = watchTiles(map);
  if (whenAlone) await alone;
  let collection;
  try {
    collection = await fetchJson(url, fetchOptions);
  } catch {
    return null;
  }
  const kind = (name) => ({ type: "FeatureCollection",
                            features: collection.features.filter((f) => f.properties.kind === name) });
  const land = L.geoJSON(kind("land"), { style: LAND, interactive: false, pane: "basemap", attribution }).addTo(map);
  const mrc = L.geoJSON(kind("mrc"), { style: MRC, interactive: false,
                                       filter: (feature) => feature.properties.code !== skipMrc });
  mrc.addTo(boundaries || map);
  const names = kind("region").features.map((f) => regionLabel(f, "basemap-labels"));
  const labels = L.layerGroup(names).addTo(map);
  showLabelsByZoom(map, names);
  map.getContainer().classList.add("has-basemap");
  return { land, mrc, labels };
}
