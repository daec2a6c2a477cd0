from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from newsroom.forms import EmailAddress
from newsroom.models import ReportReason
from newsroom.moderation import BODY_MAX, NAME_MAX, REPORT_DETAIL_MAX, REPORT_REASON_LABELS
from newsroom.public import protection

FORM_EXPIRED = (
    "This form was opened too long ago, or came back damaged. Your text is kept below: "
    "please send it again."
)


def _fresh_form_token(form: FlaskForm, field: HiddenField) -> None:
    if not protection.form_token_valid(field.data):
        raise ValidationError(FORM_EXPIRED)


class CommentForm(FlaskForm):
    class Meta:
        # The same page for every reader: no session token (newsroom/public/protection.py).
        csrf = False

    author_name = StringField(
        "Name",
        validators=[
            DataRequired("Please enter your name."),
            Length(max=NAME_MAX, message=f"Your name can be at most {NAME_MAX} characters."),
        ],
    )
    author_email = EmailField(
        "E-mail",
        description="Never shown on the site.",
        validators=[
            DataRequired("Please enter your e-mail address."),
            EmailAddress("Please enter a valid e-mail address, like name@example.com."),
            Length(max=254, message="That e-mail address is too long."),
        ],
    )
    body = TextAreaField(
        "Comment",
        validators=[
            DataRequired("Please write your comment."),
            Length(max=BODY_MAX, message=f"Your comment can be at most {BODY_MAX:,} characters."),
        ],
    )
    # Off unless the reader ticks it (mail/notices.py); the address is used for nothing else.
    notify = BooleanField(
        "E-mail me when my comment is published and when someone replies to it",
        description="Only about this comment. Each e-mail has a link to stop them.",
    )
    # A honeypot: hidden from people (and from screen readers), filled in by bots.
    website = StringField("Leave this field empty")
    # Proves the form came from this site recently; the same for every reader.
    form_token = HiddenField(validators=[_fresh_form_token])
    # The comment this one answers (a Reply link chose it), checked by the view: it must be
    # one readers see on the same article.
    parent_id = HiddenField()


def _detail_for_other(form: FlaskForm, field: TextAreaField) -> None:
    if form.reason.data == ReportReason.OTHER and not (field.data or "").strip():
        raise ValidationError("Please say in a few words what is wrong with it.")


class ReportForm(FlaskForm):
    """A reader's report of a comment: why, and for "something else" a few words."""

    class Meta:
        # The same page for every reader, protected as the comment form is (protection.py).
        csrf = False

    reason = RadioField(
        "Why should a moderator look at this comment?",
        choices=[SelectChoice(value, label) for value, label in REPORT_REASON_LABELS.items()],
        validators=[DataRequired("Please choose why you are reporting it.")],
    )
    detail = TextAreaField(
        "In a few words",
        description=f"Needed for “Something else”; at most {REPORT_DETAIL_MAX} characters. "
        "Only the moderators read it.",
        validators=[
            Length(
                max=REPORT_DETAIL_MAX,
                message=f"Please keep it to {REPORT_DETAIL_MAX} characters.",
            ),
            _detail_for_other,
        ],
    )
    form_token = HiddenField(validators=[_fresh_form_token])
