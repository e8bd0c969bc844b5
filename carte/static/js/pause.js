// "Accepting now": what a place has paused today (the payload's `pauses`, see carte/map/payload.py), the
// line that says so in the list and popups, and the note that counts the places an item or sector search
// left out, with the button that includes them (`accepting=all`, as in the API).
import { el } from "./dom.js";
import { format } from "./text.js";

/** Give each decoded enterprise its pause, or null: `pauses` rows are [ordinal, items mask, sectors mask,
 * last day or null, message]. */
export function attachPauses(enterprises, pauses = []) {
  for (const e of enterprises) e.pause = null;
  for (const [n, items, sectors, until, message] of pauses) {
    if (enterprises[n]) enterprises[n].pause = { items, sectors, until, message };
  }
  return enterprises;
}

/** The item or sector mask (kind "items" or "sectors") an enterprise accepts today; its whole mask with `all`. */
export function acceptedMask(e, kind, all) {
  return all || !e.pause ? e[kind] : e[kind] & ~e.pause[kind];
}

/** How many enterprises `filter` leaves out only because of their pause (`everything` keeps them). */
export function countLeftOut(enterprises, filter, everything) {
  let n = 0;
  for (const e of enterprises) if (e.pause && !filter.test(e) && everything.test(e)) n += 1;
  return n;
}

/** A last day (YYYY-MM-DD) in words: "10 juillet 2026". */
function dayInWords(day, language) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date).toLocaleDateString(language, { day: "numeric", month: "long", year: "numeric" });
}

/** The pause line of an enterprise ("" without one): what is paused, until when, its message (text nodes). */
export function pauseNode(pause, labels, config) {
  if (!pause) return "";
  const messages = config.messages;
  const when = pause.until ? format(messages.paused_until, { date: dayInWords(pause.until, config.language) })
    : messages.paused_open_ended;
  const box = el("div", { class: "paused" }, el("p", {}, `${format(messages.paused, { what: labels.join(", ") })} · ${when}`));
  if (pause.message) box.append(el("p", { class: "paused-message" }, pause.message));
  return box;
}

/** The note under the count: how many paused places were left out, and the button that includes them
 * (or leaves them out again). `field` is the form's hidden `accepting`; `onToggle` applies the form. */
export function createPausedNote({ config, field, onToggle }) {
  const note = document.getElementById("paused-note");
  const text = document.getElementById("paused-text");
  const button = document.getElementById("paused-toggle");
  const messages = config.messages;
  button.addEventListener("click", () => {
    field.value = field.value === "all" ? "" : "all";
    onToggle();
  });
  return {
    /** Show the note for a search that left out `n` paused places (`state.accepting` "all": they are in). */
    show(n, state) {
      const included = state.accepting === "all" && (state.item || state.sector.length);
      note.hidden = !n && !included;
      if (included) {
        text.textContent = messages.paused_included;
        button.textContent = messages.paused_exclude;
      } else if (n) {
        text.textContent = format(n === 1 ? messages.paused_left_out_one : messages.paused_left_out_other,
          { n: n.toLocaleString(config.language) });
        button.textContent = messages.paused_include;
      }
    },
    hide() {
      note.hidden = true;
    },
  };
}
