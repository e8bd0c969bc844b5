// The measure of a redraw after a filter change, "carte-redraw" (read by scripts/bench/map.py and tiles.py).

/** `start(parts)` a measure; `done(part)` as each part is drawn ends it with the last one. */
export function createRedraw() {
  let redraw = null;
  return {
    start(parts) {
      redraw = { started: performance.now(), parts: new Set(parts) };
    },
    done(part) {
      if (redraw === null) return;
      redraw.parts.delete(part);
      if (redraw.parts.size === 0) {
        performance.measure("carte-redraw", { start: redraw.started });
        redraw = null;
      }
    },
  };
}
