// The full-data view's list: the results in pages, each appended once the server gave its rows' names.
// Near me, the results are sorted here by distance; otherwise the server gives each page in name order
// (the payload carries no names), told which rows the results hold (`data.held`, a bitset).
import { PAGE_SIZE, enterpriseUrl, entry } from "./results-list.js";
import { rowContact } from "./contact.js";

/** Rows one request for a page in name order may ask for (MAX_PAGE in carte/map/rows.py). */
const MAX_PAGE = 1000;

/** The list of `data.results`; `isCurrent(generation)` tells whether a page still belongs to the
 * results shown, `onLocate(e)` runs for an entry's "see on the map", `onShown(page)` after a page. */
export function createFullList({ config, data, list, describe, generation, onLocate, onFail, onShown }) {
  // The server's order of names (NAME_COLLATION), for results at the same distance.
  const collator = new Intl.Collator(config.name_locale);
  let shown = 0;
  // The results in the list's order, as far as the list has shown them.
  let ordered = [];
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

  /** The results from `shown` to `end` in the list's order, their rows known. */
  async function nextPage(end) {
    if (!data.byName) {
      // Near me: results at the same distance as the page's last one come with it, to be put in name order.
      const { results } = data;
      let stop = end;
      while (stop < results.length && results[stop].distance === results[end - 1].distance) stop += 1;
      await data.rows.load(results.slice(shown, stop).map((e) => e.n)); // at most MAX_ROWS a request
      const tied = results.slice(shown, stop).sort((a, b) => a.distance - b.distance
        || collator.compare(data.rows.row(a.n).name, data.rows.row(b.n).name));
      results.splice(shown, tied.length, ...tied);
      return results.slice(shown, end);
    }
    const asked = [];
    for (let start = shown; start < end; start += MAX_PAGE) {
      asked.push(data.rows.page(data.held, start, Math.min(MAX_PAGE, end - start)));
    }
    return (await Promise.all(asked)).flat().map((n) => data.enterprises[n]);
  }

  /** Append the results from `shown` to `upTo` (a page at least) once their rows are known; false if
   * the results changed meanwhile. */
  async function appendPage(upTo, current) {
    if (current !== generation()) return false;
    const end = Math.min(data.results.length, Math.max(upTo || 0, shown + PAGE_SIZE));
    list.busy(true);
    let page;
    try {
      page = await nextPage(end);
    } catch (error) {
      if (current === generation()) onFail(error);
      return false;
    }
    if (current !== generation()) return false;
    ordered.push(...page);
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
      ordered = [];
      queue = Promise.resolve();
      if (!data.byName) data.rows.load(data.results.slice(0, PAGE_SIZE).map((e) => e.n)).catch(() => {});
      return more();
    },
    /** Show a selected enterprise's entry in the list, once the list reaches it. */
    async reveal(e) {
      const current = generation();
      let index = ordered.indexOf(e);
      if (index < 0 && !data.byName) index = data.results.indexOf(e);
      if (index < 0 && data.byName) {
        try {
          index = await data.rows.position(data.held, e.n);
        } catch (error) {
          if (current === generation()) onFail(error);
          return;
        }
      }
      if (index < 0 || current !== generation()) return;
      if (index >= shown && !(await more(index + 1))) return;
      if (data.selected !== e) return;
      const item = mark(e);
      if (item) item.scrollIntoView({ block: "nearest" });
    },
  };
}
