"""Organizer messages: one e-mail per guest of a segment, filled in per guest, sent via the outbox.

A segment is a fixed query (``segment_filter``) used for the counts, the preview guest and the
recipients alike, so what the compose screen says is who gets the message. The body is plain
text with a few ``{placeholders}``; anything else in braces that looks like a placeholder is
refused before a single e-mail is written.
"""

import dataclasses
import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup, escape

from eventsite.database import lock_event
from eventsite.extensions import db
from eventsite.models import (
    BulkKind,
    CheckIn,
    Event,
    Message,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    RsvpStatus,
    Segment,
    utcnow,
)
from eventsite.services import DomainError, ErrorCode, calendar, categories, links, mail, opt_outs

#: What each placeholder means, in the order the compose screen documents them.
PLACEHOLDERS = {
    "first_name": "the guest's first name",
    "badge_name": "the name on their badge (their first name if they gave none)",
    "event_title": "the event's title",
    "manage_link": "their private link to view, change or cancel their RSVP",
}
#: Anything in single braces that could be meant as a placeholder: {word}, { word }, {a.b}, {}.
_PLACEHOLDER_RE = re.compile(r"\{([^{}\n]{0,40})\}")
#: An identical message to the same segment within this time is taken for a double click.
DUPLICATE_WINDOW = dt.timedelta(minutes=10)
KIND = "organizer_message"

#: (one guest, several guests) in each segment, for "Send to 42 confirmed guests now".
SEGMENT_NOUNS = {
    Segment.CONFIRMED: ("confirmed guest", "confirmed guests"),
    Segment.WAITLISTED: ("waitlisted guest", "waitlisted guests"),
    Segment.PENDING: ("guest awaiting approval", "guests awaiting approval"),
    Segment.CHECKED_IN: ("guest who checked in", "guests who checked in"),
    Segment.NOT_CHECKED_IN: ("confirmed guest who has not checked in", "confirmed guests who have not checked in"),
    Segment.SELECTED: ("ticked guest", "ticked guests"),
}


def segment_noun(segment: Segment, n: int) -> str:
    """'1 confirmed guest', '42 guests who checked in'."""
    one, many = SEGMENT_NOUNS[Segment(segment)]
    return f"{n} {one if n == 1 else many}"


def _is_checked_in(event_id):
    """True for an RSVP with a standing admission (admitted and not undone) at its event."""
    return (
        sa.select(CheckIn.id)
        .where(
            CheckIn.rsvp_id == Rsvp.id,
            CheckIn.event_id == event_id,
            CheckIn.standing,
        )
        .exists()
    )


def segment_filter(event: Event, segment: Segment, category_id: int | None = None, picked: Sequence[int] = ()):
    """The WHERE clause selecting the event's RSVPs in ``segment`` (and guest category, if given);
    SELECTED is the ``picked`` RSVPs (ticked on the guest list)."""
    # An anonymised guest (services.privacy) has no address left to write to.
    of_event = sa.and_(Rsvp.event_id == event.id, Rsvp.anonymised_at.is_(None))
    if category_id:
        of_event = sa.and_(of_event, Rsvp.category_id == category_id)
    match Segment(segment):
        case Segment.CONFIRMED:
            return sa.and_(of_event, Rsvp.status == RsvpStatus.CONFIRMED)
        case Segment.WAITLISTED:
            return sa.and_(of_event, Rsvp.status == RsvpStatus.WAITLISTED)
        case Segment.PENDING:
            return sa.and_(of_event, Rsvp.status == RsvpStatus.PENDING)
        case Segment.CHECKED_IN:
            return sa.and_(of_event, _is_checked_in(event.id))
        case Segment.NOT_CHECKED_IN:
            return sa.and_(of_event, Rsvp.status == RsvpStatus.CONFIRMED, ~_is_checked_in(event.id))
        case Segment.SELECTED:
            return sa.and_(of_event, Rsvp.id.in_(list(picked))) if picked else sa.false()


def segment_counts(event: Event, category_id: int | None = None, picked: Sequence[int] = ()) -> dict[Segment, int]:
    """How many guests each segment (of the category, if given) has right now (one query)."""
    columns = [
        sa.func.count(sa.case((segment_filter(event, s, category_id, picked), Rsvp.id))).label(s.value) for s in Segment
    ]
    row = db.session.execute(sa.select(*columns).where(Rsvp.event_id == event.id)).one()
    return {s: row._mapping[s.value] for s in Segment}


def _name_key(name: str) -> str:
    """'Élodie' sorts with 'Elodie', 'bea' with 'Bea'."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def segment_guests(
    event: Event, segment: Segment, category_id: int | None = None, picked: Sequence[int] = ()
) -> list[Rsvp]:
    """The guests in ``segment`` (and the category, if given), ordered by name (first name, then
    last name; case and accents aside)."""
    guests = db.session.scalars(sa.select(Rsvp).where(segment_filter(event, segment, category_id, picked)))
    # Sorted here, not in SQL: both databases' collations differ on case and accents.
    return sorted(guests, key=lambda r: (_name_key(r.first_name), _name_key(r.last_name), r.id))


def check_placeholders(text: str, *, field: str) -> None:
    """Raise DomainError ``unknown_placeholder`` (on ``field``) for a {name} we can't fill."""
    for match in _PLACEHOLDER_RE.finditer(text):
        name = match.group(1).strip()
        if name in PLACEHOLDERS:
            continue
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        guess = difflib.get_close_matches(name.lower().replace(" ", "_"), PLACEHOLDERS, n=1, cutoff=0.6)
        hint = f" Did you mean {{{guess[0]}}}?" if guess else ""
        raise DomainError(
            f"{match.group(0)} is not a placeholder we can fill.{hint} Use {known}, or remove the braces.",
            ErrorCode.UNKNOWN_PLACEHOLDER,
            field,
        )


def fill(text: str, event: Event, rsvp: Rsvp) -> str:
    """``text`` with each placeholder replaced by this guest's value; other text is left alone."""
    values = {
        "first_name": rsvp.first_name,
        "badge_name": rsvp.display_name,
        "event_title": event.title,
        "manage_link": links.manage_url(rsvp),
    }

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        return values[name] if name in values else match.group(0)

    return _PLACEHOLDER_RE.sub(replace, text)


_URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")


def text_to_html(text: str) -> Markup:
    """Plain text as e-mail HTML: paragraphs at blank lines, line breaks kept, links clickable."""

    def line_html(line: str) -> str:
        out, last = [], 0
        for match in _URL_RE.finditer(line):
            url = match.group(0)
            out += [
                escape(line[last : match.start()]),
                Markup('<a href="{0}" style="color:#0b5f7a;word-break:break-all;">{0}</a>').format(url),
            ]
            last = match.end()
        out.append(escape(line[last:]))
        return "".join(str(part) for part in out)

    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    return Markup("".join("<p>" + "<br>".join(line_html(line) for line in p.split("\n")) + "</p>" for p in paragraphs))


def normalise_body(body: str) -> str:
    """Browsers post CRLF; store and compare the text with plain newlines, no trailing space."""
    return body.replace("\r\n", "\n").rstrip()


def _context(event: Event, rsvp: Rsvp, body: str) -> dict:
    """What the organizer_message templates get (the same for the preview and the outbox)."""
    text = fill(body, event, rsvp)
    return dict(
        rsvp=rsvp,
        event=event,
        message_kind=KIND,
        body_text=text,
        body_html=text_to_html(text),
        manage_url=links.manage_url(rsvp),
        event_url=links.event_url(event),
    )


def _check(event: Event, segment: Segment, subject: str, body: str, category_id: int | None, picked=()) -> list[Rsvp]:
    check_placeholders(subject, field="subject")
    check_placeholders(body, field="body")
    guests = segment_guests(event, segment, category_id, picked)
    if not guests:
        raise DomainError(
            f"Nobody is in this group yet: there are no {SEGMENT_NOUNS[Segment(segment)][1]}. Pick another group.",
            ErrorCode.EMPTY_SEGMENT,
            "segment",
        )
    return guests


@dataclasses.dataclass(frozen=True)
class Preview:
    rsvp: Rsvp
    #: Everyone the message would go to right now.
    recipients: int
    #: Of them, how many unsubscribed from organizers' messages: they are left out.
    unsubscribed: int
    to: str
    subject: str
    text: str
    html: str
    attachments: list[str]


def preview_message(
    event: Event, *, segment: Segment, subject: str, body: str, category_id: int | None = None,
    picked: Sequence[int] = (),
) -> Preview:  # fmt: skip
    """Render the message exactly as the first guest of ``segment`` by name would get it.

    Writes nothing. Raises DomainError ``unknown_placeholder`` (field subject or body) and
    ``empty_segment`` (field segment).
    """
    body = normalise_body(body)
    guests = _check(event, segment, subject, body, category_id, picked)
    rsvp = guests[0]
    filled_subject = fill(subject, event, rsvp).strip()
    context = _context(event, rsvp, body)
    context.update(opt_outs.bulk_extras(rsvp.email, BulkKind.MESSAGES)[0])  # the footer mail.queue_message adds
    return Preview(
        rsvp=rsvp,
        recipients=len(guests),
        unsubscribed=len(opt_outs.opted_out((g.email_key for g in guests), BulkKind.MESSAGES)),
        to=rsvp.email,
        subject=filled_subject,
        text=render_template(f"emails/{KIND}.txt", **context),
        html=render_template(f"emails/{KIND}.html", subject=filled_subject, **context),
        attachments=["event.ics"] if rsvp.is_live else [],
    )


def send_message(
    event: Event,
    *,
    segment: Segment,
    subject: str,
    body: str,
    sent_by: str,
    confirmed_count: int | None,
    category_id: int | None = None,
    picked: Sequence[int] = (),
    now: dt.datetime | None = None,
) -> Message:
    """Write the Message and one outbox e-mail per guest of ``segment`` (only those of guest
    category ``category_id``, if given; calendar attached for live guests), all in the caller's
    transaction.

    ``confirmed_count`` is the number of recipients the organizer saw and confirmed; None means
    they did not confirm. Raises DomainError ``unknown_placeholder`` (field subject or body),
    ``empty_segment`` (field segment), ``not_confirmed`` and ``recipients_changed`` (field
    confirm), ``duplicate`` (the same message to the same group minutes ago: a double click).
    """
    now = now or utcnow()
    segment = Segment(segment)
    body = normalise_body(body)
    lock_event(event.id)  # RSVP changes wait, so the confirmed count is the count we send to
    category_id = category_id if category_id in {c.id for c in categories.of_event(event)} else None
    picked = sorted(set(picked)) if segment == Segment.SELECTED else []
    guests = _check(event, segment, subject, body, category_id, picked)
    if confirmed_count is None:
        raise DomainError(
            f"Tick the box to confirm sending to {segment_noun(segment, len(guests))}.",
            ErrorCode.NOT_CONFIRMED,
            "confirm",
        )
    if confirmed_count != len(guests):
        raise DomainError(
            f"The group changed since you looked: it now has {segment_noun(segment, len(guests))}. "
            "Tick the box again to send to them.",
            ErrorCode.RECIPIENTS_CHANGED,
            "confirm",
        )
    recent = db.session.scalars(
        sa.select(Message.picked).where(
            Message.event_id == event.id,
            Message.segment == segment,
            Message.category_id.is_(None) if category_id is None else Message.category_id == category_id,
            Message.subject == subject.strip(),
            Message.body == body,
            Message.created_at >= now - DUPLICATE_WINDOW,
        )
    )
    if any(list(earlier or []) == picked for earlier in recent):
        raise DomainError(
            "You sent this exact message to this group a few minutes ago, so it was not sent again.",
            ErrorCode.DUPLICATE,
        )
    # Guests who unsubscribed from organizers' messages are left out (the preview said how many).
    unsubscribed = opt_outs.opted_out((g.email_key for g in guests), BulkKind.MESSAGES)
    guests = [g for g in guests if g.email_key not in unsubscribed]
    if not guests:
        raise DomainError(
            "Everyone in this group has unsubscribed from organizers' messages, so nobody would get it.",
            ErrorCode.EMPTY_SEGMENT,
            "segment",
        )
    message = Message(
        event_id=event.id,
        segment=segment,
        category_id=category_id,
        picked=picked,
        subject=subject.strip(),
        body=body,
        sent_by=sent_by,
        recipients=len(guests),
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    ics = calendar.event_ics(event, url=links.event_url(event), base_url=links.base_url()).decode()
    for rsvp in guests:
        filled_subject = fill(message.subject, event, rsvp).strip()
        attachments = [{"filename": "event.ics", "mimetype": "text/calendar", "content": ics}] if rsvp.is_live else []
        queued = mail.queue_message(
            to=rsvp.email,
            kind=KIND,
            subject=filled_subject,
            template=KIND,
            attachments=attachments,
            bulk=BulkKind.MESSAGES,
            **_context(event, rsvp, body),
        )
        queued.message_id = message.id
    db.session.flush()
    return message


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    message: Message
    delivered: int = 0
    failed: int = 0
    waiting: int = 0
    #: Of the waiting ones, how many already failed at least once and will be retried.
    retrying: int = 0


def message_history(event: Event) -> list[HistoryRow]:
    """The event's sent messages, newest first, with their delivery counts (two queries)."""
    sent = db.session.scalars(
        sa.select(Message).where(Message.event_id == event.id).order_by(Message.created_at.desc(), Message.id.desc())
    ).all()
    if not sent:
        return []
    retried = OutboxMessage.attempts > 0
    rows = db.session.execute(
        sa.select(OutboxMessage.message_id, OutboxMessage.status, retried.label("retried"), sa.func.count())
        .where(OutboxMessage.message_id.in_([m.id for m in sent]))
        .group_by(OutboxMessage.message_id, OutboxMessage.status, retried)
    ).all()
    tally: dict[int, dict[str, int]] = {m.id: {"delivered": 0, "failed": 0, "waiting": 0, "retrying": 0} for m in sent}
    for message_id, status, was_retried, n in rows:
        counts = tally[message_id]
        if status == OutboxStatus.SENT:
            counts["delivered"] += n
        elif status == OutboxStatus.FAILED:
            counts["failed"] += n
        else:
            counts["waiting"] += n
            if was_retried:
                counts["retrying"] += n
    return [HistoryRow(message=m, **tally[m.id]) for m in sent]
