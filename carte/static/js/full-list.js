// The full-data view's list: the results in pages, each appended once the server gave its rows' names.
import { PAGE_SIZE, enterpriseUrl, entry } from "./results-list.js";
import { rowContact } from "./contact.js";

/** The list of `data.results`; `isCurrent(generation)` tells whether a page still belongs to the
 * results shown, `onLocate(e)` runs for an entry's "see on the map", `onShown(page)` after a page. */
export function createFullList({ config, data, list, describe, generation, onLocate, onFail, onShown }) {
  let shown = 0;
  // The list's pages, appended one after the other as their rows come.
  let queue = Promise.resolve();

  function item(e) {
    const row = data.rows.row(e.n);
    return entry({
      attributes: { "data-n": String(e.n) }, href: enterpriseUrl(config, row.id), name: row.name,
      meta: describe.place(e), sectors: describe.sectors(e), items: describe.items(e),
      extra: [describe.pause(e), describe.openNow(e), rowContact(config, e, row)], approximate: e.approximate,
      messages: config.messages,
      onLocate: () => onLocate(e),
    });
  }

  /** Append the results from `shown` to `upTo` (a page at least) once their rows are known; false if
   * the results changed meanwhile. */
  async function appendPage(upTo, current) {
    if (current !== generation()) return false;
    const end = Math.min(data.results.length, Math.max(upTo || 0, shown + PAGE_SIZE));
    const page = data.results.slice(shown, end);
    list.busy(true);
    try {
      await data.rows.load(page.map((e) => e.n));  // at most MAX_ROWS a request: far down the list, several
    } catch (error) {
      if (current === generation()) onFail(error);
      return false;
    }
    if (current !== generation()) return false;
    list.append(page.map(item), data.results.length - end);
    list.busy(false);
    shown = end;
    onShown(page);
    return true;
  }

  /** Add the next page of results to the list, or every result up to `upTo`, after the pages asked before. */
  function more(upTo) {
    const current = generation();
    queue = queue.then(() => appendPage(upTo, current));
    return queue;
  }

  /** Mark an enterprise's entry as selected, if the list shows it. */
  function mark(e) {
    const item = list.find("data-n", e.n);
    list.mark(item);
    return item;
  }

  return {
    more,
    mark,
    /** Start the list of new results: its first page, its rows asked for now (while the markers cluster). */
    start() {
      list.clear();
      shown = 0;
      queue = Promise.resolve();
      data.rows.load(data.results.slice(0, PAGE_SIZE).map((e) => e.n)).catch(() => {});
      return more();
    },
    /** Show a selected enterprise's entry in the list, once the list reaches it. */
    async reveal(e) {
      const index = data.results.indexOf(e);
      if (index >= shown && !(await more(index + 1))) return;
      if (data.selected !== e) return;
      const item = mark(e);
      if (item) item.scrollIntoView({ block: "nearest" });
    },
  };
}
