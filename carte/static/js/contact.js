// How to reach an enterprise, for the map's list and popups and the embed: its address and hours, the
// directions (OpenStreetMap and a geo: URI for phones), its phone (tel:) and e-mail (mailto:). The same
// rules as carte/core/contact.py. Links only: nothing is requested before the visitor clicks one.
import { el } from "./dom.js";
import { format } from "./text.js";
import { fetchJson } from "./http.js";
import { describeHours } from "./hours-text.js";
import { distanceKm } from "./data.js";
import { enterpriseUrl } from "./results-list.js";

/** Decimals of a position in a link: about a metre. */
const DECIMALS = 5;
const EXTENSION = /\s*(?:poste|post\.|ext\.?|extension|x|#)\s*(\d{1,6})\s*$/i;

/** A latitude or longitude as a link writes it: rounded, without trailing zeros. */
export function coordinate(value) {
  return String(Number(Number(value).toFixed(DECIMALS)));
}

/** OpenStreetMap's route planner towards a position, the start left for the visitor to choose. */
export function directionsUrl(lat, lon) {
  return `https://www.openstreetmap.org/directions?to=${encodeURIComponent(`${coordinate(lat)},${coordinate(lon)}`)}`;
}

/** The geo: URI of a position, which phones open in their maps application. */
export function geoUri(lat, lon) {
  return `geo:${coordinate(lat)},${coordinate(lon)}`;
}

/** The tel: URI of a phone number (North American numbers as +1 and ten digits), or null. */
export function telUri(phone) {
  let number = String(phone || "").trim();
  if (!number) return null;
  const match = EXTENSION.exec(number);
  const extension = match ? match[1] : null;
  if (match) number = number.slice(0, match.index);
  const international = number.startsWith("+") || number.startsWith("00");
  let digits = number.replace(/\D/g, "");
  if (number.startsWith("00")) digits = digits.slice(2);
  if (!international && digits.length === 10) digits = `1${digits}`;
  else if (!international && !(digits.length === 11 && digits.startsWith("1"))) return null;
  if (digits.length < 7 || digits.length > 15) return null;
  return `tel:+${digits}${extension ? `;ext=${extension}` : ""}`;
}

/** A stored phone the Quebec way ("418 555-1234") when North American in E.164, else as stored. */
export function displayPhone(phone) {
  return /^\+1\d{10}$/.test(phone) ? `${phone.slice(2, 5)} ${phone.slice(5, 8)}-${phone.slice(8)}` : phone;
}

/** Make an e-mail link ask the server for its address only when clicked (lists of addresses are not
 * handed out in bulk), then open it as mailto:; the link's own page when the address cannot be had. */
export function revealEmailOnClick(link, url) {
  const page = link.href;
  link.addEventListener("click", async (event) => {
    if (link.protocol === "mailto:") return;
    event.preventDefault();
    try {
      const { email } = await fetchJson(url, { credentials: "omit" });
      link.href = `mailto:${encodeURIComponent(email).replace("%40", "@")}`;
      link.textContent = email;
      window.location.href = link.href;
    } catch {
      window.location.href = page;
    }
  });
}

function emailLink({ url, page }, name, messages) {
  const link = el("a", { href: page, class: "contact-email", "aria-label": format(messages.email_label, { name }) },
    messages.email);
  revealEmailOnClick(link, url);
  return link;
}

/** The ways to reach an enterprise, as a block of text and links: `street`, `hours` (OpenStreetMap
 * opening_hours), `phone`, `email` ({url, page} when it has one), `distance` (text, shown when given). */
export function contactBlock({ name, lat, lon, street, hours, phone, email, distance, config }) {
  const messages = config.messages;
  const block = el("div", { class: "contact" });
  if (street) block.append(el("p", { class: "address" }, street));
  const lines = describeHours(hours, config.language, messages);
  if (lines.length) block.append(el("p", { class: "hours" }, format(messages.hours, { hours: lines.join(" · ") })));
  // A paragraph, not a list: the results list counts its entries as its <li> elements.
  const links = el("p", { class: "contact-links" });
  const add = (node) => links.append(node, " ");
  if (lat !== null && lat !== undefined) {
    add(el("a", { href: directionsUrl(lat, lon), class: "contact-directions", target: "_blank", rel: "noopener",
      "aria-label": format(messages.directions_label, { name }) }, messages.directions));
    add(el("a", { href: geoUri(lat, lon), class: "contact-geo", "aria-label": format(messages.geo_label, { name }) },
      messages.geo));
  }
  const tel = telUri(phone);
  if (tel) {
    const shown = displayPhone(phone);
    add(el("a", { href: tel, class: "contact-phone", "aria-label": format(messages.call_label, { name, phone: shown }) },
      shown));
  }
  if (email) add(emailLink(email, name, messages));
  if (distance) add(el("span", { class: "contact-distance" }, distance));
  if (links.children.length) block.append(links);
  return block;
}

/** Where the map asks for an enterprise's e-mail address, and its page's contact section. */
function emailOf(config, id) {
  return { url: `${config.enterprise_url}${id}/courriel.json`, page: `${enterpriseUrl(config, id)}#contact` };
}

/** The contact block of a full-data enterprise `e` whose row (rows.js) is known. */
export function rowContact(config, e, row) {
  return contactBlock({ name: row.name, lat: e.lat, lon: e.lon, street: row.street, hours: e.hours, phone: row.phone,
    email: row.email ? emailOf(config, row.id) : null, config });
}

/** The contact block of the `i`th point of a tile (tiled view), with its distance from `near` if given. */
export function pointContact(config, points, i, near) {
  const [lat, lon] = [points.lat[i], points.lon[i]];
  const km = near ? distanceKm(near.lat, near.lon, lat, lon) : null;
  const numbers = new Intl.NumberFormat(config.language, { maximumFractionDigits: 1 });
  return contactBlock({ name: points.name[i], lat, lon, street: points.street[i], phone: points.phone[i],
    email: points.email[i] ? emailOf(config, points.id[i]) : null,
    distance: km === null ? "" : format(config.messages.distance, { km: numbers.format(km) }), config });
}

/** The contact block of a GeoJSON feature of the API (which says whether there is an e-mail address). */
export function featureContact(config, feature) {
  const p = feature.properties;
  const [lon, lat] = feature.geometry ? feature.geometry.coordinates : [null, null];
  return contactBlock({ name: p.name, lat, lon, street: p.street, hours: p.opening_hours, phone: p.phone,
    email: p.has_email ? emailOf(config, feature.id) : null, config });
}
