"""The society's team (issue 14): who is a member, inviting people, and an owner's changes to a
member's role, events and access. Every change is recorded in the activity log.

An invitation is a single-use link valid for INVITATION_DAYS; the database keeps only its hash,
so resending makes a new link and the old one stops working. The rules that keep a team
workable: nobody changes their own role or access here, and the last active owner stays one."""

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, LoginSession, Organizer, OrganizerRole, TeamInvitation, utcnow
from eventsite.services import DomainError, ErrorCode, accounts, activity, assignments, links, mail, tokens
from eventsite.services.activity import ActivityKind

INVITATION_DAYS = 7


def members() -> list[Organizer]:
    """Active members first, then deactivated ones; by name."""
    return list(
        db.session.scalars(sa.select(Organizer).order_by(Organizer.deactivated_at.is_not(None), Organizer.name))
    )


def last_seen() -> dict[int, dt.datetime]:
    """Each member's most recent use of any sign-in."""
    rows = db.session.execute(
        sa.select(
            LoginSession.organizer_id, sa.func.max(sa.func.coalesce(LoginSession.last_seen_at, LoginSession.created_at))
        ).group_by(LoginSession.organizer_id)
    )
    return {organizer_id: seen for organizer_id, seen in rows}


def pending_invitations(now: dt.datetime | None = None) -> list[TeamInvitation]:
    return list(
        db.session.scalars(
            sa.select(TeamInvitation).where(_is_pending(now or utcnow())).order_by(TeamInvitation.created_at.desc())
        )
    )


def _is_pending(now: dt.datetime):
    return sa.and_(
        TeamInvitation.accepted_at.is_(None),
        TeamInvitation.withdrawn_at.is_(None),
        TeamInvitation.expires_at > now,
    )


def event_titles(event_ids: Iterable[int]) -> list[str]:
    ids = list(event_ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Event.title).where(Event.id.in_(ids)).order_by(Event.starts_at)))


def event_places(event_ids: Iterable[int]) -> list[str]:
    """Short names of events for a list: "Chicago, Oct 21"."""
    ids = list(event_ids)
    if not ids:
        return []
    events = db.session.scalars(sa.select(Event).where(Event.id.in_(ids)).order_by(Event.starts_at))
    return [f"{e.city}, {e.local_starts_at.strftime('%b')} {e.local_starts_at.day}" for e in events]


def _scoped_events(role: OrganizerRole, event_ids: Iterable[int]) -> list[int]:
    """The events a role is given: none for roles that see every event."""
    return [] if role.sees_every_event else sorted(set(event_ids))


def invite(email: str, role: OrganizerRole, event_ids: Iterable[int], *, by: Organizer) -> TeamInvitation:
    """Invite ``email`` to the team and queue the e-mail with the link. Raises ``bad_email``,
    ``already_member``, ``invitation_pending``, ``no_events`` (a scoped role needs an event)."""
    address = accounts.normalise_login(email)
    if accounts.find_organizer(address) is not None:
        raise DomainError("This address already has an account on the team.", ErrorCode.ALREADY_MEMBER, "email")
    pending = db.session.scalar(
        sa.select(TeamInvitation.id).where(TeamInvitation.email == address, _is_pending(utcnow()))
    )
    if pending is not None:
        raise DomainError(
            "This address has a pending invitation: resend it from the list below.",
            ErrorCode.INVITATION_PENDING,
            "email",
        )
    events = _scoped_events(role, event_ids)
    if not role.sees_every_event and not events:
        raise DomainError(f"Choose the events this {role.label.lower()} works on.", ErrorCode.NO_EVENTS, "events")
    invitation = TeamInvitation(email=address, role=role, event_ids=events, invited_by_id=by.id, token_hash="")
    db.session.add(invitation)
    _send(invitation, by)
    activity.record(
        ActivityKind.MEMBER_INVITED, f"Invited {address} as {role.label.lower()}", subject=f"invitation:{invitation.id}"
    )
    return invitation


def _send(invitation: TeamInvitation, by: Organizer) -> None:
    """A new link (any earlier one stops working) valid INVITATION_DAYS from now, e-mailed."""
    token = tokens.new_token()
    invitation.token_hash = tokens.hashed(token)
    invitation.expires_at = utcnow() + dt.timedelta(days=INVITATION_DAYS)
    db.session.flush()
    mail.queue_message(
        to=invitation.email,
        kind="team_invitation",
        subject="You're invited to the Resident Networking team",
        template="team_invitation",
        inviter=by.name,
        role=invitation.role,
        events=event_titles(invitation.event_ids),
        join_url=f"{links.base_url()}/join/{token}",
        days=INVITATION_DAYS,
    )


def _pending(invitation_id: int) -> TeamInvitation:
    invitation = db.get_or_404(TeamInvitation, invitation_id)
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        raise DomainError("That invitation was accepted or withdrawn already.", ErrorCode.NOT_PENDING)
    return invitation


def resend(invitation_id: int, *, by: Organizer) -> TeamInvitation:
    invitation = _pending(invitation_id)
    _send(invitation, by)
    activity.record(ActivityKind.INVITATION_RESENT, f"Resent the invitation to {invitation.email}",
                    subject=f"invitation:{invitation.id}")  # fmt: skip
    return invitation


def withdraw(invitation_id: int) -> TeamInvitation:
    invitation = _pending(invitation_id)
    invitation.withdrawn_at = utcnow()
    activity.record(ActivityKind.INVITATION_WITHDRAWN, f"Withdrew the invitation to {invitation.email}",
                    subject=f"invitation:{invitation.id}")  # fmt: skip
    return invitation


def invitation_for(token: str) -> TeamInvitation | None:
    """The pending invitation this link opens, or None (unknown, used, withdrawn or expired:
    the caller answers all alike)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        sa.select(TeamInvitation).where(TeamInvitation.token_hash == tokens.hashed(token), _is_pending(utcnow()))
    )


def accept(invitation: TeamInvitation, *, name: str, password: str) -> Organizer:
    """Create the invited member's account with their events. Raises ``weak_password``,
    ``already_member`` (the address got an account meanwhile)."""
    if accounts.find_organizer(invitation.email) is not None:
        raise DomainError("This address already has an account: sign in instead.", ErrorCode.ALREADY_MEMBER)
    member = accounts.create_organizer(email=invitation.email, name=name, password=password, role=invitation.role)
    assignments.set_events(member, invitation.event_ids)
    invitation.accepted_at = utcnow()
    activity.record(ActivityKind.MEMBER_JOINED, f"{member.name} joined as {member.role.label.lower()}",
                    subject=member, actor=member)  # fmt: skip
    return member


def _active_owners() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Organizer)
        .where(Organizer.role == OrganizerRole.OWNER, Organizer.deactivated_at.is_(None))
    )


def _not_self(member: Organizer, by: Organizer, what: str) -> None:
    if member.id == by.id:
        raise DomainError(f"You can't {what} your own account; ask another owner.", ErrorCode.OWN_ACCOUNT)


def _keeps_an_owner(member: Organizer) -> None:
    if member.role == OrganizerRole.OWNER and member.deactivated_at is None and _active_owners() <= 1:
        raise DomainError("The team needs at least one active owner.", ErrorCode.LAST_OWNER, "role")


def change_member(member: Organizer, role: OrganizerRole, event_ids: Iterable[int], *, by: Organizer) -> None:
    """Set a member's role and, for scoped roles, their events. Raises ``own_account``,
    ``last_owner``, ``no_events``."""
    events = _scoped_events(role, event_ids)
    if role != member.role:
        _not_self(member, by, "change the role of")
        _keeps_an_owner(member)
    if not role.sees_every_event and not events:
        raise DomainError(f"Choose the events this {role.label.lower()} works on.", ErrorCode.NO_EVENTS, "events")
    if role != member.role:
        activity.record(ActivityKind.ROLE_CHANGED, f"{member.name}: {member.role.label} → {role.label}",
                        subject=member, changes={"role": [member.role.label, role.label]})  # fmt: skip
        member.role = role
    added, removed = assignments.set_events(member, events)
    if added or removed:
        activity.record(
            ActivityKind.EVENTS_ASSIGNED,
            f"{member.name}'s events changed",
            subject=member,
            changes={
                "events": [", ".join(event_titles((set(events) - added) | removed)), ", ".join(event_titles(events))]
            },
        )


def deactivate(member: Organizer, *, by: Organizer) -> int:
    """End the member's access at once (every session ends; their history stays); returns how
    many sessions ended. Raises ``own_account``, ``last_owner``."""
    _not_self(member, by, "deactivate")
    _keeps_an_owner(member)
    member.deactivated_at = utcnow()
    activity.record(ActivityKind.MEMBER_DEACTIVATED, f"Deactivated {member.name}", subject=member)
    return accounts.end_sessions(member)


def reactivate(member: Organizer) -> None:
    member.deactivated_at = None
    activity.record(ActivityKind.MEMBER_REACTIVATED, f"Reactivated {member.name}", subject=member)
