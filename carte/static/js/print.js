// "Print" buttons (data-print): shown only with the script that makes them work; the page's print style
// (css/print.css) leaves the map and controls off the paper.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
