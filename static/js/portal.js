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
// lost, htmx's request being cancelled with the page. On the way out (beforeunload, else pagehide),
// what changed since its last save is sent to the form's data-save-on-leave address, in one request the
// browser completes after the page is gone: for the portrait, only the questions changed and never one
// that shows a colleague's newer answer (the member chooses there); for the application, the form.
(() => {
  const changes = new Map(); // the element that saves (a question, a form) -> changes made on it
  const inFlight = new WeakMap(); // -> changes made when its own save left
  const touched = (event) => {
    const saver = event.target.closest && event.target.closest("[hx-post]");
    if (saver && saver.closest("[data-save-on-leave]")) changes.set(saver, (changes.get(saver) || 0) + 1);
  };
  document.addEventListener("input", touched);
  document.addEventListener("change", touched);
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (changes.has(event.detail.elt)) inFlight.set(event.detail.elt, changes.get(event.detail.elt));
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const saver = event.detail.elt;
    // Saved, unless more was typed while the request was out.
    if (event.detail.successful && inFlight.get(saver) === changes.get(saver)) changes.delete(saver);
  });
  document.addEventListener("submit", (event) => {
    changes.forEach((_count, saver) => {
      if (event.target.contains(saver)) changes.delete(saver); // the form's own submission sends it all
    });
  });
  const fieldsOf = (form, questions) => {
    const all = new FormData(form);
    const body = new FormData();
    all.forEach((value, name) => {
      if (name === "csrfmiddlewaretoken"
          || questions.some((q) => name === `v${q}` || name === `q${q}` || name.startsWith(`q${q}-`))) {
        body.append(name, value);
      }
    });
    return body;
  };
  const leave = () => {
    const forms = new Map();
    changes.forEach((_count, saver) => {
      if (!saver.isConnected) return;
      const form = saver.closest("[data-save-on-leave]");
      if (!forms.has(form)) forms.set(form, []);
      forms.get(form).push(saver);
    });
    changes.clear();
    forms.forEach((savers, form) => {
      let body;
      if (savers.includes(form)) {
        body = new FormData(form);
      } else {
        const questions = savers.filter((saver) => !saver.querySelector("[data-answer-conflict]"))
          .map((saver) => saver.dataset.question);
        if (!questions.length) return;
        body = fieldsOf(form, questions);
      }
      fetch(form.dataset.saveOnLeave, {
        method: "POST", body, headers: { "HX-Request": "true" }, keepalive: true, credentials: "same-origin",
        redirect: "manual",
      }).catch(() => {}); // e.g. over the 64 KB a request may carry as the page goes: nothing more to do
    });
  };
  if (document.querySelector("[data-save-on-leave]")) { // only where a form saves itself
    let sent = false;
    const leaving = () => {
      sent = sent || changes.size > 0;
      leave();
    };
    window.addEventListener("beforeunload", leaving);
    window.addEventListener("pagehide", leaving);
    // Back to this page from the browser's cache after a save on the way out: its answers' versions are
    // older than what was saved, and the next edit would meet the member's own answer as a colleague's.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted && sent) window.location.reload();
    });
  }
})();
