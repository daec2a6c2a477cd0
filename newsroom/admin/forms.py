"""The admin's forms. Field names match the model attributes they edit."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import TextInput

from newsroom.accounts import DISPLAY_NAME_MAX, PASSWORD_MIN
from newsroom.articles import (
    ARTICLE_BODY_MAX,
    ARTICLE_SLUG_MAX,
    FIRST_YEAR,
    IMAGE_ALT_MAX,
    LAST_YEAR,
    ListedStatus,
)
from newsroom.forms import EmailAddress
from newsroom.inputs import whole_number
from newsroom.models import ArticleStatus, ErasureMode, Role
from newsroom.moderation import (
    CLOSE_AFTER_MAX_DAYS,
    LENGTH_MAX,
    LINKS_MAX,
    LIST_FIELDS,
    POLICY_LABELS,
    REJECTION_REASON_MAX,
    TRUSTED_AFTER_MAX,
)
from newsroom.privacy import ANONYMIZED_NAME
from newsroom.sections import SECTION_SLUG_MAX
from newsroom.site_settings import DIGEST_AFTER_MAX_MINUTES, DIGEST_QUEUE_SIZE_MAX

ROLE_CHOICES = [
    SelectChoice(Role.MODERATOR.value, "Moderator"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]


class WholeNumberField(IntegerField):
    """A whole number from 0 to `maximum`, ASCII digits only (inputs.whole_number: int()
    would take "٣" or a number of any size); empty is None. A text input with a numeric
    keyboard: a number input can't show back what was typed when it is not a number."""

    widget = TextInput()

    def __init__(self, label: str, maximum: int, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, **kwargs)
        self.maximum = maximum

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = whole_number(valuelist[0], self.maximum)
        if self.data is None:
            raise ValueError(f"Type a whole number from 0 to {self.maximum:,}.")


POLICY_CHOICES = [SelectChoice(value.value, label) for value, label in POLICY_LABELS.items()]


def inherited_policy_choices(above: str) -> list[SelectChoice]:
    """The policies a section or article can choose, the first being "as `above` says"."""
    return [SelectChoice("", f"As {above} says"), *POLICY_CHOICES]


class ArticleFilterForm(FlaskForm):
    """The GET form above the article list; it changes nothing, so it needs no token."""

    class Meta:
        csrf = False

    q = SearchField("Title contains", validators=[Optional(), Length(max=200)])
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any status")]
        + [SelectChoice(s, s.capitalize()) for s in ListedStatus.ALL],
        validators=[Optional()],
    )
    section = SelectField(
        "Section", choices=[SelectChoice("", "All sections")], validators=[Optional()]
    )


def _section_id(value: object) -> int | None:
    """The chosen section's id, or None for the empty "Choose a section" option."""
    return None if value in ("", None) else int(value)


class ArticleForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[
            DataRequired("Please give the article a title."),
            Length(max=200, message="The title can be at most 200 characters."),
        ],
    )
    slug = StringField(
        "Address",
        description="The last part of the article's web address. Leave it empty to make "
        "one from the title. If you change it, the old address keeps working.",
        validators=[Length(max=ARTICLE_SLUG_MAX)],
    )
    section_id = SelectField(
        "Section", coerce=_section_id, validators=[InputRequired("Choose a section.")]
    )
    summary = TextAreaField(
        "Summary",
        description="One or two sentences for the lists of articles.",
        validators=[Length(max=1000, message="Keep the summary under 1,000 characters.")],
    )
    body_markdown = TextAreaField(
        "Body",
        description="Markdown: **bold**, *italic*, [a link](https://example.org), "
        "> a quotation, a blank line between paragraphs.",
        validators=[
            Length(
                max=ARTICLE_BODY_MAX,
                message=f"The body can be at most {ARTICLE_BODY_MAX:,} characters.",
            )
        ],
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice(ArticleStatus.DRAFT.value, "Draft"),
            SelectChoice(ArticleStatus.PUBLISHED.value, "Published"),
        ],
    )
    published_at = DateTimeLocalField(
        "Publication date and time",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        # The browser's picker keeps to the range the articles service accepts.
        render_kw={"min": f"{FIRST_YEAR}-01-01T00:00", "max": f"{LAST_YEAR}-12-31T23:59"},
    )
    comments_open = BooleanField("Readers can comment on this article")
    moderation_policy = SelectField(
        "Moderation of its comments", choices=inherited_policy_choices("its section")
    )
    comments_close_after_days = WholeNumberField(
        "Close comments after (days)", CLOSE_AFTER_MAX_DAYS, validators=[Optional()]
    )
    source_name = StringField(
        "Source name",
        description="For a clipping: the newspaper or site it first appeared in.",
        validators=[Length(max=200, message="The source name can be at most 200 characters.")],
    )
    source_url = URLField(
        "Source web address",
        validators=[Length(max=500, message="The web address can be at most 500 characters.")],
    )
    image = FileField(
        "Lead image",
        description="A JPEG, PNG, WebP or GIF picture; it is shown above the article and "
        "on the lists of articles.",
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif"},
    )
    image_alt = StringField(
        "Description of the picture",
        description="What the picture shows, for readers who can't see it. Required with "
        "a picture.",
        validators=[Length(max=IMAGE_ALT_MAX, message="Keep it under 300 characters.")],
    )
    remove_image = BooleanField("Remove the picture")
    # A picture uploaded with a form that was refused for something else: stored already,
    # kept for the next save so the editor need not upload it again.
    kept_image = HiddenField()
    save = SubmitField("Save")
    preview = SubmitField("Preview")


class PreviewForm(FlaskForm):
    """What the live preview reads out of the editor form."""

    body_markdown = TextAreaField("Body")


class SectionForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Please give the section a name."),
            Length(max=80, message="The name can be at most 80 characters."),
        ],
    )
    slug = StringField(
        "Address",
        description="The last part of the section's web address. Leave it empty to make one "
        "from the name. Links to an old address stop working when you change it.",
        validators=[Length(max=SECTION_SLUG_MAX)],
    )
    description = TextAreaField(
        "Description",
        description="Shown under the section's name on its page.",
        validators=[Length(max=1000, message="Keep the description under 1,000 characters.")],
    )
    moderation_policy = SelectField(
        "Moderation of comments",
        description="For the articles in this section; an article can still choose its own.",
        choices=inherited_policy_choices("the site"),
    )


class NewStaffForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Please enter an e-mail address.")])
    name = StringField(
        "Name",
        description="The name colleagues see.",
        validators=[
            DataRequired("Please enter a name."),
            Length(max=DISPLAY_NAME_MAX, message=f"At most {DISPLAY_NAME_MAX} characters."),
        ],
    )
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = PasswordField(
        "Initial password",
        description=f"At least {PASSWORD_MIN} characters. Tell it to them in person; "
        "they can change it under their name once logged in.",
        validators=[DataRequired("Please choose an initial password.")],
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class SettingsForm(FlaskForm):
    organization_name = StringField(
        "Organization name",
        validators=[
            DataRequired("Please give the organization's name."),
            Length(max=120, message="At most 120 characters."),
        ],
    )
    tagline = StringField(
        "Tagline", validators=[Length(max=200, message="At most 200 characters.")]
    )
    contact_email = EmailField(
        "Contact e-mail",
        validators=[
            Optional(),
            EmailAddress("Please enter a valid e-mail address, like desk@example.org."),
            Length(max=254),
        ],
    )
    street_address = StringField(
        "Street address", validators=[Length(max=255, message="At most 255 characters.")]
    )
    telephone = StringField(
        "Telephone", validators=[Length(max=40, message="At most 40 characters.")]
    )
    fax = StringField("Fax", validators=[Length(max=40, message="At most 40 characters.")])
    footer_text = StringField(
        "Footer line",
        description="Shown after “© year” at the foot of every page. "
        "Empty shows the organization name.",
        validators=[Length(max=200, message="At most 200 characters.")],
    )
    timezone = SelectField(
        "Site timezone",
        description="Dates on the site are shown in it, and publication times are typed in it.",
        validate_choice=False,
    )
    comment_policy = TextAreaField(
        "Comment policy",
        description="Shown above the comment form. A blank line starts a new paragraph.",
        validators=[Length(max=5000, message="Keep the policy under 5,000 characters.")],
    )
    comments_open_by_default = SelectField(
        "Comments on new articles",
        choices=[SelectChoice("open", "Open"), SelectChoice("closed", "Closed")],
    )
    moderation_policy = SelectField(
        "Moderation",
        description="For every article, unless its section or the article says otherwise. "
        "The notice under the comment form states it.",
        choices=POLICY_CHOICES,
    )
    trusted_after_approved = WholeNumberField(
        "Approved comments a regular commenter needs",
        TRUSTED_AFTER_MAX,
        description="Under “Hold first-time commenters”: a commenter with this many approved "
        "comments, and none rejected in the last 30 days, is published at once.",
        validators=[InputRequired("Type how many approved comments, like 2.")],
    )
    comments_close_after_days = WholeNumberField(
        "Close comments after (days)",
        CLOSE_AFTER_MAX_DAYS,
        description="Counted from each article's publication. Empty: comments never close "
        "by themselves. An article can set its own.",
        validators=[Optional()],
    )
    digest_after_minutes = WholeNumberField(
        "When the oldest pending comment has waited longer than (minutes)",
        DIGEST_AFTER_MAX_MINUTES,
        description="Empty or 0: not for the wait.",
        validators=[Optional()],
    )
    digest_queue_size = WholeNumberField(
        "When more comments than this are waiting",
        DIGEST_QUEUE_SIZE_MAX,
        description="Empty or 0: not for the number.",
        validators=[Optional()],
    )


class RulesForm(FlaskForm):
    """The rules every new comment is screened by (moderation/rules.py)."""

    blocked_rejected = TextAreaField(
        LIST_FIELDS["blocked_rejected"],
        description="One word or phrase a line. A comment containing one is rejected.",
    )
    blocked_spam = TextAreaField(
        LIST_FIELDS["blocked_spam"],
        description="One word or phrase a line. A comment containing one is marked as spam.",
    )
    suspect = TextAreaField(
        LIST_FIELDS["suspect"],
        description="One word or phrase a line. A comment containing one waits for a "
        "moderator, whatever the policy, with the words marked in the queue.",
    )
    max_links = WholeNumberField(
        "Most links",
        LINKS_MAX,
        description="A comment with more links waits for a moderator. Empty: any number.",
        validators=[Optional()],
    )
    min_length = WholeNumberField(
        "Least length (characters)",
        LENGTH_MAX,
        description="A shorter comment waits for a moderator. Empty or 0: any length.",
        validators=[Optional()],
    )
    duplicates_are_spam = BooleanField(
        "Mark the same text from the same commenter within a day as spam"
    )


# Privacy requests: the address travels in POST bodies only (URLs end up in logs), and is
# judged by privacy.normalize_email, so every form says the same about a bad one.


class PrivacyLookupForm(FlaskForm):
    email = EmailField(
        "Commenter's e-mail address",
        description="As the reader gave it with their comments; capitals don't matter.",
    )


class PrivacyExportForm(FlaskForm):
    email = HiddenField()


class PrivacyEraseForm(FlaskForm):
    email = HiddenField()
    # Checked by privacy.erase, which names the choices when none is made.
    mode = RadioField(
        "What happens to the comments",
        choices=[
            SelectChoice(
                ErasureMode.REMOVE.value,
                "Remove them: they disappear from the site and the dashboard, with their "
                "moderation history.",
            ),
            SelectChoice(
                ErasureMode.ANONYMIZE.value,
                f"Anonymize them: the text stays where it is, signed “{ANONYMIZED_NAME}”.",
            ),
        ],
        validate_choice=False,
    )
    confirm = BooleanField(
        "I have checked the address: erase these comments. This can't be undone.",
        validators=[DataRequired("Tick the box to confirm; nothing was erased.")],
    )


class RejectionReasonForm(FlaskForm):
    label = StringField(
        "A new reason",
        description="Short, as moderators will pick it from a list: “Off-topic”, "
        "“Personal attack”.",
        validators=[
            DataRequired("Please write the reason."),
            Length(
                max=REJECTION_REASON_MAX,
                message=f"A reason can be at most {REJECTION_REASON_MAX} characters.",
            ),
        ],
    )


class ReportThresholdForm(FlaskForm):
    report_threshold = StringField(
        "Hide a comment after this many reports",
        description="Readers' open reports that hide an approved comment until a moderator "
        "keeps or rejects it.",
        validators=[DataRequired("Please give a number.")],
    )
