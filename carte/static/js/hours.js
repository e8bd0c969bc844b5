// "Open now" from OpenStreetMap opening_hours, for the common forms:
// "Mo-Fr 09:00-17:00; Sa 10:00-16:00", "Mo,We 10:00-12:00,13:00-17:00", "Su off", "24/7",
// "10:00-18:00" (every day), ranges past midnight ("Fr 20:00-02:00"). Public-holiday rules (PH) are
// ignored; anything else makes the hours unknown (null), never guessed.

const DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
const DAY_SPEC = /^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$/;
const TIME_RANGE = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;

function parseDays(spec) {
  const days = new Set();
  for (const piece of spec.split(",")) {
    const match = DAY_SPEC.exec(piece);
    if (!match) return null;
    const first = DAYS.indexOf(match[1]);
    const last = match[2] ? DAYS.indexOf(match[2]) : first;
    for (let day = first; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === last) break;
    }
  }
  return days;
}

function parseTimes(spec) {
  if (spec === "off" || spec === "closed") return [];
  const ranges = [];
  for (const piece of spec.split(",")) {
    const match = TIME_RANGE.exec(piece.trim());
    if (!match) return null;
    const start = Number(match[1]) * 60 + Number(match[2]);
    const end = Number(match[3]) * 60 + Number(match[4]);
    if (start > 24 * 60 || end > 48 * 60) return null;
    ranges.push([start, end]);
  }
  return ranges;
}

/** The rules of a value as [{days: Set, ranges: [[start, end] minutes]}], or null when unsupported. */
export function parseHours(value) {
  const text = String(value || "").trim();
  if (!text) return null;
  if (text === "24/7") return [{ days: new Set(DAYS.keys()), ranges: [[0, 24 * 60]] }];
  const rules = [];
  for (const raw of text.split(";")) {
    const rule = raw.trim();
    if (!rule || rule.startsWith("PH")) continue;
    const space = rule.indexOf(" ");
    const firstWord = space < 0 ? rule : rule.slice(0, space);
    const dayed = /^(Mo|Tu|We|Th|Fr|Sa|Su)/.test(firstWord);
    const days = dayed ? parseDays(firstWord.replace(/,PH$/, "")) : new Set(DAYS.keys());
    const ranges = parseTimes(dayed ? rule.slice(space + 1).trim() : rule);
    if (!days || !ranges || (dayed && space < 0)) return null;
    rules.push({ days, ranges });
  }
  return rules.length ? rules : null;
}

function rangesOf(rules, day) {
  let ranges = [];
  for (const rule of rules) if (rule.days.has(day)) ranges = rule.ranges;  // a later rule replaces
  return ranges;
}

/** Whether a place is open on a weekday (0 = Monday) at a minute of the day; null when unknown. */
export function isOpenAt(value, day, minute) {
  const rules = parseHours(value);
  if (!rules) return null;
  const today = rangesOf(rules, day).some(([start, end]) => (end > start
    ? minute >= start && minute < end : minute >= start));
  const spill = rangesOf(rules, (day + 6) % 7).some(([start, end]) => (end <= start && minute < end)
    || (end > 24 * 60 && minute < end - 24 * 60));
  return today || spill;
}

// Made once: building a formatter costs more than formatting (the list asks for each of its entries).
const QUEBEC_CLOCK = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/Toronto", weekday: "short", hour: "numeric", minute: "numeric", hourCycle: "h23",
});

/** The weekday (0 = Monday) and minute of the day now in Quebec (America/Toronto time zone). */
export function quebecNow(date = new Date()) {
  const parts = QUEBEC_CLOCK.formatToParts(date);
  const get = (type) => parts.find((part) => part.type === type).value;
  const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday"));
  return { day, minute: Number(get("hour")) * 60 + Number(get("minute")) };
}
