"""The job runner's feedback e-mails: the invitation after the event and the one reminder.

Invitations follow the reminders' pattern: each guest's invitation row is claimed with a
conditional UPDATE (``invited_at`` still empty) in the transaction that queues the e-mail, so
two job runners never send it twice.
"""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import BulkKind, Event, EventStatus, FeedbackForm, FeedbackInvitation, Rsvp, RsvpStatus, utcnow
from eventsite.services import opt_outs
from eventsite.services.feedback.audience import (
    INVITE_KIND,
    REMINDER_KIND,
    answered,
    in_audience,
    invitation_for,
    queue_link_mail,
)

#: Events are invited for this long after their end at most (the job's look-back).
JOB_LOOKBACK = dt.timedelta(days=90)


def due_forms(now: dt.datetime) -> list[FeedbackForm]:
    """Forms of published events that ended within JOB_LOOKBACK, with invitations on."""
    forms = db.session.scalars(
        sa.select(FeedbackForm)
        .join(Event, Event.id == FeedbackForm.event_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now,
            Event.ends_at > now - JOB_LOOKBACK,
            FeedbackForm.invitations_enabled.is_(True),
        )
        .order_by(FeedbackForm.id)
    ).all()
    return [f for f in forms if f.invite_at <= now < f.effective_closes_at]


def _claim(invitation: FeedbackInvitation, sent_at: str, now: dt.datetime) -> bool:
    """Set the invitation's ``sent_at`` column (invited_at, reminded_at) if still empty; whether
    this runner did, and so sends the e-mail."""
    column = getattr(FeedbackInvitation, sent_at)
    claim = db.session.execute(
        sa.update(FeedbackInvitation)
        .where(FeedbackInvitation.id == invitation.id, column.is_(None))
        .values({sent_at: now})
        .execution_options(synchronize_session=False)
    )
    return claim.rowcount == 1


def send_invitations(*, now: dt.datetime | None = None) -> int:
    """E-mail each guest in the form's audience who has neither been invited nor answered their
    personal link, once; returns how many were queued. Call inside ``writing()``; caller commits."""
    now = now or utcnow()
    queued = 0
    for form in due_forms(now):
        event = form.event
        invited = sa.select(FeedbackInvitation.id).where(
            FeedbackInvitation.rsvp_id == Rsvp.id, FeedbackInvitation.invited_at.is_not(None)
        )
        candidates = db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_id == event.id, in_audience(form), ~invited.exists(), ~answered())
            .order_by(Rsvp.id)
        ).all()
        for rsvp in candidates:
            invitation_for(rsvp, form)
        if not candidates:
            continue
        # Two runners on PostgreSQL split the work instead of queueing behind each other's locks.
        due = db.session.scalars(
            sa.select(FeedbackInvitation)
            .where(FeedbackInvitation.rsvp_id.in_([r.id for r in candidates]), FeedbackInvitation.invited_at.is_(None))
            .order_by(FeedbackInvitation.id)
            .with_for_update(skip_locked=True)
        ).all()
        by_id = {r.id: r for r in candidates}
        unsubscribed = opt_outs.opted_out((r.email_key for r in candidates), BulkKind.FOLLOW_UPS)
        for invitation in due:  # claimed even when unsubscribed: nothing is owed them later
            if not _claim(invitation, "invited_at", now) or by_id[invitation.rsvp_id].email_key in unsubscribed:
                continue
            rsvp = by_id[invitation.rsvp_id]
            queue_link_mail(invitation, rsvp, event, INVITE_KIND, f"How was the evening? {event.title}")
            queued += 1
    db.session.flush()
    return queued


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """One reminder to each invited guest who hasn't answered ``reminder_after_days`` after the
    invitation, while the form is open; returns how many were queued. Caller commits."""
    now = now or utcnow()
    queued = 0
    for form in due_forms(now):
        if not form.reminder_enabled:
            continue
        event = form.event
        due = db.session.execute(
            sa.select(FeedbackInvitation, Rsvp)
            .join(Rsvp, Rsvp.id == FeedbackInvitation.rsvp_id)
            .where(
                FeedbackInvitation.form_id == form.id,
                FeedbackInvitation.invited_at <= now - dt.timedelta(days=form.reminder_after_days),
                FeedbackInvitation.reminded_at.is_(None),
                Rsvp.status != RsvpStatus.CANCELLED,
                ~answered(),
            )
            .order_by(FeedbackInvitation.id)
            .with_for_update(skip_locked=True, of=FeedbackInvitation)
        ).all()
        unsubscribed = opt_outs.opted_out((rsvp.email_key for _, rsvp in due), BulkKind.FOLLOW_UPS)
        for invitation, rsvp in due:
            if not _claim(invitation, "reminded_at", now) or rsvp.email_key in unsubscribed:
                continue
            queue_link_mail(
                invitation, rsvp, event, REMINDER_KIND, f"Reminder: two minutes of feedback on {event.title}"
            )
            queued += 1
    db.session.flush()
    return queued
