// What the payload leaves to the server, for one version of it (carte/map_rows.py): the id and name of
// rows by ordinal (/carte/lignes), and the rows its free-text search finds (/carte/recherche).
import { readBits } from "./data.js";
import { HttpError, fetchJson } from "./http.js";

/** Ordinals one request may name (MAX_ROWS in carte/map_rows.py). */
const MAX_ROWS = 1000;
/** Free-text searches kept for the current version. */
const KEPT_SEARCHES = 50;

/** The server no longer answers for this version of the payload (409): the page loads it again. */
export class StaleData extends Error {
  constructor(version) {
    super(`The map's data changed since version ${version}`);
    this.version = version;
  }
}

/** The JSON answer of a request about this version; a 409 is a StaleData. */
async function getJson(url, version) {
  try {
    return await fetchJson(url);
  } catch (error) {
    throw error instanceof HttpError && error.status === 409 ? new StaleData(version) : error;
  }
}

/** Rows and searches of one version of the payload: each row asked for once, kept by ordinal. */
export function createRowSource({ rowsUrl, searchUrl, listUrl, version, language }) {
  const query = `v=${encodeURIComponent(version)}&lang=${encodeURIComponent(language)}`;
  const known = new Map();  // ordinal -> { id, name, street, phone, email (whether it has one) }
  const waiting = new Map();  // ordinal -> the request that will bring it
  const searches = new Map();  // text -> bitset (a promise of it)

  /** Keep the rows of an answer (/carte/lignes, /carte/liste), column by column. */
  function keep(answer) {
    answer.n.forEach((n, i) => known.set(n, { id: answer.id[i], name: answer.name[i], street: answer.street[i],
      phone: answer.phone[i], email: answer.email[i] }));
  }

  function request(ordinals) {
    const asked = getJson(`${rowsUrl}?${query}&n=${ordinals.join(",")}`, version).then(keep).finally(() => { for (const n of ordinals) waiting.delete(n); });
    for (const n of ordinals) waiting.set(n, asked);
    return asked;
  }

  /** Bring the rows of these ordinals: one request per MAX_ROWS rows not yet known nor asked for. */
  async function load(ordinals) {
    const missing = [...new Set(ordinals)].filter((n) => !known.has(n) && !waiting.has(n));
    for (let start = 0; start < missing.length; start += MAX_ROWS) request(missing.slice(start, start + MAX_ROWS));
    await Promise.all(new Set(ordinals.map((n) => waiting.get(n)).filter(Boolean)));
  }

  /** The rows whose name, description or municipality holds the text, as a bitset over the ordinals. */
  function search(text) {
    if (!searches.has(text)) {
      const found = getJson(`${searchUrl}?${query}&q=${encodeURIComponent(text)}`, version)
        .then((answer) => readBits(answer.bits));
      found.catch(() => searches.delete(text));  // a failed search is asked again next time
      searches.set(text, found);
      if (searches.size > KEPT_SEARCHES) searches.delete(searches.keys().next().value);
    }
    return searches.get(text);
  }

  /** The ordinal of an enterprise by its id (for a shared link), null when this version lacks it. */
  async function find(id) {
    const answer = await getJson(`${rowsUrl}?${query}&id=${encodeURIComponent(id)}`, version);
    keep(answer);
    return answer.n.length ? answer.n[0] : null;
  }

  /** A page of the list in name order: the ordinals of `count` rows from `start` among those the bitset
   * `held` names (null: every row), their rows kept. */
  async function page(held, start, count) {
    const rows = held ? `&in=${held}` : "";
    const answer = await getJson(`${listUrl}?${query}${rows}&from=${start}&count=${count}`, version);
    keep(answer);
    return answer.n;
  }

  /** Where a row stands in the list in name order among those `held` names (-1 if not held). */
  async function position(held, ordinal) {
    const rows = held ? `&in=${held}` : "";
    return (await getJson(`${listUrl}?${query}${rows}&at=${ordinal}`, version)).index;
  }

  return { version, row: (n) => known.get(n), load, search, find, page, position };
}
