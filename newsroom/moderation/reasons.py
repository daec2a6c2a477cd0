"""The admins' short list of rejection reasons ("Off-topic", "Personal attack"), which a
moderator can pick from when rejecting: kept in order, at most one per number key of the
queue's keyboard flow. An event keeps the reason's words as they were, so renaming or
removing one leaves the history as it was decided. No Flask request in here.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsroom.extensions import db
from newsroom.models import RejectionReason
from newsroom.plainsql import PlainStatement
from newsroom.refused import FieldError, commit_or_refuse

REJECTION_REASON_MAX = 80
# One per number key, 1 to 9, in the queue's keyboard flow.
REJECTION_REASONS_MAX = 9


def rejection_reasons() -> list[RejectionReason]:
    """The list, in the admins' order (a few rows)."""
    return list(
        db.session.scalars(
            sa.select(RejectionReason).order_by(RejectionReason.position, RejectionReason.id)
        )
    )


# Every queue page is kept under the list's words (dashboard/pages.py): read plainly.
_LABELS = PlainStatement(
    sa.select(RejectionReason.id, RejectionReason.label).order_by(
        RejectionReason.position, RejectionReason.id
    )
)


def rejection_reason_labels() -> list[tuple[int, str]]:
    """The list as (id, words), in the admins' order."""
    return _LABELS.rows(db.session.connection())


def add_rejection_reason(label: str) -> RejectionReason:
    label = " ".join(label.split())
    if not label:
        raise FieldError("Please write the reason.", "label")
    if len(label) > REJECTION_REASON_MAX:
        raise FieldError(f"A reason can be at most {REJECTION_REASON_MAX} characters.", "label")
    reasons = rejection_reasons()
    if len(reasons) >= REJECTION_REASONS_MAX:
        raise FieldError(
            f"The list holds at most {REJECTION_REASONS_MAX} reasons, one per number key. "
            "Remove one first.",
            "label",
        )
    if any(reason.label.casefold() == label.casefold() for reason in reasons):
        raise FieldError(f"“{label}” is on the list already.", "label")
    last = max((reason.position for reason in reasons), default=0)
    reason = RejectionReason(label=label, position=last + 1)
    db.session.add(reason)
    commit_or_refuse(f"“{label}” is on the list already.", "label")
    return reason


def remove_rejection_reason(reason_id: int) -> RejectionReason | None:
    """Take a reason off the list (decisions that gave it keep its words); None when it was
    not on it."""
    reason = db.session.get(RejectionReason, reason_id)
    if reason is None:
        return None
    db.session.delete(reason)
    db.session.commit()
    return reason


def move_rejection_reason(reason_id: int, step: int) -> RejectionReason | None:
    """Move a reason one place up (step -1) or down (+1): it swaps with its neighbour."""
    reasons = rejection_reasons()
    index = next((i for i, reason in enumerate(reasons) if reason.id == reason_id), None)
    if index is None:
        return None
    other = index + step
    if 0 <= other < len(reasons):
        for position, reason in enumerate(reasons, start=1):
            reason.position = position
        reasons[index].position, reasons[other].position = other + 1, index + 1
        db.session.commit()
    return reasons[index]


def rejection_reason_label(reason_id: int) -> str | None:
    """The words of the reason with this id, or None when it is not on the list (any more)."""
    return db.session.scalar(
        sa.select(RejectionReason.label).where(RejectionReason.id == reason_id)
    )
