// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Sign-up: show the "new organisation" fields only when "My organisation is not in the list" is chosen;
  // they are required then, and say so to assistive technology.
  const select = document.getElementById("id_organisation");
  const block = document.querySelectorAll("[data-new-organisation]");
  if (select && block.length) {
    const sync = () => {
      const proposing = select.value === "new";
      block.forEach((el) => {
        el.classList.toggle("d-none", !proposing);
        el.querySelectorAll("[data-required-if-new]").forEach((field) => {
          field.setAttribute("aria-required", proposing ? "true" : "false");
        });
      });
    };
    select.addEventListener("change", sync);
    sync();
  }
  // Sign-up: start the time zone at the browser's own, under the name the list uses for it
  // (a browser may report an old spelling, "Asia/Calcutta" for "Asia/Kolkata").
  const zone = document.querySelector("[data-guess-time-zone]");
  if (zone && zone.value === "UTC") {
    let guess = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    try {
      const aliases = JSON.parse(zone.dataset.timeZoneAliases || "{}");
      if (Object.prototype.hasOwnProperty.call(aliases, guess)) guess = aliases[guess];
    } catch (error) {
      // no alias table: the browser's own name only
    }
    if (guess && [...zone.options].some((option) => option.value === guess)) zone.value = guess;
  }
  // A form's error summary takes the focus, so that a screen reader reads it and the page shows it.
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});

// Forms that save themselves (the portrait's answers, the days application) save on a change, or a
// pause in typing: what was typed just before leaving the page (a link, back, closing the tab) would be
// lost, htmx's request being cancelled with the page. On the way out, each such form with a change not
// saved yet is sent to its data-save-on-leave address, in one request the browser completes after the
// page is gone; the server ignores a value it already holds.
(() => {
  const unsaved = new Set(); // the elements (a question, a form) whose own save has not answered since a change
  const touched = (event) => {
    const saver = event.target.closest && event.target.closest("[hx-post]");
    if (saver && saver.closest("[data-save-on-leave]")) unsaved.add(saver);
  };
  document.addEventListener("input", touched);
  document.addEventListener("change", touched);
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) unsaved.delete(event.detail.elt);
  });
  document.addEventListener("submit", (event) => {
    // The form's own submission sends it all.
    unsaved.forEach((saver) => {
      if (event.target.contains(saver)) unsaved.delete(saver);
    });
  });
  window.addEventListener("pagehide", () => {
    const forms = new Set([...unsaved].filter((saver) => saver.isConnected)
      .map((saver) => saver.closest("[data-save-on-leave]")));
    forms.forEach((form) => {
      fetch(form.dataset.saveOnLeave, {
        method: "POST", body: new FormData(form), headers: { "HX-Request": "true" }, keepalive: true,
        credentials: "same-origin", redirect: "manual",
      });
    });
    unsaved.clear();
  });
})();
