// The review queue's draggable pin: dragging it (or clicking the map) fills the coordinate inputs.
const QUEBEC_CENTRE = [46.8, -71.2];

function readNumber(element, name) {
  const value = JSON.parse(element.dataset[name] || "null");
  return typeof value === "number" ? value : null;
}

function setInputs(latlng) {
  document.getElementById("latitude").value = latlng.lat.toFixed(6);
  document.getElementById("longitude").value = latlng.lng.toFixed(6);
}

function start() {
  const element = document.getElementById("pin-map");
  if (!element || !window.L) return;
  const tiles = JSON.parse(element.dataset.tiles);
  const latitude = readNumber(element, "latitude");
  const longitude = readNumber(element, "longitude");
  const placed = latitude !== null && longitude !== null;
  const centre = placed ? [latitude, longitude] : QUEBEC_CENTRE;
  const map = window.L.map(element).setView(centre, placed ? 15 : 7);
  if (tiles.url) window.L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 19 }).addTo(map);
  const marker = window.L.marker(centre, { draggable: true, autoPan: true, keyboard: true,
                                            title: element.getAttribute("aria-label") }).addTo(map);
  marker.on("dragend", () => setInputs(marker.getLatLng()));
  map.on("click", (event) => { marker.setLatLng(event.latlng); setInputs(event.latlng); });
  for (const id of ["latitude", "longitude"]) {
    document.getElementById(id).addEventListener("change", () => {
      const lat = parseFloat(document.getElementById("latitude").value.replace(",", "."));
      const lng = parseFloat(document.getElementById("longitude").value.replace(",", "."));
      if (Number.isFinite(lat) && Number.isFinite(lng)) marker.setLatLng([lat, lng]);
    });
  }
}

start();
