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

from eventsite.admin.forms import LOCAL
from eventsite.form_widgets import Form
from eventsite.models import FeedbackAudience, QuestionKind


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


class QuestionForm(Form):
    kind = SelectField("Type", choices=[SelectChoice(k.value, k.label) for k in QuestionKind])
    prompt = StringField("Question", validators=[DataRequired("Please write the question."), Length(max=300)])
    help_text = StringField("Hint", description="Optional, shown under the question.", validators=[Length(max=300)])
    required = BooleanField("Required")
    choices = TextAreaField(
        "Options", description="For choice questions: one option per line.", validators=[Length(max=2000)]
    )

    def choice_list(self) -> list[str]:
        return (self.choices.data or "").splitlines()
