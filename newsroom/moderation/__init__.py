"""Comments from submission to decision, with no Flask request in here:

- lifecycle: submit, decide, undo, bulk: one conditional UPDATE + one event each;
- screening: what happens to a new comment (fingerprint, status, held reasons);
- commenters: readers known by e-mail, their fingerprints, trust and bans;
- counters: kept tallies and recount;
- queue: queue, history and commenter reads, keyset cursors;
- reports: readers' reports, hiding at the threshold, the moderator's Keep;
- reasons: the admins' list of rejection reasons;
- waiting: how long comments usually wait, in words for their authors.

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
from newsroom.moderation.counters import recount, tally
from newsroom.moderation.lifecycle import (
    ALLOWED_TRANSITIONS,
    DECISION_LABELS,
    Decision,
    decide,
    decide_many,
    find_commentable,
    remove_comments,
    submission_id,
    submit_comment,
    undo,
)
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
from newsroom.moderation.reasons import (
    REJECTION_REASON_MAX,
    REJECTION_REASONS_MAX,
    add_rejection_reason,
    move_rejection_reason,
    rejection_reason_label,
    rejection_reasons,
    remove_rejection_reason,
)
from newsroom.moderation.reports import (
    REPORT_DETAIL_MAX,
    REPORT_REASON_LABELS,
    REPORTED,
    ReportOutcome,
    keep_comment,
    open_reports_on,
    reasons_summary,
    report_comment,
    reported_total,
)
from newsroom.moderation.screening import client_fingerprint
from newsroom.moderation.waiting import expected_wait

__all__ = [
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
    "REJECTION_REASON_MAX",
    "REJECTION_REASONS_MAX",
    "add_rejection_reason",
    "move_rejection_reason",
    "rejection_reason_label",
    "rejection_reasons",
    "remove_rejection_reason",
    "REPORT_DETAIL_MAX",
    "REPORT_REASON_LABELS",
    "REPORTED",
    "ReportOutcome",
    "keep_comment",
    "open_reports_on",
    "reasons_summary",
    "report_comment",
    "reported_total",
    "expected_wait",
]
