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
  // Language switcher: submit on change.
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
});
