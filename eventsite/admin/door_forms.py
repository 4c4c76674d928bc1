"""Forms for the organizer's door-link screen: shape only; services.doors checks the rules."""

from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from eventsite.forms import Form

LOCAL = "%Y-%m-%dT%H:%M"


class DoorLinkForm(Form):
    label = StringField(
        "Door name",
        default="Door 1",
        description="Shown on the volunteer's phone and next to every scan, e.g. “Door 1” or “Side entrance”.",
        validators=[DataRequired("Please name the door."), Length(max=80)],
    )
    pin = PasswordField(
        "PIN (optional)",
        description="4–12 digits the volunteer must type once. Tell it to them in person, not with the link.",
        validators=[Optional(), Regexp(r"^\d{4,12}$", message="A PIN is 4 to 12 digits.")],
    )
    valid_from = DateTimeLocalField("Works from", format=LOCAL, validators=[DataRequired("Please give a start.")])
    valid_until = DateTimeLocalField("Works until", format=LOCAL, validators=[DataRequired("Please give an end.")])


class ScansFileForm(Form):
    file = FileField(
        "Scans file",
        description="The .json file a door phone saved when its link closed before it could send its scans.",
        validators=[FileRequired("Choose the file the door phone saved.")],
        render_kw={"accept": ".json,application/json"},
    )
