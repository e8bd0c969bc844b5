// The map's data: decoding the compact column payload, filtering, distances, URL state.
import { matchItems } from "./text.js";
import { isOpenAt } from "./hours.js";
import { acceptedMask, attachPauses } from "./pause.js";

// The payload's number alphabet and flags (carte/map_data.py).
const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
const DIGIT_VALUES = new Int8Array(128).fill(-1);
for (let value = 0; value < DIGITS.length; value += 1) DIGIT_VALUES[DIGITS.charCodeAt(value)] = value;
const FLAG_APPROXIMATE = 1;

/** The `count` numbers of a column: base-32 digits, each number's last one from the alphabet's first half. */
function readNumbers(digits, count) {
  const numbers = [];
  let value = 0;
  for (let i = 0; i < digits.length; i += 1) {
    const part = DIGIT_VALUES[digits.charCodeAt(i)] ?? -1;
    if (part < 0) throw new Error(`Unexpected digit ${digits[i]}`);
    if (part >= 32) {
      value = value * 32 + part - 32;
    } else {
      numbers.push(value * 32 + part);
      value = 0;
    }
  }
  if (numbers.length !== count) throw new Error(`Expected ${count} numbers, found ${numbers.length}`);
  return numbers;
}

/** A signed number from its zigzag form (0, 1, 2, 3... for 0, -1, 1, -2...). */
function signed(zigzag) {
  return zigzag % 2 ? -(zigzag + 1) / 2 : zigzag / 2;
}

/** Decode /carte/donnees.json (see carte/map_data.py) into one object per enterprise; `n`, its ordinal,
 * names it to /carte/lignes and /carte/recherche (carte/map_rows.py), which hold its id and name. */
export function decode(payload) {
  const columns = Object.fromEntries(Object.entries(payload.columns)
    .map(([name, digits]) => [name, readNumbers(digits, payload.count)]));
  const enterprises = new Array(payload.count);
  let lat = 0;
  let lon = 0;
  for (let i = 0; i < payload.count; i += 1) {
    lat += signed(columns.dlat[i]);
    lon += signed(columns.dlon[i]);
    enterprises[i] = {
      n: i,
      town: payload.places.town[columns.place[i]],
      lat: lat / payload.scale,
      lon: lon / payload.scale,
      mrc: payload.places.mrc[columns.place[i]],
      hours: payload.hours[columns.hours[i]],
      sectors: columns.sectors[i],
      items: columns.items[i],
      services: columns.services[i],
      approximate: (columns.flags[i] & FLAG_APPROXIMATE) === FLAG_APPROXIMATE,
      distance: null,
    };
  }
  return attachPauses(enterprises, payload.pauses);
}

/** The bytes of a base64 bitset (/carte/recherche): ordinal i is bit i % 8 of byte i / 8. */
export function readBits(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The base64 bitset (URL-safe, as /carte/liste reads it) of these ordinals among `count` rows. */
export function writeBits(ordinals, count) {
  const bytes = new Uint8Array((count + 7) >> 3);
  for (const n of ordinals) bytes[n >> 3] |= 1 << (n & 7);
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Whether a bitset holds an ordinal. */
export function hasBit(bytes, ordinal) {
  return (bytes[ordinal >> 3] & (1 << (ordinal & 7))) !== 0;
}

/** The bit of each code in the payload's masks. */
export function bits(codes) {
  return Object.fromEntries(codes.map((code, position) => [code, 2 ** position]));
}

/** Great-circle distance in kilometres. */
export function distanceKm(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2
    + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(a));
}

const MULTI = ["sector", "service"];
const SINGLE = ["q", "item", "mrc", "region", "near", "radius_km", "open_now", "place", "bbox", "accepting"];
const NUMBER = "(-?\\d+(?:\\.\\d+)?)";

/** The search state read from a query string (the same parameter names as /api/enterprises). */
export function readState(search) {
  const params = new URLSearchParams(search);
  const state = {};
  for (const name of SINGLE) state[name] = (params.get(name) || "").trim();
  for (const name of MULTI) state[name] = params.getAll(name).filter(Boolean);
  const near = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(state.near);
  state.nearPoint = near ? { lat: Number(near[1]), lon: Number(near[2]) } : null;
  if (!state.nearPoint) state.near = "";
  state.radius = Number(state.radius_km) > 0 ? Number(state.radius_km) : 25;
  const box = new RegExp(`^${NUMBER},${NUMBER},${NUMBER},${NUMBER}$`).exec(state.bbox);
  state.box = box ? { west: Number(box[1]), south: Number(box[2]), east: Number(box[3]), north: Number(box[4]) }
    : null;
  if (!state.box) state.bbox = "";
  if (state.accepting !== "all") state.accepting = "";
  return state;
}

/** The query string of a state, without empty parameters; `lang` kept as given. */
export function writeState(state, language) {
  const params = new URLSearchParams();
  for (const name of SINGLE) {
    if (name === "radius_km" && !state.near) continue;
    if (state[name]) params.set(name, state[name]);
  }
  for (const name of MULTI) for (const value of state[name]) params.append(name, value);
  if (language) params.set("lang", language);
  return params.toString();
}

/** A predicate for the state; `ignoreSector` lets the sector chips count what each would add. The free
 * text is matched by the server: `context.textBits` holds the rows it found for `state.q`. */
export function makeFilter(state, context) {
  const textBits = state.q ? context.textBits : null;
  const itemCodes = state.item ? matchItems(context.itemIndex, context.stopWords, state.item) : [];
  const itemMask = itemCodes.reduce((mask, code) => mask | (context.itemBits[code] || 0), 0);
  const sectorMask = state.sector.reduce((mask, code) => mask | (context.sectorBits[code] || 0), 0);
  const serviceMask = state.service.reduce((mask, code) => mask | (context.serviceBits[code] || 0), 0);
  const near = state.nearPoint;
  const box = state.box;
  const now = context.now;
  const all = state.accepting === "all";
  const test = (e, ignoreSector = false) => {
    if (state.item && !(acceptedMask(e, "items", all) & itemMask)) return false;
    if (!ignoreSector && sectorMask && !(acceptedMask(e, "sectors", all) & sectorMask)) return false;
    if (serviceMask && (e.services & serviceMask) !== serviceMask) return false;
    if (state.mrc && e.mrc !== state.mrc) return false;
    if (state.region && context.mrcRegion[e.mrc] !== state.region) return false;
    if (textBits && !hasBit(textBits, e.n)) return false;
    if (near && e.distance > state.radius) return false;
    if (box && (e.lon < box.west || e.lon > box.east || e.lat < box.south || e.lat > box.north)) return false;
    if (state.open_now && isOpenAt(e.hours, now.day, now.minute) !== true) return false;
    return true;
  };
  return { test, itemCodes };
}

/** Set each enterprise's distance from a point (null without one). */
export function setDistances(enterprises, point) {
  for (const e of enterprises) e.distance = point ? distanceKm(point.lat, point.lon, e.lat, e.lon) : null;
}
