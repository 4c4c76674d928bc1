"""Bulk actions on the guest list (issue 15): approve, decline or move to a category the ticked
guests, in one transaction; a guest a rule refuses is left as they were and named in the report.
(Printing the ticked badges and downloading them as CSV use the badge job and the list's CSV.)"""

import dataclasses

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, Rsvp
from eventsite.services import DomainError, ErrorCode, guests

#: The actions the guest list offers for its ticked rows; "category:<id>" moves them.
ACTIONS = {"approve": "Approve", "decline": "Decline"}


@dataclasses.dataclass
class BulkReport:
    done: int = 0
    #: "Name: why", for each ticked guest the action did not apply to.
    skipped: list[str] = dataclasses.field(default_factory=list)


def apply(event: Event, rsvp_ids: list[int], action: str, *, actor: str) -> BulkReport:
    """Apply ``action`` to the ticked guests of ``event`` (ids of other events are ignored).
    Raises DomainError ``no_guests`` when none is ticked, ``wrong_status`` for an unknown action."""
    chosen = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.id.in_(rsvp_ids)).order_by(Rsvp.id)
    ).all()
    if not chosen:
        raise DomainError("Tick at least one guest first.", ErrorCode.NO_GUESTS)
    step = _step(action)
    report = BulkReport()
    for rsvp in chosen:
        try:
            with db.session.begin_nested():  # a refused guest's changes go, the others' stay
                changed = step(rsvp, actor)
        except DomainError as exc:
            report.skipped.append(f"{rsvp.full_name}: {exc.message}")
            continue
        report.done += 1 if changed is not False else 0
    return report


def _step(action: str):
    if action == "approve":
        return lambda rsvp, actor: guests.approve(rsvp, actor=actor)
    if action == "decline":
        return lambda rsvp, actor: guests.decline(rsvp, actor=actor)
    kind, _, category = action.partition(":")
    if kind == "category" and category.isdigit():
        return lambda rsvp, actor: guests.change_category(rsvp, int(category), actor=actor)
    raise DomainError("Choose what to do with the ticked guests.", ErrorCode.WRONG_STATUS)
