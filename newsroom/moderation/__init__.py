"""Comments from submission to decision, with no Flask request in here:

- submission: a new comment stored as screening decides, its article's terms read with it;
- lifecycle: decide, undo, bulk: one conditional UPDATE + one event each;
- screening: what happens to a new comment (fingerprint, status, held reasons);
- policy: the terms an article takes comments on (moderation policy, closing by time);
- rules: the rules admins set (word lists, links, length, duplicates), compiled and kept;
- commenters: readers known by e-mail, their fingerprints, trust and bans;
- counters: kept tallies and recount;
- queue: queue, history and commenter reads, keyset cursors.

Callers use the names below: `from newsroom import moderation; moderation.decide(...)`.
"""

from newsroom.moderation.commenters import (
    REASON_MAX,
    STANDING_LABELS,
    StandingChange,
    ban_end,
    change_standing,
    fingerprint_count,
    normalize_email,
    standing_history,
    undo_standing,
)
from newsroom.moderation.counters import queue_tally, recount, tally
from newsroom.moderation.lifecycle import (
    ALLOWED_TRANSITIONS,
    DECISION_LABELS,
    Decision,
    decide,
    decide_many,
    remove_comments,
    undo,
)
from newsroom.moderation.policy import (
    CLOSE_AFTER_MAX_DAYS,
    POLICY_LABELS,
    TRUSTED_AFTER_MAX,
    accepting_comments,
    comments_close_at,
    effective_policy,
)
from newsroom.moderation.policy import answer as posted_answer
from newsroom.moderation.policy import notice as policy_notice
from newsroom.moderation.queue import (
    QUEUE_PAGE_SIZE,
    QueueFilter,
    commenter_comments,
    decisions_on,
    decode_cursor,
    history_page,
    newest_comment_id,
    pending_newer_than,
    queue_filter_from,
    queue_page,
)
from newsroom.moderation.rules import (
    LENGTH_MAX,
    LINKS_MAX,
    LIST_FIELDS,
    save_rules,
    stored_rules,
)
from newsroom.moderation.rules import compiled as rules_at
from newsroom.moderation.rules import current as current_rules
from newsroom.moderation.screening import client_fingerprint
from newsroom.moderation.submission import find_commentable, submission_id, submit_comment

__all__ = [
    "CLOSE_AFTER_MAX_DAYS",
    "LENGTH_MAX",
    "LINKS_MAX",
    "LIST_FIELDS",
    "POLICY_LABELS",
    "TRUSTED_AFTER_MAX",
    "accepting_comments",
    "comments_close_at",
    "current_rules",
    "queue_tally",
    "effective_policy",
    "policy_notice",
    "posted_answer",
    "rules_at",
    "save_rules",
    "stored_rules",
    "ALLOWED_TRANSITIONS",
    "REASON_MAX",
    "STANDING_LABELS",
    "StandingChange",
    "ban_end",
    "change_standing",
    "fingerprint_count",
    "normalize_email",
    "standing_history",
    "undo_standing",
    "DECISION_LABELS",
    "QUEUE_PAGE_SIZE",
    "Decision",
    "QueueFilter",
    "client_fingerprint",
    "commenter_comments",
    "decisions_on",
    "decode_cursor",
    "decide",
    "decide_many",
    "find_commentable",
    "history_page",
    "newest_comment_id",
    "pending_newer_than",
    "queue_filter_from",
    "queue_page",
    "recount",
    "remove_comments",
    "submission_id",
    "submit_comment",
    "tally",
    "undo",
]
