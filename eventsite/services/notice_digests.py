"""The timed notices to the team, queued by ``flask jobs run``: the daily digests (approval
requests, undeliverable e-mails, the RSVP digest) at DIGEST_HOUR in each event's time zone, and
the door's summary SUMMARY_DELAY after an event ends. Each goes once: a digest per member,
event, kind and local day, each item in it once per member (``notifications.first_time``), the
summary once per member and event. A digest with nothing new is not sent."""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.formatting import clock
from eventsite.models import (
    CheckIn,
    CheckInResult,
    Event,
    EventStatus,
    NotificationSent,
    Organizer,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    RsvpAction,
    RsvpChange,
    RsvpStatus,
)
from eventsite.services import notifications
from eventsite.services.capacity import place_counts
from eventsite.services.notifications import Notice, NoticeKind, admin_url
from eventsite.services.walk_ins import WALK_IN

#: Digests leave at this hour (local to the event) or at the first run after it.
DIGEST_HOUR = 8
#: The door's summary leaves this long after the event's end, when the last scans are in.
SUMMARY_DELAY = dt.timedelta(hours=1)
#: Events whose end lies further back get no digest or summary (a site that was down for a week
#: does not mail a pile of stale news when it comes back).
STALE_AFTER = dt.timedelta(days=3)
#: A digest lists at most this many items, then says how many more.
MAX_LINES = 20


def send_due(now: dt.datetime) -> int:
    """Queue every digest and summary now due; the number of e-mails queued."""
    events = db.session.scalars(
        sa.select(Event).where(Event.status == EventStatus.PUBLISHED, Event.ends_at > now - STALE_AFTER)
    ).all()
    queued = 0
    for event in events:
        local = now.astimezone(event.tz)
        if local.hour >= DIGEST_HOUR:
            queued += _digests(event, f"day:{local.date().isoformat()}", now)
        if event.ends_at + SUMMARY_DELAY <= now:
            queued += _door_summary(event)
    return queued


def _digests(event: Event, day: str, now: dt.datetime) -> int:
    queued = 0
    for kind, compose in (
        (NoticeKind.APPROVALS, _approvals),
        (NoticeKind.FAILED, _failures),
        (NoticeKind.DIGEST, _rsvps),
    ):
        for member in notifications.recipients(event, kind, "daily"):
            if not notifications.first_time(member, event, kind, day):
                continue  # today's went out already: no look-up of the last one every minute
            since = _last_digest(member, event, kind, before=day) or now - dt.timedelta(days=1)
            notice = compose(member, event, since)
            if notice is not None:
                notifications.send(member, event, kind, notice)
                queued += 1
    return queued


def _last_digest(member: Organizer, event: Event, kind: NoticeKind, *, before: str) -> dt.datetime | None:
    """When the member's previous digest of this kind went (``before``: today's key, left out)."""
    return db.session.scalar(
        sa.select(sa.func.max(NotificationSent.at)).where(
            NotificationSent.organizer_id == member.id,
            NotificationSent.event_id == event.id,
            NotificationSent.kind == kind.value,
            NotificationSent.key.like("day:%"),
            NotificationSent.key != before,
        )
    )


def _untold(member: Organizer, event: Event, kind: NoticeKind, items: list, key) -> list:
    """The items this member was not told of yet, each marked told."""
    return [item for item in items if notifications.first_time(member, event, kind, key(item))]


def _listed(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LINES:
        return tuple(lines)
    return (*lines[:MAX_LINES], f"and {len(lines) - MAX_LINES} more")


def _approvals(member: Organizer, event: Event, since: dt.datetime) -> Notice | None:
    pending = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.PENDING).order_by(Rsvp.created_at)
    ).all()
    new = _untold(member, event, NoticeKind.APPROVALS, pending, lambda r: f"rsvp:{r.id}")
    if not new:
        return None
    return Notice(
        f"{_count(len(new), 'approval request')}: {event.title}",
        f"{_count(len(new), 'guest')} asked to come to {event.title} since the last digest; "
        f"{len(pending)} in all await your answer.",
        admin_url(f"/events/{event.id}/guests?status=pending"),
        "See the pending guests",
        _listed([f"{r.full_name} ({r.institution})" for r in new]),
    )


def _failures(member: Organizer, event: Event, since: dt.datetime) -> Notice | None:
    failed = db.session.scalars(
        sa.select(OutboxMessage)
        .join(Rsvp, Rsvp.id == OutboxMessage.rsvp_id)
        .where(Rsvp.event_id == event.id, OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id)
    ).all()
    new = _untold(member, event, NoticeKind.FAILED, failed, lambda m: f"outbox:{m.id}")
    if not new:
        return None
    return Notice(
        f"{_count(len(new), 'e-mail')} not delivered: {event.title}",
        f"{_count(len(new), 'e-mail')} to guests of {event.title} could not be delivered. "
        "Check these addresses with the guests.",
        admin_url(f"/events/{event.id}/messages"),
        "See the messages",
        _listed([notifications.failure_line(m) for m in new]),
    )


def _rsvps(member: Organizer, event: Event, since: dt.datetime) -> Notice | None:
    if event.ends_at <= since:
        return None
    changes = dict(
        db.session.execute(
            sa.select(RsvpChange.action, sa.func.count())
            .join(Rsvp, Rsvp.id == RsvpChange.rsvp_id)
            .where(
                Rsvp.event_id == event.id,
                RsvpChange.created_at > since,
                RsvpChange.action.in_([RsvpAction.CREATED, RsvpAction.CANCELLED, RsvpAction.WAITLISTED]),
            )
            .group_by(RsvpChange.action)
        )
        .tuples()
        .all()
    )
    if not changes:
        return None
    counts = place_counts(event)
    places = f" of {counts.capacity}" if counts.capacity is not None else ""
    return Notice(
        f"RSVPs today: {event.title}",
        f"Since the last digest, {event.title} had {_count(changes.get(RsvpAction.CREATED, 0), 'new RSVP')}, "
        f"{_count(changes.get(RsvpAction.CANCELLED, 0), 'cancellation')} and "
        f"{changes.get(RsvpAction.WAITLISTED, 0)} moved to the waitlist.",
        admin_url(f"/events/{event.id}"),
        "See the event",
        (
            f"Confirmed: {counts.confirmed}{places}",
            f"Waitlisted: {counts.waitlisted}",
            f"Awaiting approval: {counts.pending}",
        ),
    )


def _door_summary(event: Event) -> int:
    members = [
        m
        for m in notifications.recipients(event, NoticeKind.DOOR)
        if notifications.first_time(m, event, NoticeKind.DOOR, "summary")
    ]
    if not members:
        return 0
    notice = door_summary(event)
    for member in members:
        notifications.send(member, event, NoticeKind.DOOR, notice)
    return len(members)


def door_summary(event: Event) -> Notice:
    """The evening at the door, in figures a viewer may read: no guest's name or address."""
    scans = db.session.execute(
        sa.select(CheckIn, Rsvp.source).outerjoin(Rsvp, Rsvp.id == CheckIn.rsvp_id).where(CheckIn.event_id == event.id)
    ).all()
    admitted = [source for scan, source in scans if scan.standing]
    walk_ins = admitted.count(WALK_IN)
    came = len(admitted) - walk_ins
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(
            Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED, Rsvp.source != WALK_IN
        )
    )
    lines = [
        f"Checked in: {len(admitted)} ({came} of {confirmed} confirmed guests, {_count(walk_ins, 'walk-in')})",
        f"No-shows: {max(confirmed - came, 0)}",
        f"Scans refused: {sum(1 for scan, _ in scans if scan.result == CheckInResult.REJECTED)}",
    ]
    if scans:
        first, last = min(scan.at for scan, _ in scans), max(scan.at for scan, _ in scans)
        lines.insert(0, f"Door open from {clock(first.astimezone(event.tz))} to {clock(last.astimezone(event.tz))} "
                     f"({', '.join(sorted({scan.door for scan, _ in scans if scan.door})) or 'one door'})")  # fmt: skip
    else:
        lines.insert(0, "No badge was scanned at the door.")
    return Notice(
        f"At the door: {event.title}",
        f"How the door went at {event.title}.",
        admin_url(f"/events/{event.id}"),
        "See the event",
        tuple(lines),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
