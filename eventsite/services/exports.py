"""Guest list CSV: every column of the filtered list, streamed row by row from a column select.

Spreadsheet programs run a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection). Such text cells get a leading single quote ``'``, which
spreadsheets show as plain text; that prefix is the only change made to any value. Each custom
question of the event adds a column after the fixed ones (a removed question's header says so).
"""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import NamedTuple
from zoneinfo import ZoneInfo

from eventsite.models import Event
from eventsite.services import categories, questions
from eventsite.services.guest_list import SOURCES, GuestFilter, checked_in_times, guest_rows, queue_positions
from eventsite.services.spreadsheets import Line, local_iso, neutralise


class Context(NamedTuple):
    #: The event's zone: every time is written in it, with its offset.
    tz: ZoneInfo
    #: {rsvp id: waitlist place} for the waitlisted guests.
    positions: dict[int, int]
    #: {rsvp id: scan time} for the guests with a standing admission.
    checked_in: dict[int, dt.datetime]
    #: {category id: name} of the event's guest categories.
    category_names: dict[int, str]
    #: {rsvp id: {question id: answer}} to the event's custom questions.
    answers: dict = {}


#: (header, how to read the cell from a guest row and the Context).
COLUMNS = (
    ("RSVP id", lambda r, c: r.id),
    ("First name", lambda r, c: r.first_name),
    ("Last name", lambda r, c: r.last_name),
    ("Badge name", lambda r, c: r.badge_name),
    ("Pronouns", lambda r, c: r.pronouns),
    ("E-mail", lambda r, c: r.email),
    ("Program", lambda r, c: r.institution),
    ("Training level", lambda r, c: r.training_level.label),
    ("Category", lambda r, c: c.category_names.get(r.category_id, "")),
    ("Status", lambda r, c: r.status.value),
    ("Waitlist position", lambda r, c: c.positions.get(r.id, "")),
    ("Dietary notes", lambda r, c: r.dietary_notes),
    ("Accessibility notes", lambda r, c: r.accessibility_notes),
    ("Source", lambda r, c: SOURCES.get(r.source, r.source)),
    ("RSVP time", lambda r, c: local_iso(r.created_at, c.tz)),
    ("Confirmed at", lambda r, c: local_iso(r.confirmed_at, c.tz)),
    ("Cancelled or declined at", lambda r, c: local_iso(r.cancelled_at, c.tz)),
    ("Checked in", lambda r, c: "yes" if r.id in c.checked_in else "no"),
    ("Checked in at", lambda r, c: local_iso(c.checked_in.get(r.id), c.tz)),
)


def answer_columns(event: Event) -> list:
    """A column per custom question of the event, removed ones (with answers kept) included."""
    return [
        (questions.csv_header(q), lambda r, c, q=q: questions.csv_cell(q, c.answers.get(r.id, {}).get(q.id)))
        for q in questions.of_event(event, removed=True)
    ]


def csv_lines(rows: Iterable, context: Context, *, columns=COLUMNS, batch: int = 200) -> Iterator[str]:
    """The BOM and header, then the guest rows as CSV (RFC 4180 quoting, CRLF endings),
    ``batch`` lines per chunk: one chunk per line would cost more in the server than the rows."""
    writer = csv.writer(Line())
    yield "\ufeff" + writer.writerow([header for header, _ in columns])
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([neutralise(cell(row, context)) for _, cell in columns]))
        if len(chunk) >= batch:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def guest_csv(event: Event, f: GuestFilter) -> Iterator[str]:
    """The event's guests matching ``f`` (all pages, in the list's order) as chunks of CSV text.

    The query runs now, so a database error surfaces before any byte is sent; the lines are
    produced as the response is streamed. Encode as UTF-8 (the first line carries the BOM
    that makes spreadsheet programs read it as UTF-8).
    """
    names = {c.id: c.name for c in categories.of_event(event)}
    extra = answer_columns(event)
    answers = questions.answer_table(event) if extra else {}
    context = Context(event.tz, queue_positions(event), checked_in_times(event), names, answers)
    return csv_lines(guest_rows(event, f), context, columns=(*COLUMNS, *extra))
