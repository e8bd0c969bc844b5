// Accent- and case-insensitive matching, the same folding as carte/text.py and carte/vocabulary.py.

/** Lower-case, strip accents, collapse punctuation and spaces into single spaces. */
export function fold(value) {
  return String(value || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, " ").trim();
}

/** The item codes named in a phrase ("un vieux divan" → ["meubles"]): whole phrase, then word runs. */
export function matchItems(index, stopWords, phrase) {
  const folded = fold(phrase);
  if (!folded) return [];
  if (index[folded]) return [index[folded]];
  const words = folded.split(" ").filter((word) => !stopWords.has(word));
  const codes = [];
  for (const size of [3, 2, 1]) {
    for (let start = 0; start + size <= words.length; start += 1) {
      const key = words.slice(start, start + size).join(" ");
      const code = index[key] || (size === 1 && /[sx]$/.test(key) ? index[key.slice(0, -1)] : undefined);
      if (code && !codes.includes(code)) codes.push(code);
    }
  }
  return codes;
}

/** Fill "{name}" placeholders of a translated message. */
export function format(message, values) {
  return message.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}
