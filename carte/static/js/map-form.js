// The filter form of the map page: filled from a search state, read back into one, cleared.
import { readState } from "./data.js";

const TEXT_FIELDS = ["q", "item", "mrc", "region", "place", "near", "bbox", "accepting"];

/** The form's element and what the controller does with it. */
export function createForm(form) {
  /** Offer only the region's MRCs (all without one); a chosen MRC of another region is dropped. */
  function filterMrcOptions(region) {
    for (const option of form.elements.mrc.options) {
      option.hidden = Boolean(region && option.value && option.dataset.region !== region);
    }
    const chosen = form.elements.mrc.selectedOptions[0];
    if (chosen && chosen.hidden) form.elements.mrc.value = "";
  }

  /** Empty these fields. */
  function empty(...names) {
    for (const name of names) form.elements.namedItem(name).value = "";
  }

  return {
    element: form,
    empty,
    filterMrcOptions,
    fill(state) {
      // namedItem: `form.elements.item` is the collection's item() method, not the field named "item".
      for (const name of TEXT_FIELDS) form.elements.namedItem(name).value = state[name];
      form.elements.radius_km.value = String(state.radius);
      form.elements.open_now.checked = Boolean(state.open_now);
      for (const box of form.querySelectorAll("input[name=sector], input[name=service]")) {
        box.checked = state[box.name].includes(box.value);
      }
      filterMrcOptions(state.region);
    },
    read() {
      const params = new URLSearchParams();
      for (const [name, value] of new FormData(form).entries()) if (name !== "lang") params.append(name, value);
      return readState(params.toString());
    },
    /** Empty every field but the radius. */
    clear() {
      empty(...TEXT_FIELDS);
      for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false;
      filterMrcOptions("");
    },
    /** Search near a point, named by the place typed ("" for the browser's position). */
    setNear(lat, lon, place) {
      form.elements.near.value = `${lat.toFixed(4)},${lon.toFixed(4)}`;
      form.elements.place.value = place;
    },
    /** Search in the map's current view. */
    setBox(view) {
      form.elements.bbox.value = [view.getWest(), view.getSouth(), view.getEast(), view.getNorth()]
        .map((value) => value.toFixed(4)).join(",");
    },
    /** Fold the detailed filters on a phone, unless the search uses them. */
    foldOnPhone(state) {
      const narrow = window.matchMedia("(max-width: 767px)").matches;
      const detailed = state.sector.length || state.service.length || state.mrc || state.region || state.open_now;
      if (narrow && !detailed) document.getElementById("more-filters").open = false;
    },
  };
}
