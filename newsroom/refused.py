"""What every service raises when it refuses a change: one error type for the whole site,
and the commit that turns a database constraint's refusal into it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from newsroom.extensions import db


class FieldError(ValueError):
    """A refused change, in words for people; `field` names the form field the message
    belongs beside, or None when it is about the whole form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def commit_or_refuse(message: str, field: str | None = None) -> None:
    """Commit; when a constraint refuses it (a colleague got there first), change nothing
    and say why."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise FieldError(message, field) from None
