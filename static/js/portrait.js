// The portrait's section page: show and hide conditional questions as answers change.
// The server applies the same rule on every save (surveys.selectors.visible_question_ids).
(() => {
  const picked = (questionId) => {
    const inputs = document.querySelectorAll(`[data-question="${questionId}"] input[name="q${questionId}"]:checked`);
    return new Set([...inputs].map((input) => input.value));
  };
  const isShown = (questionId) => {
    const el = document.querySelector(`[data-question="${questionId}"]`);
    return el ? !el.classList.contains("d-none") : null;
  };
  const sync = () => {
    // In page order: a condition always comes before the questions that depend on it.
    document.querySelectorAll("[data-show-if]").forEach((el) => {
      const controller = el.dataset.showIf;
      const shown = isShown(controller);
      if (shown === null) return; // the condition is on another section's page: the server decided
      const wanted = el.dataset.showIfChoices.split(" ").filter(Boolean);
      const answers = picked(controller);
      el.classList.toggle("d-none", !(shown && wanted.some((id) => answers.has(id))));
    });
  };
  document.addEventListener("change", (event) => {
    if (event.target.closest("[data-portrait-form]")) sync();
  });
  document.addEventListener("htmx:afterSwap", sync);
})();
