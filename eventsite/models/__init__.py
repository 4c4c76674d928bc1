"""Every model, imported here so Alembic and `flask shell` see the whole schema."""

from eventsite.models.base import Base, utcnow
from eventsite.models.enums import (
    LIVE_STATUSES,
    SEAT_STATUSES,
    EventStatus,
    OrganizerRole,
    OutboxStatus,
    RsvpAction,
    RsvpStatus,
    TrainingLevel,
)
from eventsite.models.event import Event
from eventsite.models.organizer import Organizer
from eventsite.models.outbox import OutboxMessage
from eventsite.models.rsvp import Rsvp, RsvpChange

__all__ = [
    "LIVE_STATUSES",
    "SEAT_STATUSES",
    "Base",
    "Event",
    "EventStatus",
    "Organizer",
    "OrganizerRole",
    "OutboxMessage",
    "OutboxStatus",
    "Rsvp",
    "RsvpAction",
    "RsvpChange",
    "RsvpStatus",
    "TrainingLevel",
    "utcnow",
]
