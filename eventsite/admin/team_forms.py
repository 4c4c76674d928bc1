"""Forms of the Team page: shape only; services.team checks the rules (last owner, own account)."""

import sqlalchemy as sa
from wtforms import EmailField, RadioField, SelectChoice, SelectMultipleField, widgets
from wtforms.validators import DataRequired

from eventsite.extensions import db
from eventsite.forms import Form
from eventsite.models import Event, OrganizerRole

ROLE_HINTS = {
    OrganizerRole.OWNER: "everything, including the team and site settings",
    OrganizerRole.ORGANIZER: "every event: guests, messages, badges, door, feedback, exports",
    OrganizerRole.HOST: "like an organizer, on the chosen events only",
    OrganizerRole.VIEWER: "figures and feedback results of the chosen events; no guests' details",
    OrganizerRole.DOOR: "opens the door page of the chosen events",
}


class EventBoxes(SelectMultipleField):
    """Events as a list of checkboxes, newest first."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _role_field():
    return RadioField(
        "Role",
        choices=[SelectChoice(role.value, f"{role.label}: {ROLE_HINTS[role]}") for role in OrganizerRole],
        default=OrganizerRole.ORGANIZER.value,
        validators=[DataRequired("Choose a role.")],
    )


class MemberForm(Form):
    """A member's role and, for scoped roles, their events."""

    role = _role_field()
    events = EventBoxes(
        "Events", coerce=int, description="For an event host, viewer or door member: the events they work on."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = db.session.execute(sa.select(Event.id, Event.title, Event.city).order_by(Event.starts_at.desc()))
        self.events.choices = [SelectChoice(row.id, f"{row.title} ({row.city})") for row in rows]

    @property
    def chosen_role(self) -> OrganizerRole:
        return OrganizerRole(self.role.data)


class InviteForm(MemberForm):
    email = EmailField("E-mail", validators=[DataRequired("Please enter the address to invite.")])
