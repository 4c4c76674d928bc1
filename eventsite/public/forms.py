"""Forms for the guest's pages: shape only (lengths, required, e-mail format, choices)."""

from wtforms import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from eventsite.forms import BooleanField, EmailField, Form, SelectField, StringField, TextAreaField, email_checks
from eventsite.models import CategoryPolicy, GuestCategory, TrainingLevel
from eventsite.public.contact_forms import NetworkingFields
from eventsite.services.rsvps import EDITABLE_FIELDS

LEVEL_CHOICES = [SelectChoice("", "Choose your training level")] + [
    SelectChoice(level.value, level.label) for level in TrainingLevel
]


class GuestDetailsForm(Form):
    first_name = StringField("First name", validators=[DataRequired("Please enter your first name."), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired("Please enter your last name."), Length(max=100)])
    badge_name = StringField(
        "Name on your badge",
        description="Optional: the name you go by, printed large on your badge.",
        validators=[Optional(), Length(max=100)],
    )
    pronouns = StringField("Pronouns", description="Optional, e.g. she/her.", validators=[Optional(), Length(max=40)])
    institution = StringField(
        "Institution or program",
        validators=[DataRequired("Please tell us your institution or program."), Length(max=200)],
    )
    training_level = SelectField(
        "Training level",
        choices=LEVEL_CHOICES,
        validators=[DataRequired("Please choose your training level.")],
    )
    dietary_notes = TextAreaField(
        "Dietary needs", description="Optional: allergies or restrictions.", validators=[Optional(), Length(max=500)]
    )
    accessibility_notes = TextAreaField(
        "Accessibility needs",
        description="Optional: anything that helps you take part.",
        validators=[Optional(), Length(max=500)],
    )

    def service_fields(self) -> dict:
        return {name: self[name].data or "" for name in EDITABLE_FIELDS}


class RsvpForm(GuestDetailsForm, NetworkingFields):
    remember = BooleanField(
        "Remember my details for the next event",
        description="Your name, program, level and networking choices fill in the next RSVP you start from "
        "My events or from one of our e-mails. Delete them any time from My events.",
    )
    email = EmailField(
        "E-mail",
        description="Your confirmation and private link to change or cancel go here.",
        validators=email_checks("Please enter your e-mail address."),
    )
    #: The guest category (issue 15); its choices are the event's (``for_event``). "" lets the
    #: training level choose.
    category = SelectField(
        "I'm coming as",
        description="Picked from your training level; change it if it doesn't fit.",
        validators=[Optional()],
    )
    #: Honeypot: hidden from people by CSS, filled in by naive bots.
    website = StringField("Leave this field empty")

    def for_event(self, cats: list[GuestCategory]) -> "RsvpForm":
        """Offer the event's categories that take guests, each with its rule in words."""
        self.category.choices = [SelectChoice("", "Choose from my training level")] + [
            SelectChoice(str(c.id), c.name + _RULE_WORDS.get(c.policy, ""))
            for c in cats
            if c.policy != CategoryPolicy.CLOSED
        ]
        self.category_levels = {level.value: str(c.id) for c in reversed(cats) for level in c.levels}
        self.show_category = len(cats) > 1
        return self

    def category_id(self) -> int | None:
        return int(self.category.data) if self.category.data else None


_RULE_WORDS = {CategoryPolicy.APPROVAL: " (needs approval)", CategoryPolicy.INVITATION: " (by invitation)"}


class ConfirmForm(Form):
    """A button that only carries the CSRF token (cancel, claim, leave the waitlist)."""


class EmailChangeForm(Form):
    """The manage page's "change my e-mail address" (services.email_change)."""

    new_email = EmailField(
        "New e-mail address",
        description="We'll send a confirmation link there; the change takes effect when you open it.",
        validators=email_checks("Please enter the new address."),
    )
