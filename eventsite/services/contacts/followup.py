"""The week-after e-mail with a guest's saved contacts, and what deleting a guest's data takes
out of everyone's contacts (their card in follow-ups not sent yet included).

The e-mail is claimed per guest with a conditional UPDATE of ``GuestProfile.followup_sent_at``
in the transaction that queues it, so it goes out once.
"""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import (
    BulkKind,
    Event,
    EventStatus,
    GuestProfile,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    RsvpStatus,
    SavedContact,
    utcnow,
)
from eventsite.services import links, mail, opt_outs
from eventsite.services.contacts.cards import count_saved, my_contacts, saved_counts
from eventsite.services.contacts.downloads import vcard, vcard_filename

#: The seeds' advice: follow up within a week.
FOLLOW_UP_AFTER = dt.timedelta(days=7)
#: Events that ended longer ago than this get no follow-up (e.g. when the job was down for weeks).
FOLLOW_UP_UNTIL = dt.timedelta(days=21)
FOLLOW_UP_KIND = "contacts_followup"


def send_followups(*, now: dt.datetime | None = None) -> int:
    """Queue one e-mail per confirmed guest who saved at least one contact at an event that ended
    FOLLOW_UP_AFTER ago (and not longer than FOLLOW_UP_UNTIL), with the vCard attached.

    Each guest is claimed with a conditional UPDATE of ``followup_sent_at``; a concurrent run that
    claimed the guest first makes this one skip them. Call inside ``writing()``; the caller commits.
    Returns how many were queued.
    """
    now = now or utcnow()
    has_contacts = sa.select(SavedContact.id).where(SavedContact.owner_id == GuestProfile.rsvp_id).exists()
    candidates = db.session.execute(
        sa.select(GuestProfile.rsvp_id, Rsvp.email_key)
        .join(Rsvp, Rsvp.id == GuestProfile.rsvp_id)
        .join(Event, Event.id == Rsvp.event_id)
        .where(
            GuestProfile.followup_sent_at.is_(None),
            Rsvp.status == RsvpStatus.CONFIRMED,
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now - FOLLOW_UP_AFTER,
            Event.ends_at > now - FOLLOW_UP_UNTIL,
            has_contacts,
        )
        .order_by(GuestProfile.rsvp_id)
    ).all()
    queued = 0
    # Guests who turned these off are claimed all the same (nothing is owed them later) but not written to.
    unsubscribed = opt_outs.opted_out((key for _, key in candidates), BulkKind.FOLLOW_UPS)
    for rsvp_id, key in candidates:  # in id order, so two runs lock rows alike
        claim = db.session.execute(
            sa.update(GuestProfile)
            .where(GuestProfile.rsvp_id == rsvp_id, GuestProfile.followup_sent_at.is_(None))
            .values(followup_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claim.rowcount != 1 or key in unsubscribed:
            continue
        _queue_followup(db.session.get(Rsvp, rsvp_id))
        queued += 1
    db.session.flush()
    return queued


def _queue_followup(rsvp: Rsvp) -> None:
    rows = my_contacts(rsvp)
    event = rsvp.event
    mail.queue_message(
        to=rsvp.email,
        kind=FOLLOW_UP_KIND,
        subject=f"The {len(rows)} {'person' if len(rows) == 1 else 'people'} you met at {event.title}",
        template=FOLLOW_UP_KIND,
        rsvp=rsvp,
        attachments=[
            {"filename": vcard_filename(event), "mimetype": "text/vcard", "content": vcard(rows, event=event)}
        ],
        event=event,
        contacts=rows,
        contacts_url=f"{links.manage_url(rsvp)}/contacts",
        bulk=BulkKind.FOLLOW_UPS,
    )


def forget_guest(rsvp: Rsvp) -> None:
    """Remove the guest's directory entry and sharing choices, every contact they saved and every
    saved copy of their card (for the guest-data deletion). The organizer's figures for the
    event stay as they were (Event.forgotten_*). Flushes; the caller commits."""
    before = saved_counts(rsvp.event_id)
    # Follow-ups queued but not sent to guests who saved this one carry their card: they are
    # written again without it (or dropped when nobody else is left in them).
    savers = sa.select(SavedContact.owner_id).where(SavedContact.contact_id == rsvp.id)
    unsent = sa.and_(
        OutboxMessage.kind == FOLLOW_UP_KIND,
        OutboxMessage.rsvp_id.in_(savers),
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)),
    )
    rewrite = db.session.scalars(sa.select(OutboxMessage.rsvp_id).where(unsent)).all()
    db.session.execute(sa.delete(OutboxMessage).where(unsent).execution_options(synchronize_session="fetch"))
    db.session.execute(
        sa.delete(SavedContact)
        .where(sa.or_(SavedContact.owner_id == rsvp.id, SavedContact.contact_id == rsvp.id))
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.delete(GuestProfile).where(GuestProfile.rsvp_id == rsvp.id).execution_options(synchronize_session="fetch")
    )
    after = saved_counts(rsvp.event_id)
    event = rsvp.event
    event.forgotten_contacts += before[0] - after[0]
    event.forgotten_savers += before[1] - after[1]
    for owner_id in rewrite:
        owner = db.session.get(Rsvp, owner_id)
        if owner is not None and count_saved(owner):
            _queue_followup(owner)
    db.session.flush()
