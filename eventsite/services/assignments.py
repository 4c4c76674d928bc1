"""Which events a scoped member (event host, viewer, door member) is given (issue 14).

Owners and organizers see every event and need no assignment; ``visible_event_ids`` answers
None for them ("no limit")."""

from collections.abc import Iterable

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import EventAssignment, Organizer


def assigned_event_ids(member: Organizer) -> set[int]:
    rows = db.session.scalars(sa.select(EventAssignment.event_id).where(EventAssignment.organizer_id == member.id))
    return set(rows)


def visible_event_ids(member: Organizer) -> set[int] | None:
    """The events this member may know exist; None: all of them."""
    return None if member.role.sees_every_event else assigned_event_ids(member)


def assign(member: Organizer, event_id: int) -> bool:
    """Give the member one more event; False if they had it already."""
    if event_id in assigned_event_ids(member):
        return False
    db.session.add(EventAssignment(organizer_id=member.id, event_id=event_id))
    return True


def set_events(member: Organizer, event_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """Make the member's events exactly ``event_ids``; answers (added, removed)."""
    wanted, current = set(event_ids), assigned_event_ids(member)
    for event_id in wanted - current:
        db.session.add(EventAssignment(organizer_id=member.id, event_id=event_id))
    removed = current - wanted
    if removed:
        db.session.execute(
            sa.delete(EventAssignment).where(
                EventAssignment.organizer_id == member.id, EventAssignment.event_id.in_(removed)
            )
        )
    return wanted - current, removed
