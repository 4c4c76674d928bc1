"""The RSVP questions editor's form: shape only; services.questions checks the rules."""

from wtforms import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from eventsite.forms import BooleanField, CheckboxesField, Form, SelectField, StringField, TextAreaField
from eventsite.models import GuestCategory, RsvpQuestion
from eventsite.services.questions import RSVP_KINDS, QuestionFields


class RsvpQuestionForm(Form):
    kind = SelectField("Type", choices=[SelectChoice(k.value, k.label) for k in RSVP_KINDS], default="short_text")
    prompt = StringField("Question", validators=[DataRequired("Please write the question."), Length(max=300)])
    help_text = StringField("Hint", description="Optional, shown under the question.", validators=[Length(max=300)])
    required = BooleanField("Guests must answer")
    choices = TextAreaField(
        "Options", description="Choice questions: one option per line.", validators=[Optional(), Length(max=2000)]
    )
    category_ids = CheckboxesField(
        "Asked of", description="None ticked: everyone.", coerce=int, validators=[Optional()]
    )
    consent_text = TextAreaField(
        "What the guest agrees to",
        description="Consent questions: the words next to the box. Changing them starts a new version.",
        validators=[Optional(), Length(max=1000)],
    )
    consent_url = StringField(
        "Link to the full text",
        description="Optional, e.g. your privacy notice.",
        validators=[Optional(), Length(max=500)],
    )

    def for_event(self, cats: list[GuestCategory]) -> "RsvpQuestionForm":
        self.category_ids.choices = [SelectChoice(c.id, c.name) for c in cats]
        return self

    def fill(self, question: RsvpQuestion) -> "RsvpQuestionForm":
        self.kind.data, self.prompt.data, self.help_text.data = question.kind.value, question.prompt, question.help_text
        self.required.data, self.choices.data = question.required, "\n".join(question.choices)
        self.category_ids.data = list(question.category_ids)
        self.consent_text.data, self.consent_url.data = question.consent_text, question.consent_url
        return self

    def fields(self) -> QuestionFields:
        return QuestionFields(
            prompt=self.prompt.data or "",
            help_text=self.help_text.data or "",
            required=bool(self.required.data),
            choices=(self.choices.data or "").splitlines(),
            category_ids=list(self.category_ids.data or ()),
            consent_text=self.consent_text.data or "",
            consent_url=self.consent_url.data or "",
        )
