"""Forms for the organizer's guest screens: shape only; services.guests checks the rules."""

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from eventsite.forms import Form, email_checks
from eventsite.models import TrainingLevel
from eventsite.services.rsvps import EDITABLE_FIELDS

LEVEL_CHOICES = [SelectChoice("", "Choose a training level")] + [
    SelectChoice(lv.value, lv.label) for lv in TrainingLevel
]


class GuestEditForm(Form):
    """A guest's details as the organizer edits them (the e-mail address stays the guest's)."""

    first_name = StringField("First name", validators=[DataRequired("Please enter a first name."), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired("Please enter a last name."), Length(max=100)])
    badge_name = StringField(
        "Name on the badge",
        description="Optional; the first name is used when empty.",
        validators=[Optional(), Length(max=100)],
    )
    pronouns = StringField("Pronouns", validators=[Optional(), Length(max=40)])
    institution = StringField(
        "Program or institution", validators=[DataRequired("Please enter a program or institution."), Length(max=200)]
    )
    training_level = SelectField(
        "Training level",
        choices=LEVEL_CHOICES,
        validators=[DataRequired("Please choose a training level.")],
    )
    dietary_notes = TextAreaField("Dietary needs", validators=[Optional(), Length(max=500)])
    accessibility_notes = TextAreaField("Accessibility needs", validators=[Optional(), Length(max=500)])
    #: Choices are the event's categories (``for_event``); the organizer's pick sets their rules aside.
    category_id = SelectField("Category", validators=[Optional()])

    def service_fields(self) -> dict:
        return {name: self[name].data or "" for name in EDITABLE_FIELDS}

    def for_event(self, cats, *, automatic: str = "") -> "GuestEditForm":
        self.category_id.choices = ([SelectChoice("", automatic)] if automatic else []) + [
            SelectChoice(str(c.id), c.name) for c in cats
        ]
        self.show_category = len(cats) > 1
        return self

    def chosen_category(self) -> int | None:
        return int(self.category_id.data) if self.category_id.data else None


class AddGuestForm(GuestEditForm):
    email = EmailField(
        "E-mail",
        description="The guest's confirmation and private link go here.",
        validators=email_checks("Please enter the guest's e-mail address."),
    )
    source = RadioField(
        "Who is this?",
        choices=[
            SelectChoice("organizer", "A guest you invite (VIP, speaker, sponsor)"),
            SelectChoice("walk_in", "A walk-in at the door"),
        ],
        default="organizer",
    )
    confirm_over_capacity = BooleanField("Yes, add this guest even though the event is full")


class GuestActionForm(Form):
    """A POST button; ``confirm_over_capacity`` is set by the "… anyway" button of the warning."""

    confirm_over_capacity = HiddenField(default="")

    @property
    def over_capacity_confirmed(self) -> bool:
        return self.confirm_over_capacity.data == "yes"


class BulkForm(Form):
    """The guest list's ticked rows and what to do with them (services.guest_bulk)."""

    rsvp_ids = SelectMultipleField("Guests", coerce=int, validate_choice=False)
    action = StringField(validators=[Optional(), Length(max=40)])
    #: The list the organizer was on (its filters and page), to go back to.
    back = StringField(validators=[Optional(), Length(max=2000)])
