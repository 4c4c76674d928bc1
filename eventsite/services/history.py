"""An RSVP's history: one line per thing that happened to it, who did it and a short detail
(shown to organizers on the guest's page; a deletion scrubs addresses from it)."""

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Rsvp, RsvpAction, RsvpChange


def record(rsvp: Rsvp, action: RsvpAction, actor: str, detail: str = "") -> None:
    db.session.add(RsvpChange(rsvp=rsvp, action=action, actor=actor, detail=detail))


def lines(rsvp: Rsvp) -> list[RsvpChange]:
    """The RSVP's history, newest first."""
    return list(
        db.session.scalars(
            sa.select(RsvpChange)
            .where(RsvpChange.rsvp_id == rsvp.id)
            .order_by(RsvpChange.created_at.desc(), RsvpChange.id.desc())
        )
    )
