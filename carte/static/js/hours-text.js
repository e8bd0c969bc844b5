// Opening hours in words for the list and popups, the same lines as carte/core/opening_hours.py
// describe_opening_hours ("Lundi au vendredi : 09:00 à 17:00"); unknown forms kept as written.
import { format } from "./text.js";

const DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
const DAY = "(?:PH|(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?)";
const RULE = new RegExp(`^(${DAY}(?:,${DAY})*)(?:\\s+(.+))?$`);
const TIME = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/;

/** The weekday names of a language, Monday first. */
function dayNames(language) {
  const names = new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" });
  // 2024-01-01 was a Monday.
  return DAYS.map((code, i) => names.format(new Date(Date.UTC(2024, 0, 1 + i))));
}

function describeDays(spec, names, messages) {
  return spec.split(",").map((piece) => {
    if (piece === "PH") return messages.hours_holidays;
    const [first, last] = piece.split("-");
    const name = names[DAYS.indexOf(first)];
    return last ? format(messages.hours_days, { first: name, last: names[DAYS.indexOf(last)] }) : name;
  }).join(` ${messages.hours_and} `);
}

function describeTimes(spec, messages) {
  if (spec.trim() === "off" || spec.trim() === "closed") return messages.hours_closed;
  const ranges = [];
  for (const piece of spec.split(",")) {
    const match = TIME.exec(piece.trim());
    if (!match) return null;
    ranges.push(format(messages.hours_time, { start: `${match[1]}:${match[2]}`, end: `${match[3]}:${match[4]}` }));
  }
  return ranges.join(` ${messages.hours_and} `);
}

/** One readable line per rule of an OpenStreetMap opening_hours value; none when it is empty. */
export function describeHours(value, language, messages) {
  const text = String(value || "").trim();
  if (!text) return [];
  if (text === "24/7") return [messages.hours_always];
  const names = dayNames(language);
  return text.split(";").map((part) => part.trim()).filter(Boolean).map((rule) => {
    const match = RULE.exec(rule);
    const times = match && match[2] ? describeTimes(match[2], messages) : null;
    if (!times) return rule;
    const days = describeDays(match[1], names, messages);
    return format(messages.hours_rule, { days: days[0].toUpperCase() + days.slice(1), times });
  });
}
