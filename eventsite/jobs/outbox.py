"""E-mail delivery: the outbox worker. ``deliver_outbox`` sends what is due (each call a
transaction boundary); in a web process a daemon thread (``MailWorker``) is woken after any
commit that queued mail, so a guest's e-mail leaves within a second without the request waiting
on SMTP. Command-line processes never start that thread (they deliver before they exit)."""

import dataclasses
import logging
import threading
import time

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import utcnow
from eventsite.services import alerts, invitations, mail, notifications

log = logging.getLogger(__name__)


@dataclasses.dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


#: Outcomes of a batch are written together, at least this often while it is being sent.
RECORD_EVERY_S = 1.0
#: How long the delivery thread, once woken, lets mail gather before it claims a batch.
GATHER_S = 0.2


def deliver_outbox(limit: int = 50) -> DeliveryReport:
    """Send every due outbox message: claim a batch (committed), send it, record the outcomes.

    Outcomes are recorded together, once the batch is sent or every RECORD_EVERY_S while a slow
    server takes it: one write transaction instead of one per message, which matters on
    SQLite, where every write queues for the one write lock. A deliverer that dies between
    sending and recording leaves those messages claimed; they are sent again once the claim
    is stale (mail.STALE_CLAIM), as a message was before when it died between the two.
    """
    report = DeliveryReport()
    while True:
        now = utcnow()
        with writing():
            batch = mail.claim_due(now, limit)
            for message in batch:
                db.session.expunge(message)  # keep the rows as read: the commit must not expire them
            db.session.commit()
        if not batch:
            return report
        # Guest e-mails are rendered here, after the commit that queued them, in a read
        # transaction ended before the first byte goes to the mail server.
        unsendable = mail.render_queued(batch)
        db.session.rollback()
        outcomes: list = [(m, unsendable[m.id]) for m in batch if m.id in unsendable]
        report.failed += len(outcomes)
        since = time.monotonic()
        for message in batch:
            if message.id in unsendable:
                continue
            try:
                mail.transmit(message)
            except Exception as exc:  # any transport failure is kept on the message
                # The message id, not the address: logs outlive a guest's data deletion.
                log.warning("outbox message %s failed: %s", message.id, type(exc).__name__)
                outcomes.append((message, f"{type(exc).__name__}: {exc}"))
                report.failed += 1
            else:
                outcomes.append((message, None))
                report.sent += 1
            if time.monotonic() - since >= RECORD_EVERY_S:
                _record(outcomes, unsendable)
                outcomes, since = [], time.monotonic()
        _record(outcomes, unsendable)
        if len(batch) < limit:
            return report


def _record(outcomes: list, unsendable: dict[int, str]) -> None:
    if not outcomes:
        return
    with writing():
        # Begin afresh so that on SQLite the write transaction begins with the lock.
        db.session.rollback()
        given_up = mail.record_outcomes(outcomes, utcnow(), final=set(unsendable))
        notifications.after_failures(given_up)  # tell the team of guests' e-mails that failed for good
        invitations.after_failures(given_up)  # and mark the invitations among them bounced
        alerts.after_failures(given_up)  # and stop city alerts to addresses that bounce
        db.session.commit()


class MailWorker:
    """A daemon thread per process that delivers the outbox when woken and once a minute."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.stopping = False

    def notify(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="eventsite-mail", daemon=True)
                self.thread.start()
        self.wake.set()

    def stop(self) -> None:
        """End the thread after the delivery at hand, if any (an app that is put away, as the
        tests' apps are; a server's thread ends with its process). Queued mail stays queued."""
        self.stopping = True
        self.wake.set()
        if self.thread is not None:
            self.thread.join(10)

    def _loop(self) -> None:
        while True:
            woken = self.wake.wait(timeout=60)
            if self.stopping:
                return
            if woken:
                # Gather what the next few requests queue into the same batch: under a rush
                # of RSVPs, one claim and one record transaction then serve many e-mails
                # instead of two per e-mail, each waiting for SQLite's write lock beside the
                # RSVPs themselves. An e-mail still leaves within a second of its commit.
                time.sleep(GATHER_S)
            self.wake.clear()
            try:
                with self.app.app_context():
                    deliver_outbox()
            except Exception:  # keep the thread alive; the messages stay in the outbox
                log.exception("outbox delivery failed")


@sa.event.listens_for(db.session, "after_commit")
def _wake_deliverer(session) -> None:
    # Only a web request hands its e-mail to the thread. A command (`flask jobs run`, `flask
    # demo`) delivers what it queued itself before it exits: a thread of its own would claim
    # the rows and be killed with the process, leaving them "sending" (issue 12.14).
    if session.info.pop("outbox_dirty", False) and has_request_context():
        worker = current_app.extensions.get("eventsite.mail_worker")
        if worker is not None:
            worker.notify()


def init_app(app: Flask) -> None:
    """Give the app a delivery thread, woken after each commit that queued mail."""
    if app.config["MAIL_DELIVERY"] == "background":
        app.extensions["eventsite.mail_worker"] = MailWorker(app)
