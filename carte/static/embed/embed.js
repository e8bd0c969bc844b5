// The embedded map: Leaflet, markers from the JSON API, popups made of text nodes only.
import { addBasemap } from "../js/basemap.js";
import { el } from "../js/dom.js";
import { fetchJson } from "../js/http.js";
import { featureContact, revealEmailOnClick } from "../js/contact.js";

const config = JSON.parse(document.getElementById("embed-config").textContent);
const MAX_PAGES = 20;
// The contact block's words and language, as the map page's config gives them.
const contactConfig = { language: config.lang, messages: config.labels, enterprise_url: config.enterprise_url };
// The embed runs in other sites' pages: its requests carry no cookie.
const ANONYMOUS = { credentials: "omit" };

function reportHeight() {
  const height = Math.ceil(document.documentElement.scrollHeight);
  if (window.parent !== window) {
    window.parent.postMessage({ type: "carte-embed:resize", height }, "*");
  }
}

function safeLink(url) {
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** What the enterprise has paused today, until when, and its message (null without a pause). */
function pauseLine(accepting) {
  if (!accepting || !accepting.paused) { return null; }
  const what = accepting.paused_items.concat(accepting.paused_sectors).map((term) => term.label).join(", ");
  const when = accepting.until ? `${config.labels.until} ${accepting.until}` : config.labels.untilLifted;
  const line = el("span", { class: "embed-paused" }, `${config.labels.paused} ${what} · ${when}`);
  if (accepting.message) { line.append(el("br"), el("em", {}, accepting.message)); }
  return line;
}

function popupFor(feature) {
  const properties = feature.properties;
  const box = el("div", { class: "embed-popup" }, el("strong", {}, properties.name || ""));
  if (properties.municipality) { box.append(el("span", {}, properties.municipality)); }
  const labels = properties.sectors.concat(properties.items).map((term) => term.label).join(", ");
  if (labels) { box.append(el("span", {}, labels)); }
  const paused = pauseLine(properties.accepting);
  if (paused) { box.append(paused); }
  box.append(featureContact(contactConfig, feature));
  for (const [url, label] of [[properties.website, config.labels.website], [properties.url, config.labels.details]]) {
    const href = url && safeLink(url);
    if (href) { box.append(el("span", {}, el("a", { href, target: "_blank", rel: "noopener" }, label))); }
  }
  return box;
}

async function loadEnterprises(first) {
  const features = [];
  let url = first;
  for (let page = 0; url && page < MAX_PAGES; page += 1) {
    const collection = await fetchJson(url, ANONYMOUS);
    features.push(...collection.features);
    url = collection.next;
  }
  return features;
}

async function showMap() {
  const map = L.map("embed-map", { scrollWheelZoom: false }).setView([46.8, -71.2], 6);
  if (config.tiles) {
    L.tileLayer(config.tiles, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
  }
  addBasemap(map, { ...config.basemap, fetchOptions: ANONYMOUS, skipMrc: config.mrc });
  const status = document.getElementById("embed-status");
  try {
    if (config.boundary) {
      const boundary = await fetchJson(config.boundary, ANONYMOUS);
      const outline = L.geoJSON(boundary, { style: { color: "#0b5c8a", weight: 2, fillOpacity: 0.04 } }).addTo(map);
      map.fitBounds(outline.getBounds(), { animate: false });
    }
    const features = await loadEnterprises(config.enterprises);
    const cluster = L.markerClusterGroup({ showCoverageOnHover: false });
    for (const feature of features) {
      if (!feature.geometry) { continue; }
      const [lon, lat] = feature.geometry.coordinates;
      const marker = L.marker([lat, lon], { title: feature.properties.name, alt: feature.properties.name });
      marker.bindPopup(() => popupFor(feature));
      cluster.addLayer(marker);
    }
    map.addLayer(cluster);
    if (!config.boundary && cluster.getLayers().length) { map.fitBounds(cluster.getBounds(), { maxZoom: 13, animate: false }); }
    const singular = features.length === 1 || (features.length === 0 && document.documentElement.lang === "fr");
    const noun = singular ? config.labels.countOne : config.labels.count;
    status.textContent = `${features.length} ${noun}`;
    document.body.dataset.loaded = String(features.length);
  } catch {
    status.textContent = config.labels.error;
    document.body.dataset.loaded = "error";
  }
  reportHeight();
}

if (config.view === "map") {
  showMap();
}
for (const link of document.querySelectorAll("a.contact-email[data-email-url]")) {
  revealEmailOnClick(link, link.dataset.emailUrl);
}
reportHeight();
new ResizeObserver(reportHeight).observe(document.body);
