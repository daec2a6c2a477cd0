"""Comments from submission to decision, with no Flask request in here:

- submission: a new comment stored as screening decides, its article's terms read with it;
- lifecycle: decide, undo, bulk: one conditional UPDATE + one event each;
- editing: a moderator's edit of a comment's text and its undo, replies as the organization;
- deletion: deleting for good (one comment, or old spam), keeping who and when;
- screening: what happens to a new comment (fingerprint, status, held reasons);
- policy: the terms an article takes comments on (moderation policy, closing by time);
- rules: the rules admins set (word lists, links, length, duplicates), compiled and kept;
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
from newsroom.moderation.counters import pending_on, queue_tally, recount, tally
from newsroom.moderation.deletion import (
    SPAM_DAYS_DEFAULT,
    SPAM_DAYS_MAX,
    Deleted,
    delete_comment,
    empty_spam,
    spam_older_than,
)
from newsroom.moderation.editing import (
    Written,
    edit_comment,
    reply_as_organization,
    text_history,
    undo_edit,
)
from newsroom.moderation.lifecycle import (
    ALLOWED_TRANSITIONS,
    BATCH_MAX,
    BODY_MAX,
    DECISION_LABELS,
    NAME_MAX,
    Decision,
    already_decided,
    decide,
    decide_many,
    remove_comments,
    undo,
    undo_many,
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
    NARROWED_COUNT_MAX,
    QUEUE_PAGE_SIZE,
    QueueFilter,
    QueueState,
    ShownRow,
    commenter_comments,
    decisions_on,
    decode_cursor,
    encode_cursor,
    history_page,
    live_signature,
    live_state,
    narrowed_tally,
    newest_comment_id,
    pending_newer_than,
    queue_filter_from,
    queue_page,
    queue_state,
    shown_page,
    shown_values,
)
from newsroom.moderation.reasons import (
    REJECTION_REASON_MAX,
    REJECTION_REASONS_MAX,
    add_rejection_reason,
    move_rejection_reason,
    rejection_reason_label,
    rejection_reason_labels,
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
from newsroom.moderation.waiting import expected_wait

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
    "pending_on",
    "queue_tally",
    "effective_policy",
    "policy_notice",
    "posted_answer",
    "rules_at",
    "save_rules",
    "stored_rules",
    "ALLOWED_TRANSITIONS",
    "BODY_MAX",
    "NAME_MAX",
    "SPAM_DAYS_DEFAULT",
    "SPAM_DAYS_MAX",
    "Deleted",
    "Written",
    "delete_comment",
    "edit_comment",
    "empty_spam",
    "reply_as_organization",
    "spam_older_than",
    "text_history",
    "undo_edit",
    "BATCH_MAX",
    "NARROWED_COUNT_MAX",
    "encode_cursor",
    "live_signature",
    "live_state",
    "queue_state",
    "QueueState",
    "narrowed_tally",
    "undo_many",
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
    "already_decided",
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
    "shown_page",
    "shown_values",
    "ShownRow",
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
    "rejection_reason_labels",
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
