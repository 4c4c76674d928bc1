"""Invitations (issue 15): a personal link per invited person that opens the event's RSVP form
pre-filled. It lets them into an invitation-only category (and past any domain rule), skips
approval if the organizer chose, works once, and carries a "can't come" link. Sent through the
outbox; the organizer sees per person: invited, replied (with the RSVP's status), can't come."""

import dataclasses
import re

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import LIVE_STATUSES, Event, GuestInvitation, InvitationStatus, Rsvp, utcnow
from eventsite.services import DomainError, ErrorCode, categories, links, mail, rsvps, tokens
from eventsite.services.guest_details import GuestDetails

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
    event: Event, people: list[Invitee], *, category_id: int | None, skip_approval: bool, actor: str
) -> InviteReport:
    """Invite each person not yet invited and without a live RSVP, and queue their e-mail.
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
    for person in people:
        try:
            address, key = rsvps.normalise_email(person.email)
        except DomainError as exc:
            report.skipped.append((person.email, exc.message))
            continue
        if key in known:
            report.skipped.append((person.email, "already invited (or twice in the list)"))
            continue
        if key in replied:
            report.skipped.append((person.email, "already has an RSVP"))
            continue
        known.add(key)
        token = tokens.new_token()
        invitation = GuestInvitation(
            event_id=event.id, email=address, email_key=key, first_name=person.first_name,
            last_name=person.last_name, institution=person.institution, training_level=person.training_level,
            category_id=person.category_id or (category.id if category else None), answers=dict(person.answers),
            skip_approval=skip_approval, token_hash=tokens.hashed(token), created_by=actor,
        )  # fmt: skip
        db.session.add(invitation)
        _mail(event, invitation, token)
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


def _mail(event: Event, invitation: GuestInvitation, token: str) -> None:
    url = f"{links.base_url()}/i/{token}"
    mail.queue_message(
        to=invitation.email, kind="guest_invitation", subject=f"You're invited: {event.title}",
        template="guest_invitation", event=event, name=invitation.first_name, rsvp_url=url,
        decline_url=f"{url}/decline", contact_email=mail.contact_address(),
    )  # fmt: skip


def invitation_for(token: str) -> GuestInvitation | None:
    """The invitation a link opens, while it has not been answered."""
    found = db.session.scalar(sa.select(GuestInvitation).where(GuestInvitation.token_hash == tokens.hashed(token)))
    return found if found is not None and found.status == InvitationStatus.INVITED else None


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
            .order_by(GuestInvitation.created_at.desc(), GuestInvitation.id.desc())
        )
    )
