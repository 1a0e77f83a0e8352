// Shipdesk dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // --- Countdowns: the server renders "confirm within 3 h 12 min"; keep it current. -----------
  // The wording matches shipdesk/dashboard/display.py (duration_text, countdown_text).
  function durationText(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    if (minutes < 1) return "less than a minute";
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 48) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    var days = Math.floor(hours / 24);
    hours = hours % 24;
    return hours ? days + " d " + hours + " h" : days + " d";
  }

  function refreshCountdowns(root) {
    var now = Date.now();
    (root || document).querySelectorAll("[data-countdown]").forEach(function (el) {
      var deadline = Date.parse(el.dataset.deadline);
      if (isNaN(deadline)) return;
      var seconds = (deadline - now) / 1000;
      var verb = el.dataset.verb;
      var overdue = seconds < 0;
      el.textContent = verb + (overdue ? " overdue by " : " within ") + durationText(seconds);
      el.classList.toggle("is-overdue", overdue);
      var row = el.closest(".order-row");
      if (row) row.classList.toggle("is-overdue", overdue);
    });
  }

  setInterval(refreshCountdowns, 30000);
  document.addEventListener("htmx:afterSettle", function (event) { refreshCountdowns(event.target); });

  // --- Focus the result of an action ----------------------------------------------------------
  // After Confirm, Ship, a bulk action (a new page) or "Mark read" (an htmx swap) the button the
  // seller pressed is gone. The result ([data-focus-result], a status or alert region with
  // tabindex=-1) takes the focus, so a screen reader reads it and the next Tab continues from
  // there instead of from the top of the page. A field that took the focus itself (autofocus)
  // keeps it.
  function focusResult(root) {
    var result = root.querySelector("[data-focus-result]");
    if (!result) return;
    result.removeAttribute("data-focus-result");  // once: a later swap must not pull focus back
    var active = document.activeElement;
    var focusIsLost = !active || active === document.body || !document.contains(active);
    if (focusIsLost && !(root === document && document.querySelector("[autofocus]"))) result.focus();
  }

  focusResult(document);
  document.addEventListener("htmx:afterSettle", function (event) { focusResult(event.target); });

  // --- "Select all" for bulk actions -----------------------------------------------------------
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("[data-select-all]")) {
      document.querySelectorAll('input[type="checkbox"][name="' + box.dataset.selectAll + '"]').forEach(function (each) {
        each.checked = box.checked;
      });
    }
    // The shop switcher changes shop as soon as one is picked (its button stays for no-JS use).
    if (box.matches("select[data-autosubmit]")) {
      box.form.submit();
    }
  });

  // --- Copy a shown-once token ------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = "Copied";
    });
  });
})();
