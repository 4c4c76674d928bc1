"""Guests' personal data: anonymising one RSVP, a guest deleting their own, and retention.

Anonymising replaces every field that says who the guest is (names, address, program, notes)
and both secrets (manage link, badge code), and drops the e-mails not yet sent to them. The
row itself stays, with its status, times, history and check-in rows, so every count an
organizer sees (confirmed, waitlisted, checked in, no-shows) is the same before and after.
The training level stays too: a category shared by many guests, which the level figures need.

Retention is one site-wide period (``PrivacySettings``): events have no owning organizer, and
guests are told one rule for the whole series. Off (None) until an organizer sets it.
"""

import dataclasses
import datetime as dt
import re
import secrets

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import (
    Event,
    FeedbackInvitation,
    FeedbackResponse,
    GuestInvitation,
    OutboxMessage,
    OutboxStatus,
    PrivacySettings,
    Rsvp,
    RsvpAction,
    RsvpAnswer,
    RsvpChange,
    Series,
    utcnow,
)
from eventsite.services import DomainError, ErrorCode, badges, contacts, history, kept_profiles, leads, rsvps

#: What an anonymised guest is called on the organizer's screens.
ANONYMOUS_FIRST, ANONYMOUS_LAST = "Anonymised", "guest"
#: Longest retention an organizer can set (ten years); longer is a typing mistake.
MAX_RETENTION_DAYS = 3650
#: Retention anonymises this many RSVPs per transaction, so a first run over years of events
#: does not hold the write lock for long.
RETENTION_BATCH = 200
#: An e-mail address inside a line of text (older history lines named the address of an e-mail change).
ADDRESS_RE = re.compile(r"[^\s@]+@[^\s@]+")


def _dead_secret(prefix: str, length: int) -> str:
    """A unique value for a secret column that no link or badge can ever match: the ``-``
    and the letters i, l, o are outside the ticket alphabet, and it is never shown to anyone."""
    return f"{prefix}-{secrets.token_hex(16)}"[:length]


def anonymise_rsvp(rsvp: Rsvp, *, actor: str, reason: str, now: dt.datetime | None = None) -> bool:
    """Replace the RSVP's personal data and secrets in place and drop its unsent e-mails.

    Keeps status, times, history and check-ins (the organizer's counts). Sent e-mails keep
    their row (message delivery counts) but lose address, body and attachments. Records
    ``anonymised`` in the history with ``reason``. Returns False, changing nothing, when the
    RSVP was anonymised already. The caller cancels a live place first if it should be freed.
    """
    now = now or utcnow()
    if rsvp.anonymised_at is not None:
        return False
    rsvp.first_name, rsvp.last_name = ANONYMOUS_FIRST, ANONYMOUS_LAST
    rsvp.badge_name = rsvp.pronouns = rsvp.institution = ""
    rsvp.dietary_notes = rsvp.accessibility_notes = ""
    rsvp.email = ""
    # Unique per row, and never a normalised address, so this row belongs to no person.
    rsvp.email_key = f"anonymised-{rsvp.id}"
    rsvp.manage_token = _dead_secret("anonymised", 64)
    rsvp.ticket_code = _dead_secret("gone", 32)
    rsvp.badge_printed_at = None
    rsvp.anonymised_at = now
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.rsvp_id == rsvp.id,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)),
        )
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.rsvp_id == rsvp.id)
        .values(to_address="", body_text="", body_html="", attachments=[])
        .execution_options(synchronize_session=False)
    )
    # So does the invitation that brought them (it holds their name and address), and their
    # answers to the RSVP form's questions.
    db.session.execute(sa.delete(GuestInvitation).where(GuestInvitation.rsvp_id == rsvp.id))
    db.session.execute(sa.delete(RsvpAnswer).where(RsvpAnswer.rsvp_id == rsvp.id))
    # The directory entry, the card they shared and the contacts they saved go with them.
    contacts.forget_guest(rsvp)
    # Every vendor's lead of them (and lead e-mails not sent yet that name them).
    leads.forget_guest(rsvp)
    # Badge PDFs with their name on it, and any address a history line spelled out.
    badges.forget_guest_jobs(rsvp)
    for change in db.session.scalars(sa.select(RsvpChange).where(RsvpChange.rsvp_id == rsvp.id)):
        change.detail = ADDRESS_RE.sub("(address removed)", change.detail)
    # A named feedback response stays in the results but no longer names them; their personal
    # feedback link stops working (the invitation still counts as sent).
    db.session.execute(
        sa.update(FeedbackResponse)
        .where(FeedbackResponse.rsvp_id == rsvp.id)
        .values(rsvp_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(FeedbackInvitation)
        .where(FeedbackInvitation.rsvp_id == rsvp.id)
        .values(token=_dead_secret("gone", 64))
        .execution_options(synchronize_session=False)
    )
    history.record(rsvp, RsvpAction.ANONYMISED, actor, reason)
    db.session.flush()
    return True


@dataclasses.dataclass(frozen=True)
class Deletion:
    """What a guest's deletion did, for the confirmation page."""

    event_title: str
    event_slug: str
    #: True when a live place (or waitlist spot) was given up first.
    cancelled: bool


def will_cancel(rsvp: Rsvp, now: dt.datetime) -> bool:
    """True when deleting would first give up a live place: the event has not started yet."""
    return rsvp.is_live and now < rsvp.event.starts_at


def delete_own_data(rsvp: Rsvp, *, now: dt.datetime | None = None) -> Deletion:
    """The guest's "delete my data" from their manage link.

    A live RSVP for an event that has not started is cancelled first through
    ``rsvps.cancel_rsvp`` (so a freed place goes to the waitlist as usual); after the start the
    status stays as it was, so attendance figures don't change. Then ``anonymise_rsvp``.
    Raises DomainError ``already_deleted`` for an RSVP anonymised already.
    """
    now = now or utcnow()
    if rsvp.anonymised_at is not None:
        raise DomainError("This RSVP's personal data has already been deleted.", ErrorCode.ALREADY_DELETED)
    event = rsvp.event
    cancelled = will_cancel(rsvp, now) and rsvps.cancel_rsvp(rsvp, actor="guest", now=now)
    kept_profiles.forget(rsvp.email_key)  # the details kept for their next event go too
    anonymise_rsvp(rsvp, actor="guest", reason="deleted by the guest", now=now)
    return Deletion(event_title=event.title, event_slug=event.slug, cancelled=cancelled)


# ---------------------------------------------------------------------------------------------
# Retention


def settings() -> PrivacySettings:
    """The site's privacy settings (a default, unsaved row when never set)."""
    return db.session.get(PrivacySettings, 1) or PrivacySettings(id=1, retention_days=None, updated_by="")


def _check_days(days: int | None, empty_means: str) -> None:
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise DomainError(
            f"Choose from 1 to {MAX_RETENTION_DAYS:,} days, {empty_means}.", ErrorCode.BAD_RETENTION, "retention_days"
        )


def set_retention(days: int | None, *, actor: str) -> PrivacySettings:
    """Set the retention period in days (None: keep personal data). Raises DomainError
    ``bad_retention`` (field ``retention_days``) outside 1 … MAX_RETENTION_DAYS."""
    _check_days(days, "or leave it empty to keep data")
    row = db.session.get(PrivacySettings, 1)
    if row is None:
        row = PrivacySettings(id=1)
        db.session.add(row)
    row.retention_days = days
    row.updated_by = actor
    db.session.flush()
    return row


def set_series_retention(row: Series, days: int | None) -> None:
    """Give ``row`` its own retention period in days (None: the site's setting). Raises
    DomainError ``bad_retention`` (field ``retention_days``) outside 1 … MAX_RETENTION_DAYS."""
    _check_days(days, "or leave it empty to follow the site's setting")
    row.retention_days = days
    db.session.flush()


def periods() -> dict[int, int]:
    """Series id → the retention period in days its events follow (series without one: kept)."""
    site = db.session.scalar(sa.select(PrivacySettings.retention_days).where(PrivacySettings.id == 1))
    own = db.session.execute(sa.select(Series.id, Series.retention_days)).all()
    followed = {sid: days if days is not None else site for sid, days in own}
    return {sid: days for sid, days in followed.items() if days}


def _past_period(now: dt.datetime, days_by_series: dict[int, int]):
    """Events that ended longer ago than their series' period, as a condition (None: none can be)."""
    if not days_by_series:
        return None
    return sa.or_(
        *(
            sa.and_(Event.series_id == sid, Event.ends_at < now - dt.timedelta(days=days))
            for sid, days in days_by_series.items()
        )
    )


def _due(past):
    return (
        sa.select(Rsvp)
        .join(Event, Event.id == Rsvp.event_id)
        .where(past, Rsvp.anonymised_at.is_(None))
        .order_by(Rsvp.id)
    )


def due_for_retention(now: dt.datetime | None = None) -> int:
    """How many RSVPs the next retention run would anonymise (0 when retention is off)."""
    past = _past_period(now or utcnow(), periods())
    if past is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(_due(past).subquery()))


def apply_retention_batch(*, now: dt.datetime | None = None, limit: int = RETENTION_BATCH) -> int:
    """Anonymise up to ``limit`` RSVPs of events that ended more than the retention period ago.

    Returns how many were anonymised (0 when retention is off or nothing is due); the caller
    commits and calls again until 0. Idempotent: anonymised rows are skipped. Two runs at
    once do not record a row twice: on PostgreSQL the rows are locked (SKIP LOCKED, so the
    second run takes others); on SQLite the caller's transaction holds the write lock.
    """
    now = now or utcnow()
    days_by_series = periods()
    past = _past_period(now, days_by_series)
    if past is None:
        return 0
    query = _due(past).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Rsvp, skip_locked=True)
    due = db.session.scalars(query.execution_options(populate_existing=True)).all()
    # Invitations of those events go too, answered or not: each holds a person's name and address.
    db.session.execute(sa.delete(GuestInvitation).where(GuestInvitation.event_id.in_(sa.select(Event.id).where(past))))
    for rsvp in due:
        # A past event's live statuses stay: they are the attendance record.
        days = days_by_series[rsvp.event.series_id]
        anonymise_rsvp(rsvp, actor="system", reason=f"retention: {days} days after the event", now=now)
    return len(due)
