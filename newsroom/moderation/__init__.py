"""Comments from submission to decision, with no Flask request in here:

- lifecycle: submit, decide, undo, bulk: one conditional UPDATE + one event each;
- screening: what happens to a new comment (fingerprint, held reasons);
- counters: kept tallies and recount;
- queue: queue and history reads, keyset cursors.

Callers use the names below: `from newsroom import moderation; moderation.decide(...)`.
"""

from newsroom.moderation.counters import count_removal, recount, tally
from newsroom.moderation.lifecycle import (
    ALLOWED_TRANSITIONS,
    DECISION_LABELS,
    Decision,
    decide,
    decide_many,
    find_commentable,
    submission_id,
    submit_comment,
    undo,
)
from newsroom.moderation.queue import (
    QUEUE_PAGE_SIZE,
    QueueFilter,
    history_page,
    newest_comment_id,
    pending_newer_than,
    queue_filter_from,
    queue_page,
)
from newsroom.moderation.screening import client_fingerprint

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DECISION_LABELS",
    "QUEUE_PAGE_SIZE",
    "Decision",
    "QueueFilter",
    "client_fingerprint",
    "count_removal",
    "decide",
    "decide_many",
    "find_commentable",
    "history_page",
    "newest_comment_id",
    "pending_newer_than",
    "queue_filter_from",
    "queue_page",
    "recount",
    "submission_id",
    "submit_comment",
    "tally",
    "undo",
]
