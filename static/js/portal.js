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
