"""The queue's keyboard shortcuts, listed once: the `?` dialog shows this list, and each
key a control answers to is on that control as `aria-keyshortcuts`, which static/js/staff.js
follows. A new action is a new line here, a control carrying its key, and, for a key that
presses no control, a line in staff.js's PAGE_KEYS.
"""

from __future__ import annotations

from typing import NamedTuple


class Shortcut(NamedTuple):
    keys: tuple[str, ...]
    # What it does, and the visible control that does the same.
    does: str
    control: str


SHORTCUTS = [
    Shortcut(
        ("j", "k"),
        "Next / previous comment waiting for a decision (decided ones are skipped)",
        "Tab and Shift+Tab",
    ),
    Shortcut(("a",), "Approve the comment (keep a published one)", "its Approve button"),
    Shortcut(("r",), "Reject the comment", "its Reject button"),
    Shortcut(("s",), "Mark the comment as spam", "its Spam button"),
    Shortcut(("d",), "Keep a reported comment (dismiss its reports)", "its Keep button"),
    Shortcut(("p",), "Send a decided comment back to pending", "its Back to pending button"),
    Shortcut(("e",), "Edit the comment's text", "its Edit box"),
    Shortcut(("o",), "Reply as the organization (an approved comment)", "its Reply box"),
    Shortcut(("Escape",), "Close the Edit or Reply box", "its Edit or Reply summary, again"),
    Shortcut(("u",), "Undo the last decision, or the last bulk decision", "the Undo button"),
    Shortcut(("x",), "Select or unselect the comment", "its checkbox"),
    Shortcut(("Shift+X",), "Select or unselect all on this page", "Select all on this page"),
    Shortcut(("Shift+A",), "Approve the selected comments", "With the selected: Approve"),
    Shortcut(("Shift+R",), "Reject the selected comments", "With the selected: Reject"),
    Shortcut(("Shift+S",), "Mark the selected comments as spam", "With the selected: Spam"),
    Shortcut(("n",), "Show the new comments", "the “new comments — show” link"),
    Shortcut(("?",), "Show or hide this list", "the Keyboard shortcuts button"),
]
