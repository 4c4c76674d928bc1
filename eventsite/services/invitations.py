"""Invitations (issue 15): a personal link per invited person that opens the event's RSVP form
pre-filled. It lets them into an invitation-only category (and past any domain rule), skips
approval if the organizer chose, works once, and carries a "can't come" link. Sent through the
outbox; the organizer sees per person: invited, opened (only when the event tracks openings: an
image in the e-mail, off by default), replied (with the RSVP's status), can't come, bounced (the
outbox gave up), reminded. One reminder goes to those who have not answered on the date the
organizers chose; it carries a second link, and the first one keeps working."""

import dataclasses
import datetime as dt
import re

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload

from eventsite.extensions import db
from eventsite.models import (
    LIVE_STATUSES,
    BulkKind,
    Event,
    EventStatus,
    EventVendor,
    GuestInvitation,
    InvitationStatus,
    OutboxMessage,
    Rsvp,
    utcnow,
)
from eventsite.services import DomainError, ErrorCode, categories, links, mail, opt_outs, rsvps, tokens
from eventsite.services.guest_details import GuestDetails
from eventsite.services.spreadsheets import csv_text, local_iso

#: At most this many people in one paste.
MAX_AT_ONCE = 5000
_ADDRESS = re.compile(r"[^\s<>,;\"']+@[^\s<>,;\"']+")


@dataclasses.dataclass(frozen=True)
class Invitee:
    email: str
    first_name: str = ""
    last_name: str = ""
    institution: str = ""
    #: A TrainingLevel value, or "".
    training_level: str = ""
    #: This person's category (an imported list's column), else the one the organizer chose.
    category_id: int | None = None
    #: Answers to the event's custom questions from an imported list ({question id: answer}).
    answers: dict = dataclasses.field(default_factory=dict)


def read_people(text: str) -> tuple[list[Invitee], list[str]]:
    """People pasted one per line: "ana@ucla.edu", "Ana Li <ana@ucla.edu>" or "Ana Li, ana@ucla.edu".
    Returns (the people, a message per line that holds no usable address)."""
    people, problems = [], []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        found = _ADDRESS.search(line)
        if found is None:
            problems.append(f"Line {number}: no e-mail address in “{line.strip()[:80]}”.")
            continue
        name = " ".join((line[: found.start()] + " " + line[found.end() :]).replace("<", " ").replace(">", " ")
                        .replace(",", " ").replace(";", " ").replace('"', " ").split())  # fmt: skip
        first, _, last = name.rpartition(" ") if " " in name else (name, "", "")
        people.append(Invitee(found.group(0), first[:100], last[:100]))
    return people, problems


@dataclasses.dataclass
class InviteReport:
    invited: list[GuestInvitation] = dataclasses.field(default_factory=list)
    #: (address as typed, why it was left out)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def invite(
    event: Event,
    people: list[Invitee],
    *,
    category_id: int | None,
    skip_approval: bool,
    actor: str,
    event_vendor: EventVendor | None = None,
) -> InviteReport:
    """Invite each person not yet invited and without a live RSVP, and queue their e-mail;
    ``event_vendor``: they come as its representatives (``services.vendors``).
    Raises DomainError ``bad_email`` (field people) when nobody could be invited."""
    if len(people) > MAX_AT_ONCE:
        raise DomainError(f"Invite at most {MAX_AT_ONCE:,} people at once.", ErrorCode.BAD_EMAIL, "people")
    # A category of another event (a forged id) invites into none: the RSVP form decides.
    category = next((c for c in categories.of_event(event) if c.id == category_id), None)
    report = InviteReport()
    known = set(db.session.scalars(sa.select(GuestInvitation.email_key).where(GuestInvitation.event_id == event.id)))
    replied = set(
        db.session.scalars(sa.select(Rsvp.email_key).where(Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)))
    )
    checked = [(person, *_normalised(person.email)) for person in people]  # each address normalised once
    unsubscribed = opt_outs.opted_out((key for _, _, key, _ in checked if key), BulkKind.INVITATIONS)
    for person, address, key, refusal in checked:
        if refusal:
            report.skipped.append((person.email, refusal))
            continue
        if key in known:
            report.skipped.append((person.email, "already invited (or twice in the list)"))
            continue
        if key in replied:
            report.skipped.append((person.email, "already has an RSVP"))
            continue
        if key in unsubscribed:
            report.skipped.append((person.email, "unsubscribed from invitations"))
            continue
        known.add(key)
        token = tokens.new_token()
        invitation = GuestInvitation(
            event_id=event.id, email=address, email_key=key, first_name=person.first_name,
            last_name=person.last_name, institution=person.institution, training_level=person.training_level,
            category_id=person.category_id or (category.id if category else None), answers=dict(person.answers),
            skip_approval=skip_approval, token_hash=tokens.hashed(token), created_by=actor,
            event_vendor_id=event_vendor.id if event_vendor else None,
        )  # fmt: skip
        db.session.add(invitation)
        _mail(event, invitation, token, vendor=event_vendor)
        report.invited.append(invitation)
    if not report.invited:
        raise DomainError(
            "Nobody was invited: " + "; ".join(f"{a} ({why})" for a, why in report.skipped[:5]) if report.skipped
            else "Paste at least one e-mail address.",
            ErrorCode.BAD_EMAIL,
            "people",
        )  # fmt: skip
    db.session.flush()
    return report


def _normalised(address: str) -> tuple[str, str, str]:
    """(address as stored, its key, "") for a valid address; ("", "", why not) otherwise."""
    try:
        return (*rsvps.normalise_email(address), "")
    except DomainError as exc:
        return "", "", exc.message


def _mail(
    event: Event, invitation: GuestInvitation, token: str, *, reminder: bool = False, vendor: EventVendor | None = None
) -> None:
    """``vendor``: the invitation makes them its representative (the e-mail says so)."""
    url = f"{links.base_url()}/i/{token}"
    subject = f"{'Reminder: ' if reminder else ''}You're invited: {event.title}"
    pixel = open_image_url(invitation) if event.invite_track_opens else None
    mail.queue_message(
        to=invitation.email, kind="guest_invitation", subject=subject, template="guest_invitation",
        event=event, name=invitation.first_name, rsvp_url=url, decline_url=f"{url}/decline",
        contact_email=mail.contact_address(), reminder=reminder, pixel_url=pixel, invitation=invitation,
        vendor=vendor or invitation.event_vendor, bulk=BulkKind.INVITATIONS,
    )  # fmt: skip


def invitation_for(token: str) -> GuestInvitation | None:
    """The invitation a link (the first or the reminder's) opens, while it has not been answered."""
    hashed = tokens.hashed(token)
    found = db.session.scalar(
        sa.select(GuestInvitation).where(
            sa.or_(GuestInvitation.token_hash == hashed, GuestInvitation.reminder_token_hash == hashed)
        )
    )
    return found if found is not None and found.status == InvitationStatus.INVITED else None


# --- tracking: opened, bounced --------------------------------------------------------------------


def _opens() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="invitation-opened")


def open_image_url(invitation: GuestInvitation) -> str:
    """The tracking image's address: signed, and not the link's secret (mail clients' image
    proxies fetch it and may log it)."""
    return f"{links.base_url()}/i/opened/{_opens().dumps(invitation.token_hash[:24])}.gif"


def record_open(signed: str, *, now: dt.datetime | None = None) -> bool:
    """Note the first opening of an invitation e-mail, when its event tracks openings; a
    signature that does not check out changes nothing. Returns whether it was noted."""
    try:
        prefix = _opens().loads(signed)
    except BadSignature:
        return False
    if not isinstance(prefix, str) or len(prefix) != 24:
        return False
    invitation = db.session.scalar(sa.select(GuestInvitation).where(GuestInvitation.token_hash.startswith(prefix)))
    if invitation is None or invitation.opened_at is not None or not invitation.event.invite_track_opens:
        return False
    invitation.opened_at = now or utcnow()
    db.session.flush()
    return True


def after_failures(message_ids: list[int], *, now: dt.datetime | None = None) -> int:
    """The outbox gave up on these messages: mark the invitations they carried bounced."""
    if not message_ids:
        return 0
    ids = sa.select(OutboxMessage.invitation_id).where(
        OutboxMessage.id.in_(message_ids), OutboxMessage.invitation_id.is_not(None)
    )
    result = db.session.execute(
        sa.update(GuestInvitation)
        .where(GuestInvitation.id.in_(ids), GuestInvitation.bounced_at.is_(None))
        .values(bounced_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- the reminder ---------------------------------------------------------------------------------


def set_follow_up(event: Event, *, track_opens: bool, reminder_at: dt.datetime | None, now=None) -> None:
    """The event's invitation settings: whether openings are tracked, and when the one reminder
    goes (aware UTC, or None for none). Raises DomainError ``bad_window`` (reminder_at) for a
    moment past or after the event starts, and ``already_sent`` once the reminder went."""
    now = now or utcnow()
    if reminder_at != event.invite_reminder_at:
        if event.invite_reminder_sent_at is not None:
            raise DomainError("The reminder already went; there is only one.", ErrorCode.ALREADY_SENT, "reminder_at")
        if reminder_at is not None and not now < reminder_at < event.starts_at:
            raise DomainError("Choose a moment between now and the event's start.", ErrorCode.BAD_WINDOW,
                              "reminder_at")  # fmt: skip
    event.invite_track_opens = bool(track_opens)
    event.invite_reminder_at = reminder_at
    db.session.flush()


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Queue the reminder of every event whose chosen moment has come, to each invited person
    who has not answered and whose invitation did not bounce; each event's reminder goes once.
    Returns how many were queued."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Event).where(
            Event.invite_reminder_at <= now,
            Event.invite_reminder_sent_at.is_(None),
            Event.status == EventStatus.PUBLISHED,
        )
    ).all()
    queued = 0
    for event in due:
        event.invite_reminder_sent_at = now
        if event.starts_at <= now:
            continue  # the site was down past the start: too late to remind
        waiting = db.session.scalars(
            sa.select(GuestInvitation).where(
                GuestInvitation.event_id == event.id,
                GuestInvitation.status == InvitationStatus.INVITED,
                GuestInvitation.bounced_at.is_(None),
                GuestInvitation.reminded_at.is_(None),
            )
        ).all()
        unsubscribed = opt_outs.opted_out((i.email_key for i in waiting), BulkKind.INVITATIONS)
        for invitation in waiting:
            if invitation.email_key in unsubscribed:
                continue
            token = tokens.new_token()
            invitation.reminder_token_hash, invitation.reminded_at = tokens.hashed(token), now
            _mail(event, invitation, token, reminder=True)
            queued += 1
    db.session.flush()
    return queued


def prefilled(invitation: GuestInvitation) -> dict:
    """The RSVP form's values from the invitation."""
    values = {"first_name": invitation.first_name, "last_name": invitation.last_name, "email": invitation.email,
              "institution": invitation.institution, "training_level": invitation.training_level}  # fmt: skip
    return values | ({"category": str(invitation.category_id)} if invitation.category_id else {})


def accept(invitation: GuestInvitation, details: GuestDetails, *, category_id: int | None = None) -> rsvps.SubmitResult:
    """RSVP through the invitation (``rsvps.submit_rsvp`` with it); the link is then used up."""
    result = rsvps.submit_rsvp(invitation.event, details, category_id=category_id, invitation=invitation)
    invitation.status, invitation.responded_at = InvitationStatus.RSVPED, utcnow()
    invitation.rsvp_id = result.rsvp.id if result.rsvp is not None else None
    db.session.flush()
    return result


def decline(invitation: GuestInvitation) -> None:
    """The "can't come" link: the person is not asked again."""
    invitation.status, invitation.responded_at = InvitationStatus.DECLINED, utcnow()
    db.session.flush()


def of_event(event: Event) -> list[GuestInvitation]:
    return list(
        db.session.scalars(
            sa.select(GuestInvitation)
            .where(GuestInvitation.event_id == event.id)
            .options(selectinload(GuestInvitation.category), selectinload(GuestInvitation.rsvp))
            .order_by(GuestInvitation.created_at.desc(), GuestInvitation.id.desc())
        )
    )


# --- the invitation list's ticked rows --------------------------------------------------------------


@dataclasses.dataclass
class BulkReport:
    done: int = 0
    #: "<address>: why" for each ticked invitation left as it was.
    skipped: list[str] = dataclasses.field(default_factory=list)


def apply_bulk(event: Event, ids: list[int], action: str, *, now: dt.datetime | None = None) -> BulkReport:
    """The invitation list's ticked rows: ``resend`` (a new link by e-mail, the first one keeps
    working), ``withdraw`` (the invitation and its links are gone) or ``category:<id>`` (invite
    them into that category of the event). Only invitations nobody has answered change. Raises
    DomainError ``bad_selection`` for nothing ticked or an action the list does not offer."""
    now = now or utcnow()
    picked = db.session.scalars(
        sa.select(GuestInvitation).where(GuestInvitation.event_id == event.id, GuestInvitation.id.in_(ids[:5000]))
    ).all()
    if not picked:
        raise DomainError("Tick the invitations to change first.", ErrorCode.BAD_SELECTION)
    kind, _, argument = action.partition(":")
    category = next((c for c in categories.of_event(event) if str(c.id) == argument), None)
    if kind not in ("resend", "withdraw", "category") or (kind == "category" and category is None):
        raise DomainError("Choose what to do with the ticked invitations.", ErrorCode.BAD_SELECTION)
    report = BulkReport()
    for invitation in picked:
        if invitation.status != InvitationStatus.INVITED:
            report.skipped.append(f"{invitation.email}: already {invitation.status.label.lower()}")
            continue
        if kind == "resend":
            token = tokens.new_token()
            invitation.reminder_token_hash, invitation.reminded_at = tokens.hashed(token), now
            _mail(event, invitation, token, reminder=True)
        elif kind == "withdraw":
            db.session.delete(invitation)
        else:
            invitation.category_id = category.id
        report.done += 1
    db.session.flush()
    return report


#: The invitation list's CSV: (header, cell from an invitation and the event's zone).
CSV_COLUMNS = (
    ("First name", lambda i, tz: i.first_name),
    ("Last name", lambda i, tz: i.last_name),
    ("E-mail", lambda i, tz: i.email),
    ("Institution", lambda i, tz: i.institution),
    ("Training level", lambda i, tz: i.training_level),
    ("Category", lambda i, tz: i.category.name if i.category else ""),
    ("Answer", lambda i, tz: i.status.label),
    ("RSVP status", lambda i, tz: i.rsvp.status.label if i.rsvp else ""),
    ("Invited at", lambda i, tz: local_iso(i.created_at, tz)),
    ("Opened at", lambda i, tz: local_iso(i.opened_at, tz)),
    ("Bounced at", lambda i, tz: local_iso(i.bounced_at, tz)),
    ("Reminded at", lambda i, tz: local_iso(i.reminded_at, tz)),
)


def invitations_csv(event: Event, ids: list[int] | None = None) -> str:
    """The event's invitations (only ``ids``, when given) as CSV text with a BOM, formula-safe."""
    rows = [i for i in of_event(event) if ids is None or i.id in set(ids)]
    return csv_text([header for header, _ in CSV_COLUMNS],
                    ([cell(i, event.tz) for _, cell in CSV_COLUMNS] for i in rows))  # fmt: skip
