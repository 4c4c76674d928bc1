"""Notices to the team (issue 14): an e-mail to each member who wants it when something needs
them or changed the event's shape, sent through the outbox like every e-mail.

Kinds (NoticeKind): a new approval request, the event becoming full (or its first waitlisted
guest), an e-mail to a guest that failed for good, a daily RSVP digest, and the door's summary
after the event. Each member chooses per event and per kind among the kind's modes ("instant",
"daily", "off"; no row: the kind's default). Every notice carries a one-click link, also as the
List-Unsubscribe header (RFC 8058), that turns that kind off for that event, and a notice
happens once (NotificationSent). Who gets one: members who may see the event; a notice naming a
guest only those who may manage it (never a viewer). Instant notices are queued here, in the
transaction of what caused them; the daily digests and the door summary by
``services.notice_digests`` from ``flask jobs run``."""

import dataclasses
import enum

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventAssignment,
    NotificationPreference,
    NotificationSent,
    Organizer,
    OrganizerRole,
    OutboxMessage,
    Rsvp,
    RsvpStatus,
    utcnow,
)
from eventsite.services import links, mail


class NoticeKind(enum.StrEnum):
    APPROVALS = "approvals"  #: a guest asks to come to an event that needs approval
    FULL = "full"  #: the event became full, or its first guest went on the waitlist
    FAILED = "failed"  #: an e-mail to a guest of the event failed for good
    DIGEST = "digest"  #: a daily digest of RSVPs: new, cancelled, waitlisted, and the figures
    DOOR = "door"  #: after the event: when the door opened and closed, who came

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def modes(self) -> tuple[str, ...]:
        return MODES[self]

    def mode_label(self, mode: str) -> str:
        return "After the event" if self is NoticeKind.DOOR and mode == "instant" else MODE_LABELS[mode]


LABELS = {
    NoticeKind.APPROVALS: "Approval requests",
    NoticeKind.FULL: "The event is full",
    NoticeKind.FAILED: "Undelivered e-mails",
    NoticeKind.DIGEST: "Daily RSVP digest",
    NoticeKind.DOOR: "Door summary",
}
MODE_LABELS = {"instant": "At once", "daily": "Daily digest", "off": "Off"}
MODES = {
    NoticeKind.APPROVALS: ("instant", "daily", "off"),
    NoticeKind.FULL: ("instant", "off"),
    NoticeKind.FAILED: ("instant", "daily", "off"),
    NoticeKind.DIGEST: ("daily", "off"),
    NoticeKind.DOOR: ("instant", "off"),
}
DEFAULTS = {
    NoticeKind.APPROVALS: "instant",
    NoticeKind.FULL: "instant",
    NoticeKind.FAILED: "instant",
    NoticeKind.DIGEST: "off",
    NoticeKind.DOOR: "instant",
}
_MANAGERS = frozenset({OrganizerRole.OWNER, OrganizerRole.ORGANIZER, OrganizerRole.HOST})
#: Roles that may get each kind: a notice naming guests only those who manage them; a viewer
#: reads figures (the event being full, the digest's counts, the door's summary), never guests.
ROLES = {
    NoticeKind.APPROVALS: _MANAGERS,
    NoticeKind.FULL: _MANAGERS | {OrganizerRole.VIEWER},
    NoticeKind.FAILED: _MANAGERS,
    NoticeKind.DIGEST: _MANAGERS | {OrganizerRole.VIEWER},
    NoticeKind.DOOR: _MANAGERS | {OrganizerRole.VIEWER},
}


def _modes(event_id: int, kind: NoticeKind) -> dict[int, str]:
    rows = db.session.execute(
        sa.select(NotificationPreference.organizer_id, NotificationPreference.mode).where(
            NotificationPreference.event_id == event_id, NotificationPreference.kind == kind.value
        )
    )
    return dict(rows.tuples().all())


def recipients(event: Event, kind: NoticeKind, mode: str = "instant") -> list[Organizer]:
    """Active members who may see the event, whose role the kind is for, and who chose ``mode`` for it."""
    given = sa.select(EventAssignment.organizer_id).where(EventAssignment.event_id == event.id)
    members = db.session.scalars(
        sa.select(Organizer).where(
            Organizer.deactivated_at.is_(None),
            Organizer.role.in_(ROLES[kind]),
            sa.or_(Organizer.role.in_([OrganizerRole.OWNER, OrganizerRole.ORGANIZER]), Organizer.id.in_(given)),
        )
    )
    modes = _modes(event.id, kind)
    return [m for m in members if modes.get(m.id, DEFAULTS[kind]) == mode]


def first_time(member: Organizer, event: Event, kind: NoticeKind, key: str) -> bool:
    done = db.session.scalar(
        sa.select(NotificationSent.id).where(
            NotificationSent.organizer_id == member.id,
            NotificationSent.event_id == event.id,
            NotificationSent.kind == kind.value,
            NotificationSent.key == key,
        )
    )
    if done is not None:
        return False
    db.session.add(NotificationSent(organizer_id=member.id, event_id=event.id, kind=kind.value, key=key))
    return True


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notice-unsubscribe")


def unsubscribe_url(member: Organizer, event: Event, kind: NoticeKind) -> str:
    return f"{links.base_url()}/notifications/unsubscribe/{_serializer().dumps([member.id, event.id, kind.value])}"


@dataclasses.dataclass(frozen=True)
class Notice:
    """What one notice says: ``what`` in a sentence, ``lines`` listed below it, and the button."""

    subject: str
    what: str
    act_url: str
    act: str
    lines: tuple[str, ...] = ()


def send(member: Organizer, event: Event, kind: NoticeKind, notice: Notice) -> None:
    """Queue ``notice`` to ``member``, with the one-click link that turns the kind off."""
    unsubscribe = unsubscribe_url(member, event, kind)
    mail.queue_message(
        to=member.email, kind=f"{mail.TEAM_NOTICE_PREFIX}{kind.value}", subject=notice.subject, template="team_notice",
        name=member.name, what=notice.what, lines=notice.lines, act_url=notice.act_url, act=notice.act,
        event_title=event.title, kind_label=kind.label, unsubscribe_url=unsubscribe,
        preferences_url=f"{links.base_url()}/account/notifications",
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )  # fmt: skip


def _notify(event: Event, kind: NoticeKind, key: str, notice: Notice) -> int:
    sent = 0
    for member in recipients(event, kind):
        if first_time(member, event, kind, key):
            send(member, event, kind, notice)
            sent += 1
    return sent


def admin_url(path: str) -> str:
    return f"{links.base_url()}/admin{path}"


def after_rsvp(rsvp: Rsvp, seats_before: int | None) -> None:
    """Called when a guest's RSVP is saved: tell the team what needs them. ``seats_before``:
    the event's seats taken before this RSVP, as its placement counted them under the event
    lock (None for a pending RSVP, which takes no seat)."""
    event = rsvp.event
    if rsvp.status == RsvpStatus.PENDING:
        _notify(event, NoticeKind.APPROVALS, f"rsvp:{rsvp.id}", Notice(
            f"Approval requested: {event.title}",
            f"{rsvp.full_name} ({rsvp.institution}) asks to come to {event.title}.",
            admin_url(f"/events/{event.id}/guests?status=pending"), "See the pending guests"))  # fmt: skip
    elif (
        rsvp.status in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)
        and event.capacity is not None
        and seats_before + (rsvp.status == RsvpStatus.CONFIRMED) >= event.capacity
        and not _told_full(event)
    ):
        _notify(event, NoticeKind.FULL, "full", Notice(
            f"Full: {event.title}",
            f"{event.title} has no place left: every one of its {event.capacity} places is taken"
            + (", and new guests join the waitlist." if event.waitlist_enabled else "."),
            admin_url(f"/events/{event.id}"), "See the event"))  # fmt: skip


def _told_full(event: Event) -> bool:
    """The team was told this event is full (once per event: every later RSVP to a full event,
    each one waitlisted, skips the counts and the look-ups per member)."""
    told = sa.select(NotificationSent.id).where(
        NotificationSent.event_id == event.id, NotificationSent.kind == NoticeKind.FULL.value
    )
    return db.session.scalar(told.limit(1)) is not None


def failure_line(message: OutboxMessage) -> str:
    reason = message.last_error.split(":", 1)[-1].strip() or message.last_error
    return f"{message.to_address}: “{message.subject}” ({reason[:120]})"


def after_failures(message_ids: list[int]) -> int:
    """Called when the outbox gives up on messages: tell who manages each guest's event."""
    sent = 0
    if not message_ids:
        return sent
    rows = db.session.execute(
        sa.select(OutboxMessage, Rsvp)
        .join(Rsvp, Rsvp.id == OutboxMessage.rsvp_id)
        .where(OutboxMessage.id.in_(message_ids))
    )
    for message, rsvp in rows.tuples():
        event = rsvp.event
        sent += _notify(event, NoticeKind.FAILED, f"outbox:{message.id}", Notice(
            f"E-mail not delivered: {event.title}",
            f"An e-mail to {rsvp.full_name}, a guest of {event.title}, could not be delivered after "
            f"{mail.MAX_ATTEMPTS} attempts. Check the address with the guest.",
            admin_url(f"/guests/{rsvp.id}"), "See the guest", (failure_line(message),)))  # fmt: skip
    return sent


def notice_of(token: str) -> tuple[Organizer, Event, NoticeKind] | None:
    """Whose notice of which kind and event an unsubscribe link names; None for a link not ours."""
    try:
        member_id, event_id, kind = _serializer().loads(token)
        kind = NoticeKind(kind)
    except (BadSignature, ValueError, TypeError):
        return None
    member, event = db.session.get(Organizer, member_id), db.session.get(Event, event_id)
    return None if member is None or event is None else (member, event, kind)


def turn_off(token: str) -> tuple[Organizer, Event, NoticeKind] | None:
    """The one-click unsubscribe: that member stops getting that kind for that event."""
    found = notice_of(token)
    if found is not None:
        member, event, kind = found
        set_mode(member, event.id, kind, "off")
    return found


def set_mode(member: Organizer, event_id: int, kind: NoticeKind, mode: str) -> None:
    row = db.session.scalar(
        sa.select(NotificationPreference).where(
            NotificationPreference.organizer_id == member.id,
            NotificationPreference.event_id == event_id,
            NotificationPreference.kind == kind.value,
        )
    )
    if row is None:
        db.session.add(NotificationPreference(organizer_id=member.id, event_id=event_id, kind=kind.value, mode=mode))
    else:
        row.mode = mode


def preferences(member: Organizer, event_ids: set[int] | None) -> list[tuple[Event, dict[NoticeKind, str]]]:
    """For each upcoming event the member may see: the mode of each kind their role gets."""
    query = sa.select(Event).where(Event.ends_at > utcnow()).order_by(Event.starts_at)
    if event_ids is not None:
        query = query.where(Event.id.in_(event_ids))
    kinds = [k for k in NoticeKind if member.role in ROLES[k]]
    rows = db.session.execute(
        sa.select(NotificationPreference.event_id, NotificationPreference.kind, NotificationPreference.mode).where(
            NotificationPreference.organizer_id == member.id
        )
    )
    chosen = {(e, k): m for e, k, m in rows}
    return [(e, {k: chosen.get((e.id, k.value), DEFAULTS[k]) for k in kinds}) for e in db.session.scalars(query)]
