// What the search's place draws on the map: the "near me" circle and the chosen area's box.
const LINE = { color: "#0b5c8a", weight: 2 };

/** `show(state)` draws a state's circle and box in place of the previous ones; `bounds()` is the view
 * they ask for (the circle's, else the box's, else null). */
export function createOverlays(map) {
  let circle = null;
  let box = null;
  return {
    show(state) {
      if (circle) circle.remove();
      if (box) box.remove();
      circle = state.nearPoint ? L.circle([state.nearPoint.lat, state.nearPoint.lon], {
        radius: state.radius * 1000, ...LINE, fill: false, interactive: false,
      }).addTo(map) : null;
      box = state.box ? L.rectangle([[state.box.south, state.box.west], [state.box.north, state.box.east]], {
        ...LINE, dashArray: "6 4", fill: false, interactive: false,
      }).addTo(map) : null;
      document.getElementById("bbox-clear").hidden = !state.box;
    },
    bounds() {
      return circle ? circle.getBounds() : box ? box.getBounds() : null;
    },
  };
}
