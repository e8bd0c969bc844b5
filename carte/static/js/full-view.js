// The full-data view (up to MAP_FULL_DATA_LIMIT enterprises): the whole payload is downloaded once and
// filtered in the browser (data.js); names and free-text matches come from the server (rows.js).
import { format } from "./text.js";
import { quebecNow } from "./hours.js";
import { bits, decode, makeFilter, setDistances, writeBits } from "./data.js";
import { fetchJson } from "./http.js";
import { StaleData, createRowSource } from "./rows.js";
import { createDescribe } from "./full-describe.js";
import { createFullList } from "./full-list.js";
import { createFullMarkers } from "./full-markers.js";
import { countLeftOut } from "./pause.js";

/** The view's interface, as the tiled view's: load, filter, draw, more, bounds, markerCount, parts. */
export function createFullView({ map, config, list, viewport, pinIcon, redraw, reapply, pausedNote }) {
  const messages = config.messages;
  // The MRC filter's options carry each MRC's region, so the config does not repeat them.
  const mrcRegion = Object.fromEntries([...document.getElementById("f-mrc").options]
    .filter((option) => option.value).map((option) => [option.value, option.dataset.region]));
  // The payload's enterprises, vocabulary bits and rows (names, free text) for its version; the results.
  const data = { enterprises: [], context: null, rows: null, results: [], selected: null, leftOut: 0 };
  // Bumped by each filter change: an answer that comes back for an older one is dropped.
  let generation = 0;
  let state = null;
  let filter = null;
  // A version of the payload the server refused once: it is loaded again once, not in a loop.
  let staleVersion = null;
  let reloading = false;

  const describe = createDescribe(config, data);
  const markers = createFullMarkers({ map, config, data, describe, pinIcon, viewport,
    onSelect: (e) => select(e, false), onStale: failed, onDrawn: () => redraw.done("markers") });
  const entries = createFullList({ config, data, list, describe, generation: () => generation,
    onLocate: (e) => select(e, true), onFail: failed, onShown: markers.title });

  /** Show a failure of the list or the search; a payload the server no longer answers for is loaded again. */
  function failed(error, message = messages.rows_failed) {
    if (error instanceof StaleData) {
      if (error.version !== data.rows.version || reloading) return;  // about a payload already being replaced
      if (staleVersion !== data.rows.version) {
        staleVersion = data.rows.version;
        reload();
        return;
      }
    }
    list.fail(message);
  }

  /** Select an enterprise: from the list it is shown on the map; from the map it is found in the list. */
  function select(e, fromList) {
    markers.mark(data.selected, false);
    data.selected = e;
    entries.mark(e);
    if (fromList) {
      markers.reveal(e);
    } else {
      markers.mark(e);
      entries.reveal(e);
    }
  }

  /** Load the payload (revalidated with the server when `fresh`) and start over with its version. */
  async function load(fresh = false) {
    const payload = await fetchJson(config.data_url, fresh ? { cache: "no-cache" } : {});
    data.enterprises = decode(payload);  // in ordinal order: data.enterprises[n] is row n
    data.context = {
      itemIndex: config.item_index, stopWords: new Set(config.stop_words), mrcRegion,
      sectorBits: bits(payload.vocabulary.sectors), itemBits: bits(payload.vocabulary.items),
      serviceBits: bits(payload.vocabulary.services),
    };
    data.rows = createRowSource({ rowsUrl: config.rows_url, searchUrl: config.search_url, listUrl: config.list_url,
      version: payload.version, language: config.language });
    markers.reset();
    data.selected = null;
  }

  /** The server changed the data since the page loaded it: load it again and redraw the same search. */
  async function reload() {
    reloading = true;
    try {
      await load(true);
    } catch (error) {
      failed(error);
      return;
    } finally {
      reloading = false;
    }
    await reapply();
  }

  /** The rows the server's free-text search finds for the state (null without text), or undefined if it
   * failed or a newer filter change started meanwhile. */
  async function textMatches(wanted, current) {
    if (!wanted.q) return null;
    try {
      const found = await data.rows.search(wanted.q);
      return current === generation ? found : undefined;
    } catch (error) {
      if (current === generation) failed(error, messages.search_failed);
      return undefined;
    }
  }

  function updateCounts() {
    // Tallied by combination of sectors first: there are far fewer combinations than enterprises.
    const perMask = new Map();
    for (const e of data.enterprises) {
      if (filter.test(e, true)) perMask.set(e.sectors, (perMask.get(e.sectors) || 0) + 1);
    }
    const perSector = Object.fromEntries(config.sectors.map((term) => [term.code, 0]));
    for (const [mask, n] of perMask) for (const code of describe.sectorCodes(mask)) perSector[code] += n;
    for (const span of document.querySelectorAll("#filters [data-sector-count]")) {
      span.textContent = `(${perSector[span.dataset.sectorCount]})`;
    }
    const n = data.results.length;
    list.count(n === 0 ? messages.count_zero : format(n === 1 ? messages.count_one : messages.count_other,
      { n: n.toLocaleString(config.language) }), n === 0);
  }

  function updateItemFeedback() {
    const feedback = document.getElementById("item-feedback");
    if (!state.item) {
      feedback.textContent = "";
    } else if (filter.itemCodes.length === 0) {
      const examples = config.items.slice(0, 4).map((term) => term.label.toLowerCase()).join(", ");
      feedback.textContent = format(messages.item_unknown, { text: state.item, examples });
    } else {
      const names = Object.fromEntries(config.items.map((term) => [term.code, term.label]));
      feedback.textContent = format(messages.item_matches,
        { labels: filter.itemCodes.map((code) => names[code]).join(", ") });
    }
  }

  return {
    parts: ["markers", "list"],
    load: () => load(),
    /** The results of a state; false if it was replaced by a newer one or the server's search failed. */
    async filter(wanted) {
      generation += 1;
      const current = generation;
      list.busy(true);
      const textBits = await textMatches(wanted, current);
      if (textBits === undefined) return false;
      state = wanted;
      setDistances(data.enterprises, wanted.nearPoint);
      const context = { ...data.context, textBits, now: quebecNow() };
      filter = makeFilter(wanted, context);
      data.results = data.enterprises.filter((e) => filter.test(e));
      data.leftOut = wanted.accepting === "all" ? 0
        : countLeftOut(data.enterprises, filter, makeFilter({ ...wanted, accepting: "all" }, context));
      // Near me, the list is sorted here by distance; else the server gives its pages in name order,
      // told which rows the results hold (every row: nothing to tell).
      if (wanted.nearPoint) data.results.sort((a, b) => a.distance - b.distance);
      data.byName = !wanted.nearPoint;
      data.held = data.results.length === data.enterprises.length ? null
        : writeBits(data.results.map((e) => e.n), data.enterprises.length);
      return true;
    },
    /** Draw the results: list, counts and markers; resolves once the list's first page is shown. */
    draw() {
      data.selected = null;
      const firstPage = entries.start().then((done) => { if (done) redraw.done("list"); });
      updateCounts();
      updateItemFeedback();
      pausedNote.show(data.leftOut, state);
      markers.update();
      return firstPage;
    },
    more: () => entries.more(),
    /** Open an enterprise of the results by id, as a click on its pin does (a shared link); false when
     * the results do not hold it. */
    async open(id) {
      const ordinal = await data.rows.find(id);
      const e = data.results.find((result) => result.n === ordinal);
      if (!e) return false;
      select(e, true);
      await entries.reveal(e);
      return true;
    },
    /** The results' bounds when some are filtered out, else null (the view stays). */
    bounds() {
      const { results, enterprises } = data;
      return results.length && results.length < enterprises.length
        ? L.latLngBounds(results.map((e) => [e.lat, e.lon])) : null;
    },
    markerCount: markers.count,
  };
}
