// The map's marker icons, shared by both views: a sector's pin and a cluster's count (no HTML parsed).
import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

/** The icon of a cluster of `count` enterprises, showing `label` (the count by default). */
export function clusterIcon(count, label = String(count)) {
  const size = count < 10 ? "s" : count < 100 ? "m" : "l";
  return L.divIcon({ html: el("span", {}, label), className: `cluster cluster-${size}`,
    iconSize: L.point(40, 40) });
}

/** A div icon that puts a copy of its `template` element in each marker's div (no HTML parsed). */
const TemplateIcon = L.DivIcon.extend({
  createIcon(oldIcon) {
    const div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
    if (this.options.template) div.append(this.options.template.cloneNode(true));
    return div;
  },
});

/** The pin icon maker of the vocabulary's sectors (their config terms: code and icon). */
export function createPinIcon(sectors) {
  const sectorIcons = Object.fromEntries(sectors.map((term) => [term.code, term.icon]));
  // One icon per sector and precision, shared by the markers: Leaflet builds a pin's DOM only when shown.
  const icons = new Map();

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

  /** The pin of an enterprise: its first sector's colour and icon, dashed when its position is approximate. */
  return function pinIcon(sector, approximate) {
    const first = sector || "none";
    const className = `pin sector-${first}${approximate ? " pin-approximate" : ""}`;
    if (!icons.has(className)) {
      icons.set(className, new TemplateIcon({ className, iconSize: [22, 22],
        template: sectorIcons[first] ? sectorIcon(first) : null }));
    }
    return icons.get(className);
  };
}
