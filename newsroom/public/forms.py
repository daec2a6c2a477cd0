from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from newsroom import moderation

NAME_MAX = 80
BODY_MAX = 5000
SUBMISSION_ID_DAMAGED = "The form came back damaged. Your text is kept below: please send it again."


def _submission_id(form: FlaskForm, field: HiddenField) -> None:
    """Missing is fine (a page kept from before the id, a client that sends only the fields);
    anything else but an id the site drew is refused, and the page sent back draws a new one."""
    if field.data and not moderation.SUBMISSION_ID.fullmatch(field.data):
        raise ValidationError(SUBMISSION_ID_DAMAGED)


class CommentForm(FlaskForm):
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
            Email("Please enter a valid e-mail address, like name@example.com."),
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
    # A honeypot: hidden from people (and from screen readers), filled in by bots.
    website = StringField("Leave this field empty")
    # One per view of the form, so a POST sent again is stored once (moderation.submit_comment).
    submission_id = HiddenField(validators=[_submission_id])
