from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField
from wtforms.validators import AnyOf, DataRequired

from newsroom.inputs import id_value
from newsroom.models import CommentStatus

DECISIONS = [CommentStatus.APPROVED.value, CommentStatus.REJECTED.value, CommentStatus.SPAM.value]


class DecisionForm(FlaskForm):
    to_status = HiddenField(validators=[DataRequired(), AnyOf(DECISIONS)])
    # The status the moderator saw: the decision only applies if it still holds.
    expected_status = HiddenField(validators=[DataRequired()])


class BulkDecisionForm(FlaskForm):
    to_status = HiddenField(validators=[DataRequired(), AnyOf(DECISIONS)])
    comment_ids = SelectMultipleField(coerce=id_value, validate_choice=False)
