"""The People page: everyone matching a filter, a page at a time or as CSV, and the people
ticked on it as invitees. One aggregate query (GROUP BY the e-mail key) makes every figure."""

import csv
import dataclasses
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from eventsite.extensions import db
from eventsite.models import (
    BulkKind,
    CheckIn,
    CityAlert,
    Event,
    FeedbackReceipt,
    Rsvp,
    TrainingLevel,
    utcnow,
)
from eventsite.services import opt_outs
from eventsite.services.guest_list import Paged, list_args, unicode_lower
from eventsite.services.invitations import Invitee
from eventsite.services.people.definitions import admission_join, no_show, per_event_count
from eventsite.services.spreadsheets import neutralise

PER_PAGE = 50


def _aggregate(now: dt.datetime):
    """One row per person: key, events, attended, no_shows, first_seen, last_event_at,
    latest_id (their newest RSVP: name and program are read from it)."""
    return (
        sa.select(
            Rsvp.email_key.label("key"),
            sa.func.count(sa.distinct(Rsvp.event_id)).label("events"),
            per_event_count(CheckIn.id.is_not(None), Rsvp.event_id).label("attended"),
            per_event_count(no_show(Rsvp, now), Rsvp.event_id).label("no_shows"),
            sa.func.count(sa.distinct(FeedbackReceipt.event_id)).label("feedback_given"),
            sa.func.min(Rsvp.created_at).label("first_seen"),
            sa.func.max(Event.starts_at).label("last_event_at"),
            sa.func.max(Rsvp.id).label("latest_id"),
        )
        .join(Event, Event.id == Rsvp.event_id)
        .outerjoin(CheckIn, admission_join())
        .outerjoin(FeedbackReceipt, FeedbackReceipt.rsvp_id == Rsvp.id)
        .where(Rsvp.anonymised_at.is_(None))
        .group_by(Rsvp.email_key)
    )


@dataclasses.dataclass(frozen=True)
class PersonRow:
    #: The id of the person's newest RSVP: the person's page is /admin/people/<rsvp_id>.
    rsvp_id: int
    name: str
    email: str
    institution: str
    training_level: object  # TrainingLevel
    events: int
    attended: int
    no_shows: int
    feedback_given: int
    first_seen: dt.datetime
    last_event_at: dt.datetime
    #: The zone of the newest RSVP's event: dates on the page are shown in it (a person's
    #: events are nearly always in one region; the CSV gives UTC).
    timezone: str

    @property
    def local_first_seen(self) -> dt.datetime:
        return self.first_seen.astimezone(ZoneInfo(self.timezone))

    @property
    def local_last_event(self) -> dt.datetime:
        return self.last_event_at.astimezone(ZoneInfo(self.timezone))


SHOWS = {
    "all": "Everyone (RSVPed)",
    "attended": "Came at least once",
    "returning": "Came to 2+ events",
    "no_shows": "With a no-show",
    "never_attended": "Never checked in",
}


#: Sort key: column heading.
SORTS = {
    "name": "Name",
    "events": "Events",
    "attended": "Attended",
    "no_shows": "No-shows",
    "feedback_given": "Feedback",
    "first_seen": "First seen",
    "last_event": "Last event",
}


def _sort_columns(sort: str, agg, latest) -> tuple:
    return {
        "name": (unicode_lower(latest.last_name), unicode_lower(latest.first_name)),
        "events": (agg.c.events,),
        "attended": (agg.c.attended,),
        "no_shows": (agg.c.no_shows,),
        "feedback_given": (agg.c.feedback_given,),
        "first_seen": (agg.c.first_seen,),
        "last_event": (agg.c.last_event_at,),
    }[sort]


#: "Last seen" choices: an event of theirs started within this many days.
SEEN = {"180": "In the last 6 months", "365": "In the last year", "730": "In the last 2 years"}


@dataclasses.dataclass(frozen=True)
class PeopleFilter:
    """What the organizer asked the People page for; built from query arguments, never trusted."""

    q: str = ""
    show: str = "all"
    sort: str = "name"
    descending: bool = False
    page: int = 1
    #: Replied to an event in this city (issue 17: invite past guests of a city).
    city: str = ""
    #: Their newest RSVP's training level (a TrainingLevel value).
    level: str = ""
    #: A SEEN key: their last event started within that many days.
    seen: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "PeopleFilter":
        """Read q, show, sort, dir (asc|desc) and page; unknown values fall back to defaults."""
        try:
            page = max(int(args.get("page", 1)), 1)
        except ValueError:
            page = 1
        show, sort = args.get("show", "all"), args.get("sort", "name")
        level, seen = args.get("level", ""), args.get("seen", "")
        return cls(
            q=" ".join(args.get("q", "").split())[:200],
            show=show if show in SHOWS else "all",
            sort=sort if sort in SORTS else "name",
            descending=args.get("dir") == "desc",
            page=page,
            city=" ".join(args.get("city", "").split())[:100],
            level=level if level in {lv.value for lv in TrainingLevel} else "",
            seen=seen if seen in SEEN else "",
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.city or self.level or self.seen) or self.show != "all"

    def args(self, **changes) -> dict[str, str | int]:
        """Query arguments that reproduce this filter (defaults left out), with ``changes`` applied."""
        values = dataclasses.replace(self, **changes)
        show = values.show if values.show != "all" else ""
        return list_args(values, show=show, city=values.city, level=values.level, seen=values.seen)


def _matching_keys(q: str):
    """E-mail keys with an RSVP matching every word of ``q`` (name, badge name, e-mail, program),
    so a person is found by a name they used at any event."""
    where = [Rsvp.anonymised_at.is_(None)]
    full_name = Rsvp.first_name + " " + Rsvp.last_name
    for word in unicodedata.normalize("NFC", q).lower().split():
        where.append(
            sa.or_(
                Rsvp.email_key.contains(word, autoescape=True),
                *(
                    unicode_lower(column).contains(word, autoescape=True)
                    for column in (full_name, Rsvp.badge_name, Rsvp.institution)
                ),
            )
        )
    return sa.select(Rsvp.email_key).where(*where)


def _people_query(f: PeopleFilter, now: dt.datetime):
    """(select of PersonRow columns, filtered and sorted, without paging)."""
    agg = _aggregate(now).subquery("people")
    latest = aliased(Rsvp, name="latest")
    latest_event = aliased(Event, name="latest_event")
    query = (
        sa.select(
            latest.id.label("rsvp_id"),
            (latest.first_name + " " + latest.last_name).label("name"),
            latest.email,
            latest.institution,
            latest.training_level,
            agg.c.events,
            agg.c.attended,
            agg.c.no_shows,
            agg.c.feedback_given,
            agg.c.first_seen,
            agg.c.last_event_at,
            latest_event.timezone,
        )
        .join(latest, latest.id == agg.c.latest_id)
        .join(latest_event, latest_event.id == latest.event_id)
    )
    if f.q:
        query = query.where(agg.c.key.in_(_matching_keys(f.q)))
    if f.show == "returning":
        query = query.where(agg.c.attended >= 2)
    elif f.show == "no_shows":
        query = query.where(agg.c.no_shows >= 1)
    elif f.show == "never_attended":
        query = query.where(agg.c.attended == 0)
    elif f.show == "attended":
        query = query.where(agg.c.attended >= 1)
    if f.city:
        query = query.where(
            agg.c.key.in_(sa.select(Rsvp.email_key).join(Event, Event.id == Rsvp.event_id).where(Event.city == f.city))
        )
    if f.level:
        query = query.where(latest.training_level == TrainingLevel(f.level))
    if f.seen:
        query = query.where(agg.c.last_event_at >= now - dt.timedelta(days=int(f.seen)))
    keys = [*_sort_columns(f.sort, agg, latest), latest.id]
    return query.order_by(*(key.desc() if f.descending else key.asc() for key in keys))


@dataclasses.dataclass(frozen=True)
class PeoplePage(Paged):
    rows: list[PersonRow]
    total: int
    page: int
    pages: int
    per_page: int


def people_page(f: PeopleFilter, *, per_page: int = PER_PAGE, now: dt.datetime | None = None) -> PeoplePage:
    """One page of people matching ``f``, in two queries (count, rows) whatever the numbers.
    A page past the end shows the last page."""
    now = now or utcnow()
    query = _people_query(f, now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pages = max(math.ceil(total / per_page), 1)
    page = min(f.page, pages)
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    rows = [PersonRow(**row._mapping) for row in result]
    return PeoplePage(rows=rows, total=total, page=page, pages=pages, per_page=per_page)


#: (header, cell of a PersonRow). Times are UTC with offset: people span the events' zones.
CSV_COLUMNS = (
    ("Name", lambda p: p.name),
    ("E-mail", lambda p: p.email),
    ("Program", lambda p: p.institution),
    ("Training level", lambda p: p.training_level.label),
    ("Events RSVPed", lambda p: p.events),
    ("Attended", lambda p: p.attended),
    ("No-shows", lambda p: p.no_shows),
    ("Feedback given", lambda p: p.feedback_given),
    ("First seen (UTC)", lambda p: p.first_seen.isoformat(timespec="seconds")),
    ("Last event (UTC)", lambda p: p.last_event_at.isoformat(timespec="seconds")),
)


def people_csv(f: PeopleFilter, *, now: dt.datetime | None = None, batch: int = 200) -> Iterator[str]:
    """Everyone matching ``f`` (all pages, in the page's order) as chunks of CSV text: a BOM and
    header first, formula-like text neutralised as in the guest list CSV (spreadsheets.neutralise).
    The query runs now, so a database error surfaces before any byte is sent."""
    result = db.session.execute(_people_query(f, now or utcnow()))
    return _csv_chunks(result, batch)


def _csv_chunks(result, batch: int) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in CSV_COLUMNS])
    yield "\ufeff" + buffer.getvalue()
    while rows := result.fetchmany(batch):
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            person = PersonRow(**row._mapping)
            writer.writerow([neutralise(cell(person)) for _, cell in CSV_COLUMNS])
        yield buffer.getvalue()


#: At most this many people are invited from the People page at once (as many as one paste).
MAX_INVITEES = 5000


def invitees(f: PeopleFilter, rsvp_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None) -> list:
    """The people matching ``f`` (only the ticked ones, by their newest RSVP's id, when
    ``rsvp_ids`` is given) as invitations.Invitee, with the name, program and level of their
    newest RSVP (issue 15: invite past guests of the series). Anonymised people have no address
    and are left out."""
    picked = None if rsvp_ids is None else set(rsvp_ids)
    ids = [row.rsvp_id for row in db.session.execute(_people_query(f, now or utcnow()))
           if picked is None or row.rsvp_id in picked][:MAX_INVITEES]  # fmt: skip
    found = {r.id: r for r in db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(ids)))} if ids else {}
    # An address the outbox gave up on (a city alert that bounced) gets no invitation either.
    bounced = set(db.session.scalars(sa.select(CityAlert.email_key).where(CityAlert.suppressed_at.is_not(None))))
    # Nor one that unsubscribed from invitations (issue 17).
    bounced |= opt_outs.opted_out((r.email_key for r in found.values()), BulkKind.INVITATIONS)
    return [
        Invitee(r.email, r.first_name, r.last_name, r.institution, r.training_level.value)
        for r in (found[i] for i in ids)
        if r.email and r.anonymised_at is None and r.email_key not in bounced
    ]


def cities() -> list[str]:
    """Every city an event was held in (the People page's city filter)."""
    return list(db.session.scalars(sa.select(Event.city).distinct().order_by(Event.city)))
