"""Many guests at once, for the tests and benchmarks that need hundreds or thousands of them.

The factories (factories.py) go through the services, with a confirmation mail per guest, which
takes minutes for thousands; ``seed_guests`` writes the rows directly instead: one INSERT for
the RSVPs and, when asked, one for their check-ins. Nothing is mailed, locked or written to an
RSVP's history.

Tests import it as ``seeding`` (pytest puts tests/ on sys.path); benchmarks put tests/ on
sys.path first (``sys.path[:0] = [str(REPO), str(REPO / "tests")]``). Call it in an app
context; the caller commits.
"""

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, Event, Rsvp, RsvpStatus, utcnow
from eventsite.services import categories, tokens

#: The timestamp each status sets, as the services set it.
STATUS_SINCE = {
    RsvpStatus.CONFIRMED: "confirmed_at",
    RsvpStatus.WAITLISTED: "waitlisted_at",
    RsvpStatus.CANCELLED: "cancelled_at",
}


def _value(spec, i: int, event_id: int):
    """One column's value for guest ``i``: see ``seed_guests``."""
    if isinstance(spec, str):
        return spec.format(i=i, event_id=event_id) if "{" in spec else spec
    if isinstance(spec, Sequence):
        return spec[i % len(spec)]
    if callable(spec):
        return spec(i)
    return spec


def seed_guests(
    event_id: int, n: int, *, status=RsvpStatus.CONFIRMED, check_in_every: int | None = None, **columns
) -> list[int]:
    """Insert ``n`` RSVPs to event ``event_id``; return their ids in the order of ``i`` (0 … n-1).

    ``status`` and every other Rsvp column given may be
      - a str, formatted with ``i`` and ``event_id`` when it has braces: ``email="door{event_id}.{i}@example.org"``;
      - a list or tuple, taken in turn: ``institution=PROGRAMS`` gives guest i ``PROGRAMS[i % len(PROGRAMS)]``;
      - a function of ``i``: ``created_at=lambda i: start + i * MINUTE``;
      - anything else, used as it is.
    Columns not given: first_name "Guest{i}", last_name "Bulk", email
    "bulk{event_id}.{i}@example.org", email_key the e-mail casefolded, institution "UCLA
    Orthopaedic Surgery", training_level "pgy2", category_id the category of that level, a fresh manage token and badge code each,
    created_at now; updated_at and the status's own timestamp (confirmed_at, waitlisted_at or
    cancelled_at) are created_at unless given.

    ``check_in_every=k`` admits every k-th confirmed guest, in the order of ``i`` (1: every one):
    one admission each, scanned now.
    """
    now = utcnow()
    spec = {
        "first_name": "Guest{i}",
        "last_name": "Bulk",
        "email": "bulk{event_id}.{i}@example.org",
        "institution": "UCLA Orthopaedic Surgery",
        "training_level": "pgy2",
        "manage_token": lambda _i: secrets.token_urlsafe(32),
        "ticket_code": lambda _i: tokens.new_ticket_code(),
        "created_at": now,
        **columns,
        "status": status,
    }
    rows = []
    event = db.session.get(Event, event_id)
    category_of = functools.cache(lambda level: categories.for_level(event, level).id)
    for i in range(n):
        row = {column: _value(value, i, event_id) for column, value in spec.items()}
        row["event_id"] = event_id
        row["status"] = RsvpStatus(row["status"])
        row.setdefault("email_key", row["email"].casefold())
        row.setdefault("category_id", category_of(row["training_level"]))
        row.setdefault("updated_at", row["created_at"])
        for column in STATUS_SINCE.values():  # every row has the same keys: one batch, ids in order
            row.setdefault(column, row["created_at"] if column == STATUS_SINCE.get(row["status"]) else None)
        rows.append(row)
    if not rows:
        return []
    ids = list(db.session.scalars(sa.insert(Rsvp).returning(Rsvp.id, sort_by_parameter_order=True), rows))
    if check_in_every:
        confirmed = [rsvp_id for rsvp_id, row in zip(ids, rows, strict=True) if row["status"] == RsvpStatus.CONFIRMED]
        admitted = confirmed[::check_in_every]
        if admitted:
            db.session.execute(
                sa.insert(CheckIn),
                [dict(event_id=event_id, rsvp_id=rsvp_id, result=CheckInResult.ADMITTED) for rsvp_id in admitted],
            )
    return ids


def up_to_capacity(capacity: int, *, cancelled_every: int | None = None) -> Callable[[int], RsvpStatus]:
    """A ``status`` for seed_guests: the first ``capacity`` guests confirmed, the rest waitlisted,
    and every ``cancelled_every``-th guest (0, k, 2k …) cancelled instead."""

    def status(i: int) -> RsvpStatus:
        if cancelled_every and i % cancelled_every == 0:
            return RsvpStatus.CANCELLED
        return RsvpStatus.CONFIRMED if i < capacity else RsvpStatus.WAITLISTED

    return status


def minutes_apart(n: int, until: dt.datetime | None = None) -> Callable[[int], dt.datetime]:
    """A ``created_at`` for seed_guests: ``n`` RSVPs a minute apart, the last a minute before
    ``until`` (now), so sorting by RSVP time has something to sort."""
    end = until or utcnow()
    return lambda i: end - dt.timedelta(minutes=n - i)
