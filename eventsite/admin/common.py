"""Helpers shared by the admin views: loading an event or a guest, the actor's name in history."""

from flask_login import current_user

from eventsite.extensions import db
from eventsite.models import Event, Rsvp


def get_event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def get_rsvp(rsvp_id: int) -> Rsvp:
    return db.get_or_404(Rsvp, rsvp_id)


def actor() -> str:
    """How organizer actions appear in an RSVP's history."""
    return f"organizer:{current_user.email}"
