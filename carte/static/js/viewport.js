// Changes of the map's view that survive a running zoom: Leaflet ignores a view asked for while a zoom
// animation runs (250 ms), so quick successive filter changes could leave the map on earlier results.

/** `whenZoomEnds(change)` and `fit(bounds)` wait for the running zoom (the last change asked wins). */
export function createViewport(map) {
  let animating = false;
  let afterZoom = null;
  map.on("zoomanim", () => { animating = true; });
  map.on("zoomend", () => {
    animating = false;
    const change = afterZoom;
    afterZoom = null;
    if (change) change();
  });

  /** Change the view now, or at the end of the running zoom animation. */
  function whenZoomEnds(change) {
    if (animating) {
      afterZoom = change;
    } else {
      change();
    }
  }

  return {
    whenZoomEnds,
    fit(bounds, options = {}) {
      whenZoomEnds(() => map.fitBounds(bounds, options));
    },
    /** Forget a view asked for earlier: it no longer applies. */
    cancel() {
      afterZoom = null;
    },
  };
}
