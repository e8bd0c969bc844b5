// The coverage section of an MRC page: municipalities shaded by distance class on a small map, and the
// tables rebuilt from the GeoJSON download when another item category is chosen. Text nodes only.
import { addBasemap } from "./basemap.js";
import { el } from "./dom.js";
import { fetchJson } from "./http.js";

const section = document.getElementById("couverture");
const config = JSON.parse(document.getElementById("coverage-config").textContent);
const select = document.getElementById("coverage-category");
const status = document.getElementById("coverage-status");
const lang = document.documentElement.lang || "fr";
const integer = new Intl.NumberFormat(lang);
const decimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const styles = getComputedStyle(document.documentElement);

/** The colour of a distance class, from the CSS custom properties the legend uses too. */
function colour(code) {
  return styles.getPropertyValue(`--coverage-${code}`).trim() || "#888888";
}

/** The radius of a municipality's disc: its area grows with its population. */
function radius(population) {
  return Math.min(22, 4 + Math.sqrt(population || 0) / 12);
}

function distanceText(properties) {
  if (properties.distance_km === null) { return config.classes[properties.distance_class]; }
  return `${decimal.format(properties.distance_km)} km`;
}

function tooltipFor(properties) {
  const box = el("div", { class: "coverage-tooltip" }, el("strong", {}, properties.municipality));
  box.append(el("div", {}, `${integer.format(properties.population || 0)} ${config.labels.people}`));
  box.append(el("div", {}, distanceText(properties)));
  if (properties.place_name) { box.append(el("div", {}, properties.place_name)); }
  return box;
}

function classRow(total) {
  return el("tr", { "data-class": total.code }, el("th", { scope: "row" }, config.classes[total.code]),
    el("td", {}, String(total.municipalities)), el("td", {}, integer.format(total.population)));
}

function placeCell(properties) {
  if (!properties.place_url) { return el("td", {}); }
  const url = new URL(properties.place_url, window.location.href);
  url.searchParams.set("lang", lang);
  return el("td", {}, el("a", { href: url.pathname + url.search }, properties.place_name || ""));
}

function nameCell(properties) {
  const cell = el("th", { scope: "row" }, properties.municipality);
  if (properties.centre_outside_mrc) {
    cell.append(" ", el("abbr", { class: "coverage-outside", title: config.labels.outside }, "*"));
  }
  return cell;
}

function municipalityRow(properties) {
  return el("tr", { "data-code": properties.municipality_code, "data-class": properties.distance_class },
    nameCell(properties),
    el("td", {}, properties.population === null ? "" : integer.format(properties.population)),
    el("td", {}, properties.distance_km === null ? config.classes[properties.distance_class]
      : decimal.format(properties.distance_km)),
    placeCell(properties));
}

function showTables(collection) {
  const shown = collection.classes.filter((total) => total.code !== config.unlocated || total.municipalities);
  document.querySelector("#coverage-classes tbody").replaceChildren(...shown.map(classRow));
  document.querySelector("#coverage-municipalities tbody")
    .replaceChildren(...collection.features.map((feature) => municipalityRow(feature.properties)));
  document.getElementById("coverage-outside-note").hidden =
    !collection.features.some((feature) => feature.properties.centre_outside_mrc);
}

function downloadUrl(id, category) {
  const link = document.getElementById(id);
  const url = new URL(link.href, window.location.href);
  url.searchParams.set(config.parameter, category);
  link.href = url.pathname + url.search;
}

function discs(collection) {
  // Largest first, so that a small municipality is never hidden under a large neighbour.
  const population = (feature) => feature.properties.population || 0;
  const features = [...collection.features].sort((a, b) => population(b) - population(a));
  return L.geoJSON({ type: "FeatureCollection", features }, {
    filter: (feature) => feature.geometry !== null,
    pointToLayer: (feature, latlng) => {
      const fill = colour(feature.properties.distance_class);
      return L.circleMarker(latlng, { radius: radius(feature.properties.population), color: "#222222",
        weight: 1, fillColor: fill, fillOpacity: 0.85 });
    },
    onEachFeature: (feature, layer) => {
      layer.bindTooltip(() => tooltipFor(feature.properties), { className: "coverage-tip" });
    },
  });
}

const map = L.map("coverage-map", { scrollWheelZoom: false }).setView([46.8, -71.2], 7);
if (config.tiles) {
  L.tileLayer(config.tiles, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
}
// The map's own base layer (land, MRC outlines) under the discs, and alone when there are no tiles.
addBasemap(map, { ...config.basemap, skipMrc: config.mrc });
let layer = null;

async function show(category, remember) {
  section.dataset.state = "loading";
  try {
    const url = new URL(config.geojson, window.location.href);
    url.searchParams.set(config.parameter, category);
    const collection = await fetchJson(url.pathname + url.search);
    if (layer) { layer.remove(); }
    layer = discs(collection).addTo(map);
    showTables(collection);
    downloadUrl("coverage-csv", category);
    downloadUrl("coverage-geojson", category);
    section.dataset.category = category;
    status.textContent = "";
    if (remember) {
      const page = new URL(window.location.href);
      page.searchParams.set(config.parameter, category);
      page.hash = "couverture";
      window.history.replaceState(null, "", page.pathname + page.search + page.hash);
    }
    section.dataset.state = "ready";
  } catch (error) {
    status.textContent = error.message || config.labels.error;
    section.dataset.state = "error";
  }
}

async function start() {
  try {
    const boundary = await fetchJson(config.boundary);
    const outline = L.geoJSON(boundary, { style: { color: "#0b5c8a", weight: 2, fillOpacity: 0.03 } }).addTo(map);
    map.fitBounds(outline.getBounds(), { animate: false });
  } catch {
    status.textContent = config.labels.error;
  }
  await show(select.value, false);
}

select.form.addEventListener("submit", (event) => {
  event.preventDefault();
  show(select.value, true);
});
select.addEventListener("change", () => show(select.value, true));
start();
