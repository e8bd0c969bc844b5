// An enterprise page's small map (made by Folium): the app's own base layer once its tiles are missing
// or failing, so that the map still shows land and MRC outlines around the enterprise.
import { addBasemap } from "./basemap.js";

const script = document.getElementById("small-map-script").dataset;
addBasemap(window[script.map], { ...JSON.parse(script.basemap), whenAlone: true });
