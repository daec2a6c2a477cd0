// Keyboard moderation for the queue (j/k move, a/r/s decide, 1-9 reject with that reason,
// e keep a reported comment, u undo, x select, ? help),
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

  // The row's Reject button, with the reason of that number chosen in the row's list.
  function reasonedReject(row, key) {
    var option = row.querySelector('select[name="reason"] option[data-key="' + key + '"]');
    var reject = row.querySelector('button[aria-keyshortcuts="r"]');
    if (!option || !reject) return null;
    option.selected = true;
    return reject;
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
      case "e":
        if (row) target = row.querySelector('button[aria-keyshortcuts="' + event.key + '"]');
        break;
      case "1": case "2": case "3": case "4": case "5": case "6": case "7": case "8": case "9":
        target = row ? reasonedReject(row, event.key) : null;
        if (!target) return;
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
