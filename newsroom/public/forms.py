from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

NAME_MAX = 80
BODY_MAX = 5000


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
