from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from newsroom.inputs import id_value
from newsroom.models import CommentStatus, Standing
from newsroom.moderation import REASON_MAX

DECISIONS = [CommentStatus.APPROVED.value, CommentStatus.REJECTED.value, CommentStatus.SPAM.value]


class DecisionForm(FlaskForm):
    to_status = HiddenField(validators=[DataRequired(), AnyOf(DECISIONS)])
    # The status the moderator saw: the decision only applies if it still holds.
    expected_status = HiddenField(validators=[DataRequired()])
    # A rejection reason's id (moderation/reasons.py), or empty for none.
    reason = HiddenField()


class KeepForm(FlaskForm):
    # How many open reports the moderator saw: the Keep dismisses those and no others.
    seen_reports = HiddenField(validators=[DataRequired()])


class BulkDecisionForm(FlaskForm):
    to_status = HiddenField(validators=[DataRequired(), AnyOf(DECISIONS)])
    comment_ids = SelectMultipleField(coerce=id_value, validate_choice=False)


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
