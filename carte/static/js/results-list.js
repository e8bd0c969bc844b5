// The results list beside the map, shared by both views: its entries, count line, "show more" button
// and error line. The views give it pages of entries built by `entry()`, text nodes only.
import { format } from "./text.js";
import { el } from "./dom.js";

/** Entries a page of the list adds. */
export const PAGE_SIZE = 50;

/** An enterprise's entry: `attributes` name it (data-n or data-id), `meta` is its town and distance,
 * `sectors` its tags ({code, label}), `items` what it accepts, `extra` nodes after them. */
export function entry({ attributes, href, name, meta, sectors, items, extra = [], approximate, messages, onLocate }) {
  const item = el("li", { ...attributes, class: "result" });
  item.append(el("h3", {}, el("a", { href }, name)));
  item.append(el("p", { class: "meta" }, meta));
  const tags = el("p", { class: "tags" });
  for (const { code, label } of sectors) tags.append(el("span", { class: `tag sector-${code}` }, label));
  item.append(tags, el("p", { class: "items" }, items), ...extra);
  if (approximate) item.append(el("p", { class: "approximate" }, messages.approximate));
  const locate = el("button", { type: "button", class: "secondary small" }, messages.see_on_map);
  locate.addEventListener("click", onLocate);
  item.append(locate);
  return item;
}

/** The page of an enterprise, in the page's language. */
export function enterpriseUrl(config, id) {
  return `${config.enterprise_url}${id}?lang=${config.language}`;
}

/** A town and a distance as an entry's or popup's line ("Trois-Rivières · à 2,4 km"). */
export function placeLine(town, distance) {
  return [town, distance].filter(Boolean).join(" · ");
}

/** The list's element and its controls, for the controller and the views. */
export function createResultsList(messages) {
  const list = document.getElementById("results-list");
  const countLine = document.getElementById("count");
  const moreButton = document.getElementById("more");
  const noResults = document.getElementById("no-results");
  const error = document.getElementById("list-error");
  return {
    element: list,
    moreButton,
    /** Empty the list for new results. */
    clear() {
      list.replaceChildren();
      moreButton.hidden = true;
    },
    busy(flag) {
      list.setAttribute("aria-busy", String(flag));
    },
    /** Append entries after which `rest` results remain: the button offers the next page of them. */
    append(entries, rest) {
      const fragment = document.createDocumentFragment();
      fragment.append(...entries);
      list.append(fragment);
      moreButton.hidden = rest <= 0;
      moreButton.textContent = format(messages.more, { n: Math.min(rest, PAGE_SIZE) });
    },
    /** Say how many results there are (`text`); `empty` shows the advice to widen the search. */
    count(text, empty) {
      countLine.textContent = text;
      noResults.hidden = !empty;
    },
    fail(message) {
      list.setAttribute("aria-busy", "false");
      error.textContent = message;
      error.hidden = false;
    },
    hideError() {
      error.hidden = true;
    },
    /** The entry of a data-n or data-id attribute's value. */
    find(attribute, value) {
      return list.querySelector(`[${attribute}="${value}"]`);
    },
    /** Mark one entry as the selected one (none when null). */
    mark(item) {
      for (const node of list.querySelectorAll(".result.selected")) {
        node.classList.remove("selected");
        node.removeAttribute("aria-current");
      }
      if (item) {
        item.classList.add("selected");
        item.setAttribute("aria-current", "true");
      }
    },
  };
}
