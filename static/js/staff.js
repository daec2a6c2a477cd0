// Keyboard moderation for the queue (j/k move, a/r/s decide, u undo, x select, ? help),
// focus that follows decisions, and "select all". Loaded with `defer`; no inline script.
(function () {
  "use strict";

  var lastUndo = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-list > .queue-row"));
  }

  function currentRow() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("#queue-list > .queue-row") : null;
  }

  function focusRow(row) {
    if (!row) return;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(currentRow());
    var next = index === -1 ? 0 : Math.max(0, Math.min(all.length - 1, index + step));
    focusRow(all[next]);
  }

  function nextUndecided(row) {
    var sibling = row.nextElementSibling;
    while (sibling && !(sibling.matches(".queue-row") && !sibling.matches(".decided"))) {
      sibling = sibling.nextElementSibling;
    }
    if (sibling) return sibling;
    sibling = row.previousElementSibling;
    while (sibling && !(sibling.matches(".queue-row") && !sibling.matches(".decided"))) {
      sibling = sibling.previousElementSibling;
    }
    return sibling || row;
  }

  function isTyping(target) {
    if (!target.closest) return false;
    var field = target.closest("input, textarea, select, [contenteditable]");
    return Boolean(field) && field.type !== "checkbox";
  }

  function toggleHelp() {
    var dialog = document.getElementById("keys-help");
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (!document.getElementById("queue-list")) return;
    var row = currentRow();
    var target = null;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a":
      case "r":
      case "s":
        if (row) target = row.querySelector('button[aria-keyshortcuts="' + event.key + '"]');
        break;
      case "u":
        if (lastUndo && document.contains(lastUndo)) target = lastUndo;
        break;
      case "x":
        if (row) target = row.querySelector("input[type=checkbox]");
        break;
      case "?": toggleHelp(); break;
      default: return;
    }
    if (target && !target.disabled) target.click();
    event.preventDefault();
  });

  document.addEventListener("htmx:load", function (event) {
    var element = event.detail.elt;
    if (!element.matches || !element.matches("#queue-list > .queue-row")) return;
    if (element.matches(".decided")) {
      var undo = element.querySelector("[data-undo]");
      if (undo) lastUndo = undo;
      // A bulk decision swaps many rows at once: leave focus where the moderator put it.
      if (!element.hasAttribute("data-bulk")) focusRow(nextUndecided(element));
    } else if (element.hasAttribute("data-restored")) {
      focusRow(element);
    }
  });

  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) return;
    rows().forEach(function (row) {
      var box = row.querySelector("input[type=checkbox]");
      if (box) box.checked = event.target.checked;
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".select-all[hidden], [data-keys-help][hidden]").forEach(function (el) {
      el.hidden = false;
    });
    document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-keys-help]")) toggleHelp();
    });
  });
})();

// Row actions (p back to pending, e edit, o reply as the organization, Escape closes the
// box): a block of its own. After an edit or a reply, focus returns to the row, or to
// the text that was refused.
(function () {
  "use strict";

  function rowOf(element) {
    return element && element.closest ? element.closest("#queue-list > .queue-row") : null;
  }

  function openBox(row, selector) {
    var box = row.querySelector(selector);
    if (!box) return;
    box.open = true;
    var field = box.querySelector("textarea");
    if (field) field.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var row = rowOf(document.activeElement);
    if (!row) return;
    if (event.key === "Escape") {
      var open = event.target.closest && event.target.closest("details[open]");
      if (!open || !row.contains(open)) return;
      open.open = false;
      row.focus();
      event.preventDefault();
      return;
    }
    var field = event.target.closest && event.target.closest("input, textarea, select");
    if (field && field.type !== "checkbox") return;
    if (event.key === "p") {
      var back = row.querySelector('button[aria-keyshortcuts="p"]');
      if (back && !back.disabled) back.click();
    } else if (event.key === "e") {
      openBox(row, ".row-edit");
    } else if (event.key === "o") {
      openBox(row, ".row-reply-box");
    } else {
      return;
    }
    event.preventDefault();
  });

  document.addEventListener("htmx:load", function (event) {
    var element = event.detail.elt;
    if (!element.matches || !element.matches(".row-text, .row-reply")) return;
    var refused = element.querySelector('[aria-invalid="true"]');
    if (refused) refused.focus();
    else if (rowOf(element)) rowOf(element).focus();
  });
})();
