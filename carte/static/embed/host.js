/* Carte de l'économie sociale: fits each embedded map's iframe to the height it reports.
   Paste after the iframe: <script src="https://…/static/embed/host.js" async></script> */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var origin = new URL(script.src).origin;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "carte-embed:resize") { return; }
    var height = Number(data.height);
    if (!isFinite(height) || height < 50 || height > 20000) { return; }
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.ceil(height) + "px";
      }
    }
  });
}());
