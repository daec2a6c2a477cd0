"""Comments from submission to decision, with no Flask request in here:

- lifecycle: submit, decide, undo, bulk: one conditional UPDATE + one event each;
- editing: a moderator's edit of a comment's text and its undo, replies as the organization;
- deletion: deleting for good (one comment, or old spam), keeping who and when;
- screening: what happens to a new comment (fingerprint, status, held reasons);
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
from newsroom.moderation.counters import recount, tally
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
    decide,
    decide_many,
    find_commentable,
    remove_comments,
    submission_id,
    submit_comment,
    undo,
    undo_many,
)
from newsroom.moderation.queue import (
    NARROWED_COUNT_MAX,
    QUEUE_PAGE_SIZE,
    QueueFilter,
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
)
from newsroom.moderation.screening import client_fingerprint

__all__ = [
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
