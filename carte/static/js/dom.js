// DOM building blocks shared by the map's views: elements from text, never from HTML.

/** An element with attributes and text or child nodes (never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** The icon of a cluster of `count` enterprises, showing `label` (the count by default). */
export function clusterIcon(count, label = String(count)) {
  const size = count < 10 ? "s" : count < 100 ? "m" : "l";
  return L.divIcon({ html: el("span", {}, label), className: `cluster cluster-${size}`,
    iconSize: L.point(40, 40) });
}
