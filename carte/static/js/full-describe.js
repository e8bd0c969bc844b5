// The words of an enterprise of the full-data view, from its payload masks: its sectors, what it
// accepts, its town and distance, whether it is open now, its page.
import { format } from "./text.js";
import { isOpenAt, quebecNow } from "./hours.js";
import { el } from "./dom.js";
import { placeLine } from "./results-list.js";
import { pauseNode } from "./pause.js";

/** The describers of the payload loaded (`data.context` holds its vocabulary's bits). */
export function createDescribe(config, data) {
  const messages = config.messages;
  const numbers = new Intl.NumberFormat(config.language, { maximumFractionDigits: 1 });
  const sectorLabels = Object.fromEntries(config.sectors.map((term) => [term.code, term.label]));
  const itemLabels = Object.fromEntries(config.items.map((term) => [term.code, term.label]));

  function sectorCodes(mask) {
    return config.sectors.filter((term) => mask & data.context.sectorBits[term.code]).map((term) => term.code);
  }

  return {
    sectorCodes,
    sectors: (e) => sectorCodes(e.sectors).map((code) => ({ code, label: sectorLabels[code] })),
    place: (e) => placeLine(e.town, e.distance === null ? ""
      : format(messages.distance, { km: numbers.format(e.distance) })),
    items(e) {
      const names = config.items.filter((term) => e.items & data.context.itemBits[term.code])
        .map((term) => itemLabels[term.code]);
      return names.length ? format(messages.accepts, { items: names.join(", ") }) : "";
    },
    /** What the enterprise has paused today, until when, and its message ("" without a pause). */
    pause(e) {
      if (!e.pause) return "";
      const labels = [
        ...config.items.filter((term) => e.pause.items & data.context.itemBits[term.code]),
        ...config.sectors.filter((term) => e.pause.sectors & data.context.sectorBits[term.code]),
      ].map((term) => term.label);
      return pauseNode(e.pause, labels, config);
    },
    /** The "open now" badge, or an empty text when closed or unknown. */
    openNow(e) {
      const now = quebecNow();
      return isOpenAt(e.hours, now.day, now.minute) ? el("p", { class: "open-now" }, messages.open_now) : "";
    },
  };
}
