"""The organizer's guest list: filtering, sorting and paging the guests of an event, the rows
the CSV export reads, and the waitlist places and check-in times shown beside them.

Every page costs the same few queries whatever the guest count (see ``guest_page``).
"""

import dataclasses
import datetime as dt
import math
import unicodedata
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from eventsite.extensions import db
from eventsite.models import CheckIn, Event, Rsvp, RsvpStatus, TrainingLevel
from eventsite.services.guest_details import INSTITUTION_KEY

PER_PAGE = 50

#: Rsvp.source values with their labels, as the guest list, the guest's page and the CSV show them.
SOURCES = {"rsvp": "RSVP form", "organizer": "Added by organizer", "walk_in": "Walk-in"}


class unicode_lower(FunctionElement):
    """lower() that folds every script: PostgreSQL's own, a Python function on SQLite
    (registered in ``eventsite.database``; SQLite's built-in folds ASCII only)."""

    type = sa.String()
    inherit_cache = True
    name = "unicode_lower"


@compiles(unicode_lower)
def _lower_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _lower_sqlite(element, compiler, **kw):
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def _order_of(column, values) -> sa.Case:
    return sa.case({value: i for i, value in enumerate(values)}, value=column, else_=len(values))


#: Status order for sorting: who holds a place first, then who is waiting, then who left.
STATUS_ORDER = (
    RsvpStatus.CONFIRMED,
    RsvpStatus.OFFERED,
    RsvpStatus.WAITLISTED,
    RsvpStatus.PENDING,
    RsvpStatus.DECLINED,
    RsvpStatus.CANCELLED,
)
#: ?sort= value -> (column heading, sort keys). The values are links people keep, so the
#: institution's stays "program" (guest_details.INSTITUTION_KEY).
SORTS = {
    "name": ("Name", lambda: (unicode_lower(Rsvp.last_name), unicode_lower(Rsvp.first_name))),
    "status": ("Status", lambda: (_order_of(Rsvp.status, STATUS_ORDER),)),
    "level": ("Level", lambda: (_order_of(Rsvp.training_level, list(TrainingLevel)),)),
    INSTITUTION_KEY: ("Program", lambda: (unicode_lower(Rsvp.institution),)),
    "rsvp_time": ("RSVP time", lambda: (Rsvp.created_at,)),
}


@dataclasses.dataclass(frozen=True)
class GuestFilter:
    """What the organizer asked the guest list for; built from query arguments, never trusted."""

    q: str = ""
    status: RsvpStatus | None = None
    level: TrainingLevel | None = None
    #: A guest category id (of any event: one of another event simply matches nobody).
    category: int | None = None
    #: Only these guests (the list's ticked rows, downloaded as CSV).
    ids: tuple[int, ...] = ()
    sort: str = "name"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "GuestFilter":
        """Read q, status, level, category, sort, dir (asc|desc) and page; unknown values fall
        back to defaults."""
        status = args.get("status", "")
        level = args.get("level", "")
        sort = args.get("sort", "name")
        try:
            page = max(int(args.get("page", 1)), 1)
        except ValueError:
            page = 1
        return cls(
            q=" ".join(args.get("q", "").split())[:200],
            status=RsvpStatus(status) if status in {s.value for s in RsvpStatus} else None,
            level=TrainingLevel(level) if level in {lv.value for lv in TrainingLevel} else None,
            category=int(args["category"]) if args.get("category", "").isdigit() else None,
            ids=tuple(int(i) for i in getattr(args, "getlist", lambda _: [])("rsvp_ids") if i.isdigit())[:5000],
            sort=sort if sort in SORTS else "name",
            descending=args.get("dir") == "desc",
            page=page,
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.status or self.level or self.category)

    def args(self, **changes) -> dict[str, str | int]:
        """Query arguments that reproduce this filter (defaults left out), with ``changes`` applied."""
        values = dataclasses.replace(self, **changes)
        return list_args(
            values,
            status=values.status.value if values.status else "",
            level=values.level.value if values.level else "",
            category=values.category,
        )


def list_args(values, **filters) -> dict[str, str | int]:
    """The query arguments of a list's filter (the guest list's, People's): the search, then the
    ``filters`` that are set, in their order, then the sort (by name unless said), the direction
    and the page; defaults are left out, so a plain list has a plain URL."""
    out: dict[str, str | int] = {"q": values.q} if values.q else {}
    out.update((name, value) for name, value in filters.items() if value)
    if values.sort != "name":
        out["sort"] = values.sort
    if values.descending:
        out["dir"] = "desc"
    if values.page > 1:
        out["page"] = values.page
    return out


def _conditions(event: Event, f: GuestFilter) -> list:
    where = [Rsvp.event_id == event.id]
    if f.status:
        where.append(Rsvp.status == f.status)
    if f.level:
        where.append(Rsvp.training_level == f.level)
    if f.category:
        where.append(Rsvp.category_id == f.category)
    if f.ids:
        where.append(Rsvp.id.in_(f.ids))
    full_name = Rsvp.first_name + " " + Rsvp.last_name
    # Every word must appear somewhere: "lopez ucla" finds Maria Lopez from UCLA.
    for word in unicodedata.normalize("NFC", f.q).lower().split():
        where.append(
            sa.or_(
                Rsvp.email_key.contains(word, autoescape=True),  # already case-folded
                *(
                    unicode_lower(column).contains(word, autoescape=True)
                    for column in (full_name, Rsvp.badge_name, Rsvp.institution)
                ),
            )
        )
    return where


def _row_select():
    """The guest columns the list and the CSV show (a column select: no ORM objects)."""
    return sa.select(
        Rsvp.id,
        Rsvp.first_name,
        Rsvp.last_name,
        Rsvp.badge_name,
        Rsvp.pronouns,
        Rsvp.email,
        Rsvp.institution,
        Rsvp.training_level,
        Rsvp.category_id,
        Rsvp.status,
        Rsvp.dietary_notes,
        Rsvp.accessibility_notes,
        Rsvp.source,
        Rsvp.created_at,
        Rsvp.confirmed_at,
        Rsvp.cancelled_at,
    )


def checked_in_times(event: Event, ids: list[int] | None = None) -> dict[int, dt.datetime]:
    """{rsvp id: scan time} of the standing admissions (admitted, not undone), or only for ``ids``.

    A separate query rather than a join: with stale statistics (just after a bulk import)
    PostgreSQL picks a nested loop for the join that costs half a second at 5,000 guests.
    """
    query = sa.select(CheckIn.rsvp_id, CheckIn.at).where(
        CheckIn.event_id == event.id,
        CheckIn.standing,
        CheckIn.rsvp_id.is_not(None),
    )
    if ids is not None:  # even when empty: the page's query count stays the same
        query = query.where(CheckIn.rsvp_id.in_(ids))
    return dict(db.session.execute(query).tuples().all())


def queue_positions(event: Event, ids: list[int] | None = None) -> dict[int, int]:
    """{rsvp id: place in the waitlist (1 = next)} for the event's queue, or only for ``ids``.

    One query; a separate one because joining the numbered queue to every guest row makes
    SQLite rescan the queue for each row.
    """
    queue = (
        sa.select(
            Rsvp.id.label("rsvp_id"),
            sa.func.row_number().over(order_by=(Rsvp.waitlisted_at, Rsvp.id)).label("position"),
        )
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .subquery("queue")
    )
    query = sa.select(queue.c.rsvp_id, queue.c.position)
    if ids is not None:  # even when empty: the page's query count stays the same
        query = query.where(queue.c.rsvp_id.in_(ids))
    return dict(db.session.execute(query).tuples().all())


def _ordered(query, f: GuestFilter):
    keys = [*SORTS[f.sort][1](), Rsvp.id]
    return query.order_by(*(key.desc() if f.descending else key.asc() for key in keys))


class Paged:
    """Page arithmetic for a listing with ``total``, ``page``, ``pages`` and ``per_page`` (the
    guest list here, the People page in services/people.py)."""

    total: int
    page: int
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """1 … 4 5 [6] 7 8 … 20: the first, the last and a window; None marks a gap."""
        keep = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in keep:
                numbers.append(n)
            elif numbers and numbers[-1] is not None:
                numbers.append(None)
        return numbers


@dataclasses.dataclass(frozen=True)
class GuestPage(Paged):
    rows: list  # Row objects with the columns of _row_select
    #: Waitlist places of the waitlisted guests on this page.
    positions: dict[int, int]
    #: Check-in times of the guests on this page who were admitted.
    checked_in: dict[int, dt.datetime]
    total: int
    page: int
    pages: int
    per_page: int


def guest_page(event: Event, f: GuestFilter, *, per_page: int = PER_PAGE) -> GuestPage:
    """One page of the event's guests matching ``f``, in four queries whatever the guest count.

    A page past the end shows the last page.
    """
    where = _conditions(event, f)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(*where))
    pages = max(math.ceil(total / per_page), 1)
    page = min(f.page, pages)
    query = _ordered(_row_select().where(*where), f).limit(per_page).offset((page - 1) * per_page)
    rows = db.session.execute(query).all()
    return GuestPage(
        rows=rows,
        positions=queue_positions(event, [r.id for r in rows if r.status == RsvpStatus.WAITLISTED]),
        checked_in=checked_in_times(event, [r.id for r in rows]),
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
    )


def guest_rows(event: Event, f: GuestFilter):
    """Every guest matching ``f`` (page ignored) as column rows, for the CSV export."""
    return db.session.execute(_ordered(_row_select().where(*_conditions(event, f)), f))


def checked_in_at(rsvp: Rsvp) -> dt.datetime | None:
    """When the guest's standing admission was scanned, or None."""
    return checked_in_times(rsvp.event, [rsvp.id]).get(rsvp.id)
