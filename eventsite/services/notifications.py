"""Notices to the team (issue 14, first part): an e-mail to each member who wants it when
something needs them or changed the event's shape, sent through the outbox like every e-mail.

Built so far: a new approval request (at once, with a link to the pending guests) and the event
becoming full or getting its first waitlisted guest (at once). Each member chooses per event and
per kind ("instant" or "off"; no row: the kind's default), and every notice carries a one-click
link that turns that kind off for that event. A notice happens once (NotificationSent). Who
gets one: members who may see the event; a notice naming a guest only those who may manage it
(never a viewer). Not built yet: daily digests, failed e-mails, the after-event door summary."""

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
    Rsvp,
    RsvpStatus,
    utcnow,
)
from eventsite.services import links, mail
from eventsite.services.capacity import place_counts


class NoticeKind(enum.StrEnum):
    APPROVALS = "approvals"  #: a guest asks to come to an event that needs approval
    FULL = "full"  #: the event became full, or its first guest went on the waitlist

    @property
    def label(self) -> str:
        return {"approvals": "New approval requests", "full": "The event is full"}[self.value]


MODES = ("instant", "off")
DEFAULTS = {NoticeKind.APPROVALS: "instant", NoticeKind.FULL: "instant"}
#: Roles that may act on each kind (a viewer reads figures: the event being full, not guests).
ROLES = {
    NoticeKind.APPROVALS: {OrganizerRole.OWNER, OrganizerRole.ORGANIZER, OrganizerRole.HOST},
    NoticeKind.FULL: {OrganizerRole.OWNER, OrganizerRole.ORGANIZER, OrganizerRole.HOST, OrganizerRole.VIEWER},
}


def _modes(event_id: int, kind: NoticeKind) -> dict[int, str]:
    rows = db.session.execute(
        sa.select(NotificationPreference.organizer_id, NotificationPreference.mode).where(
            NotificationPreference.event_id == event_id, NotificationPreference.kind == kind.value
        )
    )
    return dict(rows.tuples().all())


def recipients(event: Event, kind: NoticeKind) -> list[Organizer]:
    """Active members who may see the event, whose role the kind is for, and who did not turn it off."""
    given = sa.select(EventAssignment.organizer_id).where(EventAssignment.event_id == event.id)
    members = db.session.scalars(
        sa.select(Organizer).where(
            Organizer.deactivated_at.is_(None),
            Organizer.role.in_(ROLES[kind]),
            sa.or_(Organizer.role.in_([OrganizerRole.OWNER, OrganizerRole.ORGANIZER]), Organizer.id.in_(given)),
        )
    )
    modes = _modes(event.id, kind)
    return [m for m in members if modes.get(m.id, DEFAULTS[kind]) == "instant"]


def _first_time(member: Organizer, event: Event, kind: NoticeKind, key: str) -> bool:
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


def _notify(event: Event, kind: NoticeKind, key: str, subject: str, what: str, act_url: str, act: str) -> int:
    sent = 0
    for member in recipients(event, kind):
        if not _first_time(member, event, kind, key):
            continue
        mail.queue_message(
            to=member.email, kind=f"notice_{kind.value}", subject=subject, template="team_notice",
            name=member.name, what=what, act_url=act_url, act=act, event_title=event.title, kind_label=kind.label,
            unsubscribe_url=unsubscribe_url(member, event, kind),
            preferences_url=f"{links.base_url()}/account/notifications",
        )  # fmt: skip
        sent += 1
    return sent


def after_rsvp(rsvp: Rsvp) -> None:
    """Called when a guest's RSVP is saved: tell the team what needs them."""
    event = rsvp.event
    base = f"{links.base_url()}/admin/events/{event.id}/guests"
    if rsvp.status == RsvpStatus.PENDING:
        _notify(event, NoticeKind.APPROVALS, f"rsvp:{rsvp.id}", f"Approval requested: {event.title}",
                f"{rsvp.full_name} ({rsvp.institution}) asks to come to {event.title}.",
                f"{base}?status=pending", "See the pending guests")  # fmt: skip
    elif rsvp.status in (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED) and place_counts(event).is_full:
        _notify(event, NoticeKind.FULL, "full", f"Full: {event.title}",
                f"{event.title} has no place left: every one of its {event.capacity} places is taken"
                + (", and new guests join the waitlist." if event.waitlist_enabled else "."),
                f"{links.base_url()}/admin/events/{event.id}", "See the event")  # fmt: skip


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
