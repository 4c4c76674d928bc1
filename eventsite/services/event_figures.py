"""What the organizer sees of events in numbers: the event list's figures and one event's
dashboard, each in a fixed number of queries whatever the guest count."""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import LIVE_STATUSES, CheckIn, Event, EventStatus, Rsvp, RsvpStatus, TrainingLevel, utcnow
from eventsite.services import categories
from eventsite.services.capacity import PlaceCounts, counts_from, place_counts


@dataclasses.dataclass(frozen=True)
class EventRow:
    event: Event
    counts: PlaceCounts
    checked_in: int


def admin_event_rows(tab: str, now: dt.datetime | None = None, *, only: set[int] | None = None) -> list[EventRow]:
    """Events for the organizer's list with their figures, in three queries whatever the count.

    ``tab``: "upcoming" (published or cancelled, not ended), "drafts", or "past"; ``only``: the
    events a scoped member is given (None: every event).
    """

    now = now or utcnow()
    query = sa.select(Event)
    if only is not None:
        query = query.where(Event.id.in_(only))
    if tab == "drafts":
        query = query.where(Event.status == EventStatus.DRAFT).order_by(Event.starts_at)
    elif tab == "past":
        query = query.where(Event.status != EventStatus.DRAFT, Event.ends_at <= now).order_by(Event.starts_at.desc())
    else:
        query = query.where(Event.status != EventStatus.DRAFT, Event.ends_at > now).order_by(Event.starts_at)
    event_list = db.session.scalars(query).all()
    ids = [e.id for e in event_list]
    by_event: dict[int, dict] = {i: {} for i in ids}
    if ids:
        rows = db.session.execute(
            sa.select(Rsvp.event_id, Rsvp.status, sa.func.count())
            .where(Rsvp.event_id.in_(ids))
            .group_by(Rsvp.event_id, Rsvp.status)
        )
        for event_id, status, n in rows:
            by_event[event_id][status] = n
        checked = dict(
            db.session.execute(
                sa.select(CheckIn.event_id, sa.func.count(sa.distinct(CheckIn.rsvp_id)))
                .where(CheckIn.event_id.in_(ids), CheckIn.standing)
                .group_by(CheckIn.event_id)
            ).all()
        )
    else:
        checked = {}
    return [
        EventRow(event=e, counts=counts_from(by_event[e.id], e.capacity), checked_in=checked.get(e.id, 0))
        for e in event_list
    ]


@dataclasses.dataclass(frozen=True)
class Dashboard:
    counts: PlaceCounts
    cancelled: int
    checked_in: int
    #: (local date, RSVPs received that day), every day from the first RSVP to the last.
    per_day: list[tuple[dt.date, int]]
    #: (training level, live RSVPs), in the fixed order of TrainingLevel.
    by_level: list[tuple[str, int]]
    #: (institution, live RSVPs), largest first, top 12.
    by_institution: list[tuple[str, int]]
    #: (a category's places, its guests checked in), when the event has more than one category.
    by_category: list[tuple[categories.CategoryPlaces, int]] = dataclasses.field(default_factory=list)


def dashboard(event: Event) -> Dashboard:
    """The organizer's overview figures for one event (a fixed number of queries)."""

    counts = place_counts(event)
    by_status = dict(
        db.session.execute(
            sa.select(Rsvp.status, sa.func.count()).where(Rsvp.event_id == event.id).group_by(Rsvp.status)
        ).all()
    )
    checked_in = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(CheckIn.rsvp_id))).where(CheckIn.event_id == event.id, CheckIn.standing)
    )
    days: dict[dt.date, int] = {}
    for created in db.session.scalars(sa.select(Rsvp.created_at).where(Rsvp.event_id == event.id)):
        day = created.astimezone(event.tz).date()
        days[day] = days.get(day, 0) + 1
    per_day = []
    if days:
        day, last = min(days), max(days)
        while day <= last:
            per_day.append((day, days.get(day, 0)))
            day += dt.timedelta(days=1)
    live = Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)
    levels = dict(
        db.session.execute(
            sa.select(Rsvp.training_level, sa.func.count()).where(*live).group_by(Rsvp.training_level)
        ).all()
    )
    institutions = db.session.execute(
        sa.select(Rsvp.institution, sa.func.count().label("n"))
        .where(*live)
        .group_by(Rsvp.institution)
        .order_by(sa.desc("n"), Rsvp.institution)
        .limit(12)
    ).all()
    return Dashboard(
        counts=counts,
        cancelled=by_status.get(RsvpStatus.CANCELLED, 0) + by_status.get(RsvpStatus.DECLINED, 0),
        checked_in=checked_in,
        per_day=per_day,
        by_level=[(level.label, levels.get(level, 0)) for level in TrainingLevel],
        # An anonymised guest (their data deleted) still counts, under a name that says why.
        by_institution=[(name or "Data deleted", n) for name, n in institutions],
        by_category=_by_category(event),
    )


def _by_category(event: Event) -> list[tuple[categories.CategoryPlaces, int]]:
    places = categories.places(event)
    if len(places) < 2:
        return []
    came = dict(
        db.session.execute(
            sa.select(Rsvp.category_id, sa.func.count(sa.distinct(CheckIn.rsvp_id)))
            .join(Rsvp, Rsvp.id == CheckIn.rsvp_id)
            .where(CheckIn.event_id == event.id, CheckIn.standing)
            .group_by(Rsvp.category_id)
        )
        .tuples()
        .all()
    )
    return [(p, came.get(p.category.id, 0)) for p in places]
