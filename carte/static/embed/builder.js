// The embed builder: every change updates the preview and the snippet (made with the DOM, not strings).
const form = document.getElementById("builder-form");
const snippet = document.getElementById("builder-snippet");
const preview = document.getElementById("builder-preview");
const labels = JSON.parse(document.getElementById("builder-labels").textContent);

function chosenParameters() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (value && !(name === "view" && value === "map")) { params.append(name, value); }
  }
  return params;
}

function embedTitle() {
  const select = form.elements.mrc;
  const option = select.options[select.selectedIndex];
  const base = new FormData(form).get("lang") === "en" ? form.dataset.titleEn : form.dataset.titleFr;
  return select.value ? `${base} — ${option.textContent}` : base;
}

function snippetFor(url) {
  const frame = document.createElement("iframe");
  frame.setAttribute("src", url);
  frame.setAttribute("title", embedTitle());
  frame.setAttribute("width", "100%");
  frame.setAttribute("height", "500");
  frame.setAttribute("style", "border:0");
  frame.setAttribute("loading", "lazy");
  const script = document.createElement("script");
  script.setAttribute("src", form.dataset.hostScript);
  script.setAttribute("async", "");
  return `${frame.outerHTML}\n${script.outerHTML}`;
}

function update() {
  const query = chosenParameters().toString();
  const url = form.dataset.embedBase + (query ? `?${query}` : "");
  snippet.value = snippetFor(url);
  preview.src = url;
  history.replaceState(null, "", `?${query}`);
}

form.addEventListener("change", update);
form.addEventListener("submit", (event) => { event.preventDefault(); update(); });
document.getElementById("builder-copy").addEventListener("click", async () => {
  snippet.select();
  try {
    await navigator.clipboard.writeText(snippet.value);
  } catch {
    document.execCommand("copy");
  }
  document.getElementById("builder-copied").textContent = labels.copied;
});
