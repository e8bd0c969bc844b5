// A "share" panel (templates/macros/share.html) without any third party: the link to copy (to the
// clipboard, else selected for the keyboard's copy) and plain mailto: and sms: links that hand it to the
// device's own e-mail and messaging apps. Its texts come from the panel's data- attributes.

/** Wire a share panel; `link(withPosition)` gives the link to share (else the panel's own link) and
 * `hasPosition()` whether the optional "include my position" choice applies. */
export function createShare(panel, { link = null, hasPosition = () => false } = {}) {
  const input = panel.querySelector("[data-share-url]");
  const status = panel.querySelector("[data-share-status]");
  const email = panel.querySelector("[data-share-email]");
  const sms = panel.querySelector("[data-share-sms]");
  const position = panel.querySelector("[data-share-position]");
  const texts = panel.dataset;

  /** Bring the link and the e-mail and text message links up to date; returns the link. */
  function refresh() {
    const located = hasPosition();
    if (position) position.closest("[data-share-position-row]").hidden = !located;
    const url = link ? link(Boolean(position && position.checked && located)) : input.value;
    input.value = url;
    email.href = `mailto:?subject=${encodeURIComponent(texts.subject)}&body=${encodeURIComponent(url)}`;
    sms.href = `sms:?body=${encodeURIComponent(url)}`;
    return url;
  }

  /** Copy the link; where the clipboard is refused or missing, select it for Ctrl+C. */
  async function copy() {
    const url = refresh();
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = texts.copied;
    } catch {
      input.focus();
      input.select();
      status.textContent = texts.copyManually;
    }
  }

  panel.addEventListener("toggle", () => {
    status.textContent = "";
    if (panel.open) refresh();
  });
  panel.addEventListener("pointerdown", refresh);
  panel.addEventListener("focusin", (event) => { if (event.target !== input) refresh(); });
  if (position) position.addEventListener("change", refresh);
  panel.querySelector("[data-share-copy]").addEventListener("click", copy);
  refresh();
  return {
    /** Refresh the link when the panel is open (the view it describes changed). */
    update() {
      if (panel.open) refresh();
    },
  };
}
