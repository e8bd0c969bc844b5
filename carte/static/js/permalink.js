// The map's shared links: what a link holds beyond the filters (the map's centre and zoom, the open
// enterprise), the check of a link's parameters when the page opens, and the link of the current view.
// "Near me" is private: a link carries the searcher's point only if they choose to, otherwise `near=me`
// asks whoever opens it to press "near me" themselves (the browser's position is never asked unasked).
import { readState, writeState } from "./data.js";
import { format } from "./text.js";

const POINT = /^(-?\d{1,3}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)$/;
const BOX = /^-?\d+(?:\.\d+)?(?:,-?\d+(?:\.\d+)?){3}$/;
const ZOOM = /^\d{1,2}(?:\.\d{1,2})?$/;
const ENTERPRISE = /^[1-9]\d{0,17}$/;
/** Digits of a shared centre: 1e-5 degree is about a metre. */
const CENTRE_DIGITS = 5;

/** A point "lat,lon" inside the world's bounds, or null. */
function readPoint(raw) {
  const match = POINT.exec(raw);
  if (!match) return null;
  const [lat, lon] = [Number(match[1]), Number(match[2])];
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : null;
}

/** The values the page knows for each parameter with a closed list (the form's own options). */
function knownValues(form) {
  const values = (selector) => new Set([...form.querySelectorAll(selector)].map((node) => node.value).filter(Boolean));
  return {
    sector: values("input[name=sector]"), service: values("input[name=service]"),
    region: values("#f-region option"), mrc: values("#f-mrc option"), radius_km: values("#f-radius option"),
  };
}

/** Check a link's query string: what the page cannot use is left out with a notice naming the parameter.
 * Returns the query to show, the view it asks for (centre, zoom, enterprise, nearMe) and the notices. */
export function checkLink(search, form, { messages, minZoom, maxZoom }) {
  const params = new URLSearchParams(search);
  const known = knownValues(form);
  const kept = new URLSearchParams();
  const notices = [];
  const view = { centre: null, zoom: null, enterprise: null, nearMe: false };
  const refuse = (name, value, reason) => notices.push(format(messages.link_ignored,
    { parameter: name, value: value.slice(0, 40), reason }));
  for (const [name, raw] of params) {
    const value = raw.trim();
    if (!value) continue;
    if (name in known) {
      if (known[name].has(value)) kept.append(name, value);
      else refuse(name, value, messages.link_unknown_value);
    } else if (name === "near") {
      if (value === "me") view.nearMe = true;
      else if (readPoint(value)) kept.append(name, value);
      else refuse(name, value, messages.link_bad_point);
    } else if (name === "bbox") {
      if (BOX.test(value)) kept.append(name, value);
      else refuse(name, value, messages.link_bad_box);
    } else if (name === "center") {
      view.centre = readPoint(value);
      if (!view.centre) refuse(name, value, messages.link_bad_point);
    } else if (name === "zoom") {
      const zoom = Number(value);
      if (ZOOM.test(value) && zoom >= minZoom && zoom <= maxZoom) view.zoom = zoom;
      else refuse(name, value, format(messages.link_bad_zoom, { min: minZoom, max: maxZoom }));
    } else if (name === "enterprise") {
      if (ENTERPRISE.test(value)) view.enterprise = value;
      else refuse(name, value, messages.link_bad_enterprise);
    } else if (["q", "item", "open_now", "place", "lang"].includes(name)) {
      kept.append(name, value);
    }
  }
  if ((view.centre === null) !== (view.zoom === null)) {
    view.centre = null;
    view.zoom = null;
  }
  return { query: kept.toString(), view, notices };
}

/** The permalinks of the map page: `map` is Leaflet's, `near` the "near me" controls. */
export function createPermalink({ map, config, near }) {
  const messages = config.messages;
  const box = document.getElementById("link-notices");
  let openPopup = null;
  map.on("popupopen", (event) => { openPopup = event.popup; });
  map.on("popupclose", (event) => { if (openPopup === event.popup) openPopup = null; });

  /** Show notices about the link opened (text nodes only). */
  function notify(notices) {
    if (!notices.length) return;
    const list = box.querySelector("ul");
    for (const notice of notices) list.append(Object.assign(document.createElement("li"), { textContent: notice }));
    box.hidden = false;
  }

  /** The id of the enterprise whose popup is open, once the popup knows it. */
  function openEnterprise() {
    const element = openPopup && openPopup.getElement();
    const popup = element && element.querySelector(".popup[data-enterprise]");
    return popup ? popup.dataset.enterprise : null;
  }

  return {
    /** The query of the page's own link after checking it, and the view to restore once drawn. */
    check(search) {
      const link = checkLink(search, document.getElementById("filters"),
        { messages, minZoom: map.getMinZoom(), maxZoom: map.getMaxZoom() });
      notify(link.notices);
      const state = readState(link.query);
      if (link.view.nearMe && !state.nearPoint) near.say(messages.near_me_shared);
      else if (state.nearPoint && !state.place) near.say(messages.near_link);
      return link;
    },
    /** Restore a link's map view and open enterprise on the drawn view (`mapView`, the controller's view). */
    async restore(view, mapView) {
      // A failed look-up (network, data changed meanwhile) is reported like a missing enterprise: the
      // rest of the link is shown all the same.
      const opening = view.enterprise
        ? mapView.open(view.enterprise, { keepView: Boolean(view.centre) }).catch(() => false) : null;
      if (view.centre) map.setView([view.centre.lat, view.centre.lon], view.zoom, { animate: false });
      if (opening && !(await opening)) notify([format(messages.link_enterprise_missing, { id: view.enterprise })]);
    },
    /** The link of what the page shows now; the "near" point (and the map's view, centred on it) only
     * when `withPosition`. */
    link(withPosition) {
      const state = readState(window.location.search);
      const params = new URLSearchParams(writeState(state, config.language));
      const hidden = state.nearPoint && !withPosition;
      if (hidden) {
        params.delete("place");
        params.set("near", "me");
      } else {
        const centre = map.getCenter();
        params.set("center", `${centre.lat.toFixed(CENTRE_DIGITS)},${centre.lng.toFixed(CENTRE_DIGITS)}`);
        params.set("zoom", String(Math.round(map.getZoom() * 100) / 100));
      }
      const enterprise = openEnterprise();
      if (enterprise) params.set("enterprise", enterprise);
      return `${window.location.origin}${window.location.pathname}?${params}`;
    },
    /** Whether the current search is near a point, which the link leaves out unless asked. */
    hasPosition: () => Boolean(readState(window.location.search).nearPoint),
  };
}
