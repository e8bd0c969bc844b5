// The map's own base layer (/carte/fond.geojson, built by carte/map/basemap.py): Quebec's land in a pane
// under the remote tiles, the MRC outlines above them, and the regions' names once the map stands alone:
// no tile layer (CARTE_TILE_URL=none), or tiles that fail to load (offline kiosk, intranet, blocked host).
// The map container's background (map.css, embed.css) is the water around the land.
import { fetchJson } from "./http.js";

const LAND = { stroke: true, color: "#b3ab98", weight: 1, fillColor: "#f3efe4", fillOpacity: 1 };
const MRC = { color: "#5f5f96", weight: 1.2, opacity: 0.7, fill: false };
/** The class on the map container while no remote tile is shown: region names appear (map.css). */
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
  return L.tooltip({ permanent: true, direction: "center", className: "basemap-label", pane, opacity: 1,
                     interactive: false }).setLatLng([lat, lon]).setContent(text);
}

/** Mark the container as standing alone while tiles fail and none has loaded. */
function watchTiles(map) {
  const tiles = [];
  map.eachLayer((layer) => { if (layer instanceof L.TileLayer) tiles.push(layer); });
  const container = map.getContainer();
  let loaded = 0;
  let failed = 0;
  const update = () => container.classList.toggle(ALONE, tiles.length === 0 || (failed > 0 && loaded === 0));
  for (const layer of tiles) {
    layer.on("tileload", () => { loaded += 1; update(); });
    layer.on("tileerror", () => { failed += 1; update(); });
  }
  update();
}

/** Draw the base layer on a map. `boundaries` is the layer group the MRC outlines go to (the layer
 * control's overlay), else they go on the map; `attribution` credits the geodata when no tile layer does.
 * Resolves to the layers drawn, or null when the base layer could not be loaded (the map still works). */
export async function addBasemap(map, { url, boundaries = null, attribution = "", fetchOptions = {} }) {
  createPane(map, "basemap", 150);
  createPane(map, "basemap-labels", 450);
  map.getContainer().classList.add("has-basemap");
  watchTiles(map);
  let collection;
  try {
    collection = await fetchJson(url, fetchOptions);
  } catch {
    return null;
  }
  const kind = (name) => ({ type: "FeatureCollection",
                            features: collection.features.filter((f) => f.properties.kind === name) });
  const land = L.geoJSON(kind("land"), { style: LAND, interactive: false, pane: "basemap", attribution }).addTo(map);
  const mrc = L.geoJSON(kind("mrc"), { style: MRC, interactive: false });
  mrc.addTo(boundaries || map);
  const labels = L.layerGroup(kind("region").features.map((f) => regionLabel(f, "basemap-labels"))).addTo(map);
  return { land, mrc, labels };
}
