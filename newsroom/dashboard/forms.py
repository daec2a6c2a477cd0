from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from newsroom.inputs import id_value
from newsroom.models import CommentStatus, Standing
from newsroom.moderation import BATCH_MAX, REASON_MAX

# Back to pending is a decision too.
DECISIONS = [status.value for status in CommentStatus]
STATUSES = DECISIONS


class DecisionForm(FlaskForm):
    to_status = HiddenField(validators=[DataRequired(), AnyOf(DECISIONS)])
    # The status the moderator saw: the decision only applies if it still holds.
    expected_status = HiddenField(validators=[DataRequired()])
    # A rejection reason's id (moderation/reasons.py), or empty for none.
    reason = HiddenField()


class KeepForm(FlaskForm):
    # How many open reports the moderator saw: the Keep dismisses those and no others.
    seen_reports = HiddenField(validators=[DataRequired()])


def _at_most_a_batch(form: FlaskForm, field: SelectMultipleField) -> None:
    if len(field.data or ()) > BATCH_MAX:
        raise ValidationError(f"At most {BATCH_MAX} at once.")


class BulkDecisionForm(FlaskForm):
    to_status = HiddenField(validators=[DataRequired(), AnyOf(DECISIONS)])
    comment_ids = SelectMultipleField(
        coerce=id_value, validate_choice=False, validators=[_at_most_a_batch]
    )


class BatchUndoForm(FlaskForm):
    """The Undo of a bulk decision: its events."""

    event_ids = SelectMultipleField(
        coerce=id_value, validate_choice=False, validators=[DataRequired(), _at_most_a_batch]
    )


STANDINGS = [standing.value for standing in Standing]


class StandingForm(FlaskForm):
    """A change of a commenter's standing, from their page or a queue row."""

    standing = HiddenField(validators=[DataRequired(), AnyOf(STANDINGS)])
    # The commenter's standing_version the page showed: the change applies only if it holds.
    version = HiddenField(validators=[DataRequired()])
    reason = StringField(
        "Reason",
        validators=[
            Length(max=REASON_MAX, message=f"The reason can be at most {REASON_MAX} characters.")
        ],
    )
    until = DateField("Banned until", validators=[Optional()])
    # The queue row the change was made from (a comment id), if any.
    row = HiddenField()


class EditForm(FlaskForm):
    """A moderator's new text for a comment. The text's own rules (not empty, not too long)
    are the service's (moderation/editing.py), which keeps what was typed when it refuses."""

    body = TextAreaField("Text of the comment")
    # What the row showed: the edit applies only if the status and the text still hold.
    expected_status = HiddenField(validators=[DataRequired(), AnyOf(STATUSES)])
    text_version = HiddenField(validators=[DataRequired()])


class ReplyForm(FlaskForm):
    body = TextAreaField("Reply")


class DeleteForm(FlaskForm):
    expected_status = HiddenField(validators=[DataRequired(), AnyOf(STATUSES)])


class EmptySpamForm(FlaskForm):
    # Read with inputs.whole_number and checked by the view, as the confirmation page's
    # query argument is.
    days = HiddenField(validators=[DataRequired()])
