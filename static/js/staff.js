// Keyboard moderation for the queue, and focus that follows decisions across pages.
//
// A key presses the control that carries it in `aria-keyshortcuts`: on the focused row
// first (a, r, s), then on the page (`data-page-key`: Shift+A, Shift+R, Shift+S). The keys
// that press no control are PAGE_KEYS below (1-9: reject with the admins' reason of that
// number). The `?` dialog lists them all
// (newsroom/dashboard/shortcuts.py). Loaded with `defer`; no inline script.
(function () {
  "use strict";

  var lastUndo = null;
  // Rows were asked for (the next page, or the new comments) while no comment waiting had
  // focus: focus goes to the first that comes, and the strips above it fold away.
  var awaitingRows = false;
  // The rows an undone batch brought back, as they land.
  var restoredInBatch = [];

  var PAGE_KEYS = {
    j: function () { move(1); },
    k: function () { move(-1); },
    u: function (row) { press(lastUndo && document.contains(lastUndo) ? lastUndo : control(row, "u")); },
    x: function (row) { press(row && row.querySelector(".row-check")); },
    "Shift+X": selectAll,
    n: showNew,
    "?": toggleHelp,
  };
  // 1-9: pick that rejection reason on the focused row and press its Reject.
  "123456789".split("").forEach(function (key) {
    PAGE_KEYS[key] = function (row) { press(row && reasonedReject(row, key)); };
  });

  function list() {
    return document.getElementById("queue-list");
  }

  function isUndecided(element) {
    return element.matches(".queue-row") && !element.matches(".decided") && !element.hidden;
  }

  function undecidedRows() {
    return Array.prototype.filter.call(document.querySelectorAll("#queue-list > .queue-row"), isUndecided);
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

  // Add to what the live region says now (the decision just announced, as a rule).
  function sayAlso(words) {
    var announcer = document.getElementById("announcer");
    if (announcer) announcer.textContent = (announcer.textContent + " " + words).trim();
  }

  function press(control) {
    if (control && !control.disabled) control.click();
  }

  // From `row`, the nearest comment still waiting in `step`'s direction (strips skipped).
  function sibling(row, step) {
    var next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    while (next && !isUndecided(next)) next = step > 0 ? next.nextElementSibling : next.previousElementSibling;
    return next;
  }

  function move(step) {
    var row = currentRow();
    if (row) {
      focusRow(sibling(row, step));
      return;
    }
    var waiting = undecidedRows();
    focusRow(step > 0 ? waiting[0] : waiting[waiting.length - 1]);
  }

  // After a decision: the next comment waiting, the one before if none follows; none on
  // the page, and the queue goes on (the next page, or the new comments).
  function carryOn(decided) {
    var next = sibling(decided, 1) || sibling(decided, -1);
    if (next) {
      focusRow(next);
      return;
    }
    focusRow(decided);
    if (!continueQueue()) sayAlso("Nothing else waits for a decision here.");
  }

  function continueQueue() {
    var end = document.getElementById("load-more");
    if (!end) return false;
    var more = end.querySelector("a");
    if (more) {
      more.click();
      return true;
    }
    if (document.querySelector("[data-show-new]")) {
      htmx.trigger(end, "show-new");
      return true;
    }
    return false;
  }

  function showNew() {
    if (!document.querySelector("[data-show-new]")) return;
    var end = document.getElementById("load-more");
    var more = end && end.querySelector("a");
    if (more) more.click();  // the new comments are at the queue's end: the next page first
    else if (end) htmx.trigger(end, "show-new");
  }

  // The strips above the page that just came fold away, behind one line that brings them back.
  function foldStrips(firstNew) {
    var folded = 0;
    var row = firstNew.previousElementSibling;
    for (; row; row = row.previousElementSibling) {
      if (row.matches(".queue-row.decided") && !row.hidden) {
        row.hidden = true;
        folded += 1;
      }
    }
    if (folded) updateFoldNote();
  }

  function updateFoldNote() {
    var queue = list();
    var hidden = queue.querySelectorAll(".queue-row.decided[hidden]").length;
    var note = document.getElementById("folded");
    if (!hidden) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = document.createElement("li");
      note.id = "folded";
      note.className = "fold-note";
      note.innerHTML = '<button type="button" class="link-button" data-unfold></button>';
      queue.insertBefore(note, queue.firstElementChild);
    }
    note.querySelector("button").textContent =
      "Show the " + hidden + " decided comment" + (hidden === 1 ? "" : "s") + " above";
  }

  function unfold() {
    list().querySelectorAll(".queue-row.decided[hidden]").forEach(function (row) { row.hidden = false; });
    updateFoldNote();
  }

  function selectAll() {
    var boxes = undecidedRows().map(function (row) { return row.querySelector(".row-check"); })
      .filter(Boolean);
    var every = boxes.length > 0 && boxes.every(function (box) { return box.checked; });
    boxes.forEach(function (box) { box.checked = !every; });
    var all = document.querySelector("[data-select-all]");
    if (all) all.checked = !every;
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

  function keyName(event) {
    if (event.shiftKey && /^[A-Z]$/.test(event.key)) return "Shift+" + event.key;
    return event.key;
  }

  // The control a key presses: the focused row's, else the page's (`data-page-key`).
  function control(row, name) {
    var selector = '[aria-keyshortcuts="' + name + '"]';
    var found = (row && row.querySelector(selector)) ||
      document.querySelector("[data-page-key]" + selector);
    return found && !found.closest("[hidden]") ? found : null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (!list()) return;
    var name = keyName(event);
    var row = currentRow();
    if (PAGE_KEYS[name]) {
      PAGE_KEYS[name](row);
    } else {
      var target = control(row, name);
      if (!target) return;
      press(target);
    }
    event.preventDefault();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (!element.closest || !element.closest("#load-more")) return;
    var row = currentRow();
    awaitingRows = !(row && isUndecided(row));
  });

  document.addEventListener("htmx:load", function (event) {
    var element = event.detail.elt;
    if (!element.matches) return;
    if (element.id === "load-more") {
      // The rows asked for came before this (or there were none).
      awaitingRows = false;
      return;
    }
    if (!element.matches("#queue-list > .queue-row")) return;
    var empty = document.getElementById("queue-empty");
    if (empty) empty.remove();
    if (element.matches(".decided")) {
      var undo = element.querySelector("[data-undo]");
      if (undo) lastUndo = undo;
      // A bulk decision swaps many rows at once: the bulk answer settles focus.
      if (!element.hasAttribute("data-bulk")) carryOn(element);
    } else if (element.hasAttribute("data-restored")) {
      updateFoldNote();
      if (element.hasAttribute("data-bulk")) restoredInBatch.push(element);
      else focusRow(element);
    } else if (awaitingRows) {
      awaitingRows = false;
      foldStrips(element);
      focusRow(element);
    }
  });

  // A bulk decision or its undo has landed: its Undo is the one `u` presses, and focus goes
  // on from where it was, or to the first comment still waiting.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "bulk-status") return;
    var status = event.detail.target;
    var undo = status.querySelector("[data-undo]");
    if (undo) lastUndo = undo;
    var all = document.querySelector("[data-select-all]");
    if (all) all.checked = false;
    var restored = restoredInBatch;
    restoredInBatch = [];
    if (restored.length) {
      focusRow(restored[0]);
      return;
    }
    var row = currentRow();
    if (row && isUndecided(row)) return;
    var waiting = undecidedRows();
    if (waiting.length) focusRow(waiting[0]);
    else continueQueue();
  });

  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) return;
    undecidedRows().forEach(function (row) {
      var box = row.querySelector(".row-check");
      if (box) box.checked = event.target.checked;
    });
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-keys-help]")) toggleHelp();
    else if (event.target.closest("[data-unfold]")) unfold();
    else if (event.target.closest("[data-show-new]") && document.getElementById("load-more")) {
      event.preventDefault();
      showNew();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".select-all[hidden], [data-keys-help][hidden]").forEach(function (el) {
      el.hidden = false;
    });
  });
})();

// Row actions: their keys (p, e, o) press the controls that carry them, as every key does
// (above); here, an opened Edit or Reply box takes focus, Escape closes it, and after an
// edit or a reply focus returns to the row, or to the text that was refused.
(function () {
  "use strict";

  function rowOf(element) {
    return element && element.closest ? element.closest("#queue-list > .queue-row") : null;
  }

  // `toggle` doesn't bubble: listened for on the way down.
  document.addEventListener("toggle", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(".row-edit, .row-reply-box") || !box.open) return;
    var field = box.querySelector("textarea");
    if (field) field.focus();
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var row = rowOf(document.activeElement);
    var open = event.target.closest && event.target.closest("details[open]");
    if (!row || !open || !row.contains(open)) return;
    open.open = false;
    row.focus();
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
