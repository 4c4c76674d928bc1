"""``flask jobs run`` (cron, every minute): the timed work of the site, each step a transaction
boundary (offers that expire, reminders, feedback invitations, contact follow-ups, invitation reminders, the team's
digests and door summaries, retention, badge PDFs past their week), then the delivery of what it queued, before it returns."""

import dataclasses
import logging

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.jobs.outbox import DeliveryReport, deliver_outbox
from eventsite.models import utcnow
from eventsite.services import (
    alerts,
    badges,
    contacts,
    feedback,
    invitations,
    leads,
    notice_digests,
    privacy,
    reminders,
    rsvps,
)

log = logging.getLogger(__name__)


@dataclasses.dataclass
class JobReport:
    offers_expired: int
    delivery: DeliveryReport
    reminders_queued: int = 0
    contact_followups_queued: int = 0
    anonymised: int = 0
    feedback_invited: int = 0
    feedback_reminded: int = 0
    team_notices_queued: int = 0
    invitation_reminders_queued: int = 0
    lead_mails_queued: int = 0
    city_alerts_queued: int = 0


def run_jobs() -> JobReport:
    """One cron tick: expire unclaimed offers, queue due reminders, feedback invitations,
    contact follow-ups, vendors' leads e-mails and the team's digests and door summaries, apply the retention period (privacy), remove badge PDFs older than a
    week, then deliver the outbox.

    Safe to run twice, even at the same time: each guest's reminder is claimed once.
    """
    db.session.rollback()
    with writing():
        expired = rsvps.expire_offers()
        db.session.commit()
    with writing():
        reminded = reminders.send_reminders()
        db.session.commit()
    with writing():
        invited = feedback.send_invitations()
        feedback_reminded = feedback.send_reminders()
        db.session.commit()
    with writing():
        followups = contacts.send_followups()
        db.session.commit()
    with writing():
        lead_mails = leads.send_lead_mails()
        db.session.commit()
    city_alerts = _send_city_alerts()
    with writing():
        invitation_reminders = invitations.send_due_reminders()
        db.session.commit()
    with writing():
        notices = notice_digests.send_due(utcnow())
        db.session.commit()
    anonymised = _apply_retention()
    with writing():
        badges.remove_expired_outputs()
        db.session.commit()
    return JobReport(
        offers_expired=expired,
        delivery=deliver_outbox(),
        reminders_queued=reminded,
        contact_followups_queued=followups,
        anonymised=anonymised,
        feedback_invited=invited,
        feedback_reminded=feedback_reminded,
        team_notices_queued=notices,
        invitation_reminders_queued=invitation_reminders,
        lead_mails_queued=lead_mails,
        city_alerts_queued=city_alerts,
    )


def _in_batches(step, size: int) -> int:
    """Run ``step`` (it handles at most ``size`` rows) as committed batches until one comes back
    short; returns how many rows were handled in all."""
    total = 0
    while True:
        with writing():
            done = step()
            db.session.commit()
        total += done
        if done < size:
            return total


def _send_city_alerts() -> int:
    """Queue the city alerts that are due, a committed batch at a time."""
    return _in_batches(alerts.send_due, alerts.BATCH)


def _apply_retention() -> int:
    """Anonymise past events' guests beyond the retention period, a committed batch at a time."""
    return _in_batches(privacy.apply_retention_batch, privacy.RETENTION_BATCH)
