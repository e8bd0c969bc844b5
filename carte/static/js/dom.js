// DOM building shared by the map's modules and the embed: elements from text and nodes, never from HTML.

/** An element with attributes and text or child nodes (never HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}
