// "Near me": a place typed (postal code, municipality, address; /carte/lieu) or the browser's position,
// asked for only when the user clicks.
import { format } from "./text.js";
import { HttpError, fetchJson } from "./http.js";

/** `onPoint(lat, lon, place)` when a place is found or the position known. */
export function createNear({ config, form, onPoint }) {
  const messages = config.messages;
  const status = document.getElementById("near-status");

  function say(text) {
    status.textContent = text;
  }

  return {
    say,
    async findPlace() {
      const query = form.elements.place.value.trim();
      if (!query) {
        say(messages.place_empty);
        return;
      }
      let place;
      try {
        place = await fetchJson(`${config.place_url}?q=${encodeURIComponent(query)}&lang=${config.language}`);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        say(messages.place_not_found);
        return;
      }
      say(format(messages.near_place, { label: place.label }));
      onPoint(place.lat, place.lon, query);
    },
    locate() {
      if (!navigator.geolocation) {
        say(messages.geolocation_denied);
        return;
      }
      say(messages.locating);
      navigator.geolocation.getCurrentPosition((position) => {
        say(messages.located);
        onPoint(position.coords.latitude, position.coords.longitude, "");
      }, () => say(messages.geolocation_denied), { timeout: 15000 });
    },
    /** Show the state's "near" controls; the status names its place unless a message is already shown. */
    show(state) {
      document.getElementById("near-clear").hidden = !state.nearPoint;
      if (state.nearPoint && !status.textContent) {
        say(state.place ? format(messages.near_place, { label: state.place }) : messages.located);
      }
    },
  };
}
