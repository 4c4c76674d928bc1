"""Reading the activity log (issue 14): filter by person, kind and dates, newest first, a page
at a time, and the CSV. Entries name guests only by their RSVP ("rsvp:12"): a guest's name is
looked up when shown, so when retention anonymises the guest, the log shows nobody either."""

import csv
import dataclasses
import datetime as dt
import math
from collections.abc import Iterator, Mapping

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import ActivityEntry, Event, Organizer, Rsvp
from eventsite.services import spreadsheets
from eventsite.services.activity import ActivityKind
from eventsite.services.guest_list import Paged

PER_PAGE = 50


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class ActivityFilter:
    """What the page was asked for; built from query arguments, never trusted."""

    person: str = ""
    kind: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "ActivityFilter":
        try:
            page = max(int(args.get("page", 1)), 1)
        except ValueError:
            page = 1
        kind = args.get("kind", "")
        return cls(
            person=args.get("person", "").strip().lower()[:254],
            kind=kind if kind in ActivityKind.__members__.values() else "",
            since=_date(args.get("since")),
            until=_date(args.get("until")),
            page=page,
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.person or self.kind or self.since or self.until)

    def args(self, **changes) -> dict[str, str | int]:
        values = dataclasses.replace(self, **changes)
        out: dict[str, str | int] = {}
        for name in ("person", "kind"):
            if getattr(values, name):
                out[name] = getattr(values, name)
        for name in ("since", "until"):
            if getattr(values, name):
                out[name] = getattr(values, name).isoformat()
        if values.page > 1:
            out["page"] = values.page
        return out


@dataclasses.dataclass(frozen=True)
class Line:
    entry: ActivityEntry
    event_title: str
    guest: str  #: the guest's name now ("" when not about a guest; "a deleted guest" once anonymised)
    guest_id: int | None


@dataclasses.dataclass(frozen=True)
class ActivityPage(Paged):
    lines: list[Line]
    total: int
    page: int
    pages: int
    per_page: int


def _query(f: ActivityFilter, event_id: int | None):
    query = sa.select(ActivityEntry)
    if event_id is not None:
        query = query.where(ActivityEntry.event_id == event_id)
    if f.person:
        query = query.where(ActivityEntry.actor == f.person)
    if f.kind:
        query = query.where(ActivityEntry.kind == f.kind)
    if f.since:
        query = query.where(ActivityEntry.at >= dt.datetime.combine(f.since, dt.time(), dt.UTC))
    if f.until:
        query = query.where(ActivityEntry.at < dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time(), dt.UTC))
    return query


def _lines(entries: list[ActivityEntry]) -> list[Line]:
    event_ids = {e.event_id for e in entries if e.event_id}
    titles = dict(db.session.execute(sa.select(Event.id, Event.title).where(Event.id.in_(event_ids))).tuples().all())
    rsvp_ids = {int(e.subject.split(":")[1]) for e in entries if e.subject.startswith("rsvp:")}
    guests = {
        r.id: ("a guest whose data was deleted" if r.anonymised_at else f"{r.first_name} {r.last_name}")
        for r in db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(rsvp_ids)))
    }
    lines = []
    for e in entries:
        rsvp_id = int(e.subject.split(":")[1]) if e.subject.startswith("rsvp:") else None
        lines.append(Line(e, titles.get(e.event_id, ""), guests.get(rsvp_id, ""), rsvp_id))
    return lines


def activity_page(f: ActivityFilter, event_id: int | None = None) -> ActivityPage:
    query = _query(f, event_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(f.page, pages)
    entries = db.session.scalars(
        query.order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return ActivityPage(total=total, page=page, pages=pages, per_page=PER_PAGE, lines=_lines(list(entries)))


def people(event_id: int | None = None) -> list[str]:
    """The members who appear in the log (for the person filter)."""
    query = sa.select(ActivityEntry.actor).distinct().where(ActivityEntry.actor != "")
    if event_id is not None:
        query = query.where(ActivityEntry.event_id == event_id)
    return sorted(db.session.scalars(query))


def changes_text(changes: dict) -> str:
    return "; ".join(f"{field}: {before} → {after}" for field, (before, after) in changes.items())


def activity_csv(f: ActivityFilter, event_id: int | None = None) -> Iterator[str]:
    """The filtered log as CSV lines (UTF-8 with BOM for spreadsheets), newest first, in batches."""
    writer = csv.writer(spreadsheets.Line())
    yield "\ufeff" + writer.writerow(["When (UTC)", "Who", "Event", "What", "About", "Changes"])
    query = _query(f, event_id).order_by(ActivityEntry.at.desc(), ActivityEntry.id.desc())
    offset = 0
    while batch := db.session.scalars(query.offset(offset).limit(500)).all():
        for line in _lines(list(batch)):
            e = line.entry
            cells = [e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, line.event_title, e.summary,
                     line.guest or e.subject, changes_text(e.changes)]  # fmt: skip
            yield writer.writerow([spreadsheets.neutralise(c) for c in cells])
        offset += len(batch)


def member_names() -> dict[str, str]:
    return dict(db.session.execute(sa.select(Organizer.email, Organizer.name)).tuples().all())
