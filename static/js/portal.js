// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Sign-up: show the "new organisation" fields only when the organisation is not in the list.
  const select = document.getElementById("id_organisation");
  const block = document.querySelectorAll("[data-new-organisation]");
  if (select && block.length) {
    const sync = () => block.forEach((el) => el.classList.toggle("d-none", select.value !== ""));
    select.addEventListener("change", sync);
    sync();
  }
  // Sign-up: start the time zone at the browser's own, when the list has it.
  const zone = document.querySelector("[data-guess-time-zone]");
  if (zone && zone.value === "UTC") {
    const guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (guess && [...zone.options].some((option) => option.value === guess)) zone.value = guess;
  }
});
