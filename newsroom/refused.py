"""What every service raises when it refuses a change: one error type for the whole site."""

from __future__ import annotations


class FieldError(ValueError):
    """A refused change, in words for people; `field` names the form field the message
    belongs beside, or None when it is about the whole form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
