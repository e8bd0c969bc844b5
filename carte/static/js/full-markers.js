// The full-data view's markers: the results' clusters, each pin's popup and title, the selected pin.
import { el } from "./dom.js";
import { rowContact } from "./contact.js";
import { clusterIcon } from "./pins.js";
import { enterpriseUrl } from "./results-list.js";
import { StaleData } from "./rows.js";

/** The markers of `data.results`; `onSelect(e)` when a pin is clicked, `onStale(error)` when the
 * server no longer answers for the payload, `onDrawn()` once the markers are in the map. */
export function createFullMarkers({ map, config, data, describe, pinIcon, viewport, onSelect, onStale, onDrawn }) {
  const messages = config.messages;

  function makeCluster() {
    return L.markerClusterGroup({
      chunkedLoading: true,
      // The last chunk is reported before its clusters reach the DOM: end the measure after them.
      chunkProgress: (done, total) => { if (done === total) queueMicrotask(onDrawn); },
      showCoverageOnHover: false, maxClusterRadius: 60, disableClusteringAtZoom: 14,
      iconCreateFunction: (group) => clusterIcon(group.getChildCount()),
    });
  }

  // Showing everything is the most common state (first visit, filters cleared): its clusters are built
  // once and kept, so clearing the filters does not re-cluster 11,000 markers. Filtered results go to
  // a second group, changed at each filter change. A marker belongs to one group, hence one marker per
  // group: `markers` maps each enterprise of the group to its marker.
  const everything = { cluster: makeCluster(), markers: new Map(), built: false };
  const filtered = { cluster: makeCluster(), markers: new Map(), built: true };
  let shownGroup = filtered;
  map.addLayer(filtered.cluster);

  /** Name the link and point it and the others at the enterprise's page; the row is known. */
  function fillLinks(row, name, ...others) {
    name.textContent = row.name;
    for (const link of [name, ...others]) link.href = enterpriseUrl(config, row.id);
    name.closest(".popup").dataset.enterprise = String(row.id);  // for the view's shared link
  }

  function popupContent(e, marker) {
    const name = el("a", {});
    const details = el("a", { class: "button" }, messages.details);
    const title = el("h3", {}, name);
    const box = el("div", { class: "popup" }, title);
    box.append(el("p", {}, describe.place(e)));
    box.append(el("p", { class: "tags" }, describe.sectors(e).map((sector) => sector.label).join(", ")));
    box.append(el("p", {}, describe.items(e)), describe.pause(e), describe.openNow(e));
    if (e.approximate) box.append(el("p", { class: "approximate" }, messages.approximate));
    box.append(details);
    const row = data.rows.row(e.n);
    if (row) {
      fillLinks(row, name, details);
      details.before(rowContact(config, e, row));
      return box;
    }
    // Opened from the map before the list showed it: the name comes with its row.
    name.textContent = messages.loading;
    title.setAttribute("aria-busy", "true");
    const source = data.rows;
    source.load([e.n]).then(() => {
      fillLinks(source.row(e.n), name, details);
      details.before(rowContact(config, e, source.row(e.n)));
      titleMarker(marker, e);
    }, (error) => {
      name.textContent = messages.rows_failed;
      if (error instanceof StaleData) onStale(error);
    }).finally(() => {
      title.setAttribute("aria-busy", "false");
      if (marker.isPopupOpen()) marker.getPopup().update();
    });
    return box;
  }

  /** A marker with its popup, bound at first use: most markers are never opened. */
  function withPopup(marker, e) {
    if (!marker.getPopup()) marker.bindPopup(() => popupContent(e, marker));
    return marker;
  }

  /** Give a marker its enterprise's name as title (shown on hover) once its row is known; a marker made
   * before keeps it for the icons Leaflet makes for it later. */
  function titleMarker(marker, e) {
    const row = data.rows.row(e.n);
    if (!row || marker.options.title === row.name) return;
    marker.options.title = row.name;
    if (marker.getElement()) marker.getElement().title = row.name;
  }

  function markerOf(e, group = shownGroup) {
    let marker = group.markers.get(e);
    if (!marker) {
      const options = { icon: pinIcon(describe.sectorCodes(e.sectors)[0], e.approximate), keyboard: false };
      const row = data.rows.row(e.n);
      if (row) options.title = row.name;
      marker = L.marker([e.lat, e.lon], options);
      marker.on("click", () => {
        // Bound now, the popup's own click handler opens and closes it from the next click on.
        if (!marker.getPopup()) withPopup(marker, e).openPopup();
        onSelect(e);
      });
      // Its name as title before the browser shows it on hover: known, or asked for now.
      marker.on("mouseover", () => {
        if (data.rows.row(e.n)) titleMarker(marker, e);
        else data.rows.load([e.n]).then(() => titleMarker(marker, e), () => {});
      });
      group.markers.set(e, marker);
    }
    return marker;
  }

  function showGroup(group) {
    if (group === shownGroup) return;
    map.removeLayer(shownGroup.cluster);
    shownGroup = group;
    map.addLayer(group.cluster);
  }

  /** Empty a group by replacing its cluster group and markers: cheaper than clearLayers, which visits
   * every marker, and markers re-added after it cluster about twice as slowly as new ones. */
  function renew(group) {
    const shown = map.hasLayer(group.cluster);
    if (shown) map.removeLayer(group.cluster);
    group.cluster = makeCluster();
    group.markers = new Map();
    if (shown) map.addLayer(group.cluster);
  }

  /** Bring a group to exactly these enterprises: by difference when it is the smaller change. */
  function refill(group, wanted) {
    const keep = new Set(wanted);
    let added = wanted.filter((e) => !group.markers.has(e));
    const removed = [...group.markers.keys()].filter((e) => !keep.has(e));
    if (removed.length + added.length < wanted.length) {
      group.cluster.removeLayers(removed.map((e) => group.markers.get(e)));
      // Removed markers are not reused: a marker back in a cluster group clusters more slowly.
      for (const e of removed) group.markers.delete(e);
    } else {
      renew(group);
      added = wanted;
    }
    group.cluster.addLayers(added.map((e) => markerOf(e, group)));
  }

  function pinElement(e) {
    const marker = e && shownGroup.markers.get(e);
    return marker && marker.getElement();
  }

  return {
    /** Show the results' markers: the kept group when nothing is filtered out, else a rebuilt one. */
    update() {
      const { results, enterprises } = data;
      if (results.length === enterprises.length && enterprises.length > 0) {
        showGroup(everything);
        if (everything.built) {
          queueMicrotask(onDrawn);
        } else {
          everything.built = true;
          everything.cluster.addLayers(enterprises.map((e) => markerOf(e, everything)));
        }
        renew(filtered);
      } else {
        showGroup(filtered);
        refill(filtered, results);
      }
    },
    /** Start again with a new payload: markers belong to the enterprises of one. */
    reset() {
      renew(everything);
      everything.built = false;
      renew(filtered);
    },
    /** Title the shown markers of these enterprises, whose rows are now known. */
    title(enterprises) {
      for (const e of enterprises) {
        const marker = shownGroup.markers.get(e);
        if (marker) titleMarker(marker, e);
      }
    },
    /** Mark an enterprise's pin as the selected one, or no longer (`selected` false). */
    mark(e, selected = true) {
      if (pinElement(e)) pinElement(e).classList.toggle("pin-selected", selected);
    },
    /** Zoom to an enterprise's pin, open its popup and mark it (after a running zoom). */
    reveal(e) {
      const marker = markerOf(e);
      viewport.whenZoomEnds(() => shownGroup.cluster.zoomToShowLayer(marker, () => {
        withPopup(marker, e).openPopup();
        if (marker.getElement()) marker.getElement().classList.add("pin-selected");
      }));
    },
    count: () => shownGroup.cluster.getLayers().length,
  };
}
