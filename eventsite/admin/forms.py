"""Admin forms: shape only; the services check the rules."""

import datetime as dt
from zoneinfo import available_timezones

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventsite.forms import CheckboxesField, Form

COMMON_ZONES = [
    "America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago", "America/New_York",
    "America/Anchorage", "Pacific/Honolulu", "America/Toronto", "Europe/London", "UTC",
]  # fmt: skip
ZONE_CHOICES = [SelectChoice(z, z.replace("_", " ")) for z in COMMON_ZONES] + [
    SelectChoice(z, z.replace("_", " ")) for z in sorted(available_timezones()) if z not in COMMON_ZONES and "/" in z
]
LOCAL = "%Y-%m-%dT%H:%M"


def to_local(value: dt.datetime | None, tz) -> dt.datetime | None:
    """A stored (UTC) moment as the naive wall-clock time a datetime-local field shows in ``tz``."""
    return value.astimezone(tz).replace(tzinfo=None) if value else None


def to_utc(value: dt.datetime | None, tz) -> dt.datetime | None:
    """A datetime-local field's naive wall-clock time in ``tz`` as an aware UTC moment."""
    return value.replace(tzinfo=tz).astimezone(dt.UTC) if value else None


class VenueFields:
    venue_name = StringField("Venue", validators=[DataRequired("Please name the venue."), Length(max=200)])
    room = StringField("Room", description="Optional, e.g. The Attic Room.", validators=[Optional(), Length(max=200)])
    street_address = StringField(
        "Street address", validators=[DataRequired("Please enter the address."), Length(max=200)]
    )
    city = StringField("City", validators=[DataRequired("Please enter the city."), Length(max=100)])
    region = StringField("State / region", validators=[Optional(), Length(max=100)])
    postal_code = StringField("Postal code", validators=[Optional(), Length(max=20)])

    def venue_fields(self) -> dict:
        """The place as the services take it (an optional part left empty is "")."""
        names = ("venue_name", "room", "street_address", "city", "region", "postal_code")
        return {name: self[name].data or "" for name in names}


class WhenFields:
    local_start = DateTimeLocalField(
        "Starts", format=LOCAL, validators=[DataRequired("Please give a start date and time.")]
    )
    local_end = DateTimeLocalField("Ends", format=LOCAL, validators=[DataRequired("Please give an end date and time.")])
    timezone = SelectField("Time zone", choices=ZONE_CHOICES, default="America/Los_Angeles")

    def when_fields(self) -> dict:
        """The wall-clock times and their zone, as the event services take them."""
        return {"local_start": self.local_start.data, "local_end": self.local_end.data, "timezone": self.timezone.data}


class EventForm(Form, WhenFields, VenueFields):
    title = StringField("Title", validators=[DataRequired("Please give the event a title."), Length(max=200)])
    series_id = SelectField("Series", coerce=int, validators=[Optional()])
    like_series = BooleanField(
        "Start from the series' latest event",
        default=True,
        description="Its guest categories, RSVP questions and feedback form come along (you can change them after).",
    )
    slug = StringField(
        "Web address",
        description="The public page is /e/<this>. Suggested from city and date; lower-case letters, digits and hyphens.",
        validators=[Optional(), Length(max=120)],
    )
    summary = StringField("One-line summary", validators=[Optional(), Length(max=300)])
    description = TextAreaField(
        "Description",
        description="Markdown: **bold**, lists with -, links.",
        validators=[Optional(), Length(max=20000)],
    )
    audience_note = StringField(
        "Who it's for", description='e.g. "Residents only".', validators=[Optional(), Length(max=200)]
    )
    capacity = IntegerField(
        "Capacity", description="Leave empty for no limit.", validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    confirm_overbooking = BooleanField("Allow overbooking (capacity below the guests who already hold a place)")
    local_deadline = DateTimeLocalField(
        "RSVP deadline",
        format=LOCAL,
        description="Optional; RSVPs close at the start otherwise.",
        validators=[Optional()],
    )
    waitlist_enabled = BooleanField("Waitlist when full", default=True)
    claim_window_hours = IntegerField(
        "Hours to claim an offered spot",
        default=24,
        description="0 confirms the next waitlisted guest at once.",
        validators=[Optional(), NumberRange(min=0, max=336)],
    )
    requires_approval = BooleanField("Organizers approve each RSVP")
    reminder_enabled = BooleanField("E-mail a reminder before the event", default=True)
    directory_enabled = BooleanField(
        "Guest directory: confirmed guests see who's coming (those who opt in)", default=True
    )
    listed = BooleanField(
        "Listed on the events page",
        default=True,
        description="Off: only people who have the event's link find it (an unlisted evening).",
    )
    reminder_hours_before = IntegerField(
        "Hours before the start", default=24, validators=[Optional(), NumberRange(min=1, max=336)]
    )

    def offer_series(self, all_series) -> "EventForm":
        self.series_id.choices = [SelectChoice(s.id, s.name) for s in all_series]
        return self

    def service_fields(self) -> dict:
        fields = {
            name: self[name].data
            for name in (
                "series_id", "title", "summary", "description", "audience_note", "venue_name", "room", "street_address",
                "city", "region", "postal_code", "capacity", "waitlist_enabled", "requires_approval", "reminder_enabled",
                "directory_enabled", "listed",
            )
        }  # fmt: skip
        for name in ("summary", "description", "audience_note", "room", "region", "postal_code"):
            fields[name] = (fields[name] or "").strip()
        fields["claim_window_hours"] = self.claim_window_hours.data if self.claim_window_hours.data is not None else 24
        fields["reminder_hours_before"] = self.reminder_hours_before.data or 24
        return fields


class CopyEventForm(Form, WhenFields, VenueFields):
    title = StringField("Title", validators=[DataRequired("Please give the event a title."), Length(max=200)])
    slug = StringField(
        "Web address",
        description="Leave empty to suggest one from city and date.",
        validators=[Optional(), Length(max=120)],
    )
    vendors = CheckboxesField(
        "Vendors to list again",
        description="Untick those not coming to this city. Representatives and leads never come along.",
        coerce=int,
        validators=[Optional()],
    )

    def offer_vendors(self, listings) -> "CopyEventForm":
        """The source's vendors as choices, all ticked on the first visit."""
        self.vendors.choices = [SelectChoice(row.id, row.name) for row in listings]
        if not self.is_submitted():
            self.vendors.data = [row.id for row in listings]
        return self


class CancelEventForm(Form):
    message = TextAreaField(
        "Message to guests",
        description="E-mailed to every guest who still holds an RSVP.",
        validators=[DataRequired("Please tell guests why, and what happens next."), Length(max=5000)],
    )


class ActionForm(Form):
    """A button carrying only the CSRF token."""
