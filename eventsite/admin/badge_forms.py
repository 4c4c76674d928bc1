"""Forms for the organizer's badge screens: shape only; services.badges checks the rules."""

from wtforms import BooleanField, FloatField, IntegerField, RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from eventsite.forms import Form
from eventsite.models import BadgeRole
from eventsite.services.badges import DEFAULT_LAYOUT, LAYOUTS, MAX_OFFSET_MM

LAYOUT_CHOICES = [SelectChoice(key, layout.label) for key, layout in LAYOUTS.items()]
SELECTION_CHOICES = [
    SelectChoice("unprinted", "Badges not printed yet"),
    SelectChoice("all", "Every confirmed guest"),
    SelectChoice("selected", "Only the guests ticked in the list below"),
]
SLOT_HINT = "On a partly used sheet: the first free position (1 is top left, then left to right, row by row)."


class PrintBadgesForm(Form):
    layout = RadioField("Layout", choices=LAYOUT_CHOICES, default=DEFAULT_LAYOUT)
    selection = RadioField("Which badges", choices=SELECTION_CHOICES, default="unprinted")
    first_slot = IntegerField(
        "Start at position", default=1, description=SLOT_HINT, validators=[InputRequired(), NumberRange(min=1, max=6)]
    )
    #: Ticked rows of a guest list; checkboxes named rsvp_ids.
    rsvp_ids = SelectMultipleField("Guests", coerce=int, validate_choice=False)


class PrintOneForm(Form):
    layout = SelectField("Layout", choices=LAYOUT_CHOICES, default="single")
    first_slot = IntegerField(
        "Position on the sheet",
        default=1,
        description=SLOT_HINT,
        validators=[InputRequired(), NumberRange(min=1, max=6)],
    )


def _offset_field(label: str, hint: str) -> FloatField:
    return FloatField(
        label,
        description=hint,
        validators=[
            InputRequired("Enter a number of millimetres (0 for none)."),
            NumberRange(
                min=-MAX_OFFSET_MM, max=MAX_OFFSET_MM, message=f"Between −{MAX_OFFSET_MM:g} and {MAX_OFFSET_MM:g} mm."
            ),
        ],
    )


class OffsetsForm(Form):
    offset_x_mm = _offset_field("Shift across (mm)", "+ moves the print right, − left.")
    offset_y_mm = _offset_field("Shift down (mm)", "+ moves the print down, − up.")


class ReissueForm(Form):
    confirm = BooleanField(
        "Yes: the old badge must stop working", validators=[DataRequired("Tick the box to confirm the new code.")]
    )


ROLE_CHOICES = [SelectChoice("", "Follow the training level")] + [
    SelectChoice(role.value, role.label) for role in BadgeRole
]


class BadgeRoleForm(Form):
    role = SelectField("Colour band", choices=ROLE_CHOICES, default="")
