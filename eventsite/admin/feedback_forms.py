"""Admin forms for the feedback form editor: shape only; services/feedback/editor.py checks the rules."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from eventsite.admin.forms import LOCAL, to_local, to_utc
from eventsite.forms import Form
from eventsite.models import FeedbackAudience, QuestionKind
from eventsite.services.feedback.kinds import KINDS


class FeedbackSettingsForm(Form):
    intro = TextAreaField(
        "Introduction", description="Optional: a line above the questions.", validators=[Optional(), Length(max=500)]
    )
    is_anonymous = BooleanField("Anonymous: store answers without the guest's name")
    local_opens = DateTimeLocalField(
        "Opens", format=LOCAL, description="Empty: when the event ends.", validators=[Optional()]
    )
    local_closes = DateTimeLocalField(
        "Closes", format=LOCAL, description="Empty: 14 days after it opens.", validators=[Optional()]
    )
    invitations_enabled = BooleanField("E-mail invitations after the event")
    invite_delay_hours = IntegerField(
        "Hours after the end",
        default=2,
        validators=[InputRequired("Give a number of hours."), NumberRange(0, 336, "Choose between 0 and 336.")],
    )
    audience = RadioField(
        "Invite",
        choices=[SelectChoice(a.value, a.label) for a in FeedbackAudience],
        default=FeedbackAudience.CHECKED_IN.value,
    )
    reminder_enabled = BooleanField("One reminder to guests who haven't answered")
    reminder_after_days = IntegerField(
        "Days after the invitation",
        default=3,
        validators=[InputRequired("Give a number of days."), NumberRange(1, 13, "Choose between 1 and 13.")],
    )

    #: The fields where the service's refusals about the window belong (forms.form_error).
    service_field_names = {"opens_at": "local_opens", "closes_at": "local_closes"}

    def show(self, form, tz) -> None:
        """Fill the fields the form object cannot: its window on the event's clock, its audience."""
        self.local_opens.data = to_local(form.opens_at, tz)
        self.local_closes.data = to_local(form.closes_at, tz)
        self.audience.data = form.audience.value

    def settings(self, tz) -> dict:
        """The settings as ``services.feedback.update_settings`` takes them (the window in UTC)."""
        names = ("is_anonymous", "invitations_enabled", "invite_delay_hours", "audience", "reminder_enabled",
                 "reminder_after_days")  # fmt: skip
        return {
            **{name: self[name].data for name in names},
            "intro": self.intro.data or "",
            "opens_at": to_utc(self.local_opens.data, tz),
            "closes_at": to_utc(self.local_closes.data, tz),
        }


class QuestionForm(Form):
    kind = SelectField("Type", choices=[SelectChoice(k.value, k.label) for k in QuestionKind if KINDS[k].for_feedback])
    prompt = StringField("Question", validators=[DataRequired("Please write the question."), Length(max=300)])
    help_text = StringField("Hint", description="Optional, shown under the question.", validators=[Length(max=300)])
    required = BooleanField("Required")
    choices = TextAreaField(
        "Options", description="For choice questions: one option per line.", validators=[Length(max=2000)]
    )

    def choice_list(self) -> list[str]:
        return (self.choices.data or "").splitlines()

    def question_fields(self) -> dict:
        """What the editor may change on a question (its kind is fixed once created)."""
        text = {"prompt": self.prompt.data, "help_text": self.help_text.data or ""}
        return {**text, "required": self.required.data, "choices": self.choice_list()}
