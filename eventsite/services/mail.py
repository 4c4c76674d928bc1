"""The one place that sends mail: an outbox written in the caller's transaction, delivered after.

``queue_message`` adds a row and marks the session so that, once the caller commits, the
deliverer is woken (see ``eventsite.jobs``). Delivery claims each row with a conditional
UPDATE on rows taken with
``claim_due_rows`` (SKIP LOCKED on PostgreSQL), so two deliverers never send one message twice, and a failure stays in the outbox
with its error and a back-off before the next attempt.
"""

import dataclasses
import datetime as dt
import functools
import hashlib
import smtplib
import sys
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import selectinload

from eventsite.database import claim_due_rows
from eventsite.extensions import db
from eventsite.formatting import clock
from eventsite.models import BulkKind, Event, OutboxMessage, OutboxStatus, Rsvp, RsvpAction, RsvpChange, RsvpStatus
from eventsite.services import calendar, links, opt_outs

MAX_ATTEMPTS = 8
#: The kinds of the notices to the team (services.notifications) start with this.
TEAM_NOTICE_PREFIX = "notice_"
#: A "sending" claim older than this is assumed to belong to a deliverer that died.
STALE_CLAIM = dt.timedelta(minutes=10)


def queue_message(
    *,
    to: str,
    kind: str,
    subject: str,
    template: str,
    rsvp: Rsvp | None = None,
    attachments: list[dict] | None = None,
    headers: dict[str, str] | None = None,
    invitation=None,
    bulk: BulkKind | None = None,
    **context,
) -> OutboxMessage:
    """Render ``emails/<template>.txt`` and ``.html`` with ``context`` and add them to the outbox
    (``headers``: extra header fields; ``invitation``: the guest invitation the message delivers;
    ``bulk``: the kind of bulk e-mail it is, which gives it an unsubscribe link, shown by the
    template's footer as ``unsubscribe_url``, and the one-click List-Unsubscribe fields)."""
    context.setdefault("rsvp", rsvp)
    if bulk is not None:
        footer, extra = opt_outs.bulk_extras(to, bulk)
        context.update(footer)
        headers = {**(headers or {}), **extra}
    message = queue_rendered(
        to=to, kind=kind, subject=subject, rsvp=rsvp, attachments=attachments, headers=headers,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", subject=subject, **context),
    )  # fmt: skip
    if invitation is not None:
        message.invitation = invitation
    return message


def render_bodies(template: str, subject: str, **context) -> tuple[str, str]:
    """(text, HTML) of ``emails/<template>``: for a message sent to many, rendered once."""
    context.setdefault("rsvp", None)
    return (
        render_template(f"emails/{template}.txt", **context),
        render_template(f"emails/{template}.html", subject=subject, **context),
    )


def queue_rendered(
    *,
    to: str,
    kind: str,
    subject: str,
    body_text: str,
    body_html: str,
    rsvp: Rsvp | None = None,
    attachments: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Add an already rendered message to the outbox (``queue_message`` renders, then calls this)."""
    message = OutboxMessage(
        rsvp_id=rsvp.id if rsvp is not None else None, kind=kind, to_address=to, subject=subject,
        body_text=body_text, body_html=body_html, attachments=attachments or [], headers=headers or {},
    )  # fmt: skip
    db.session.add(message)
    db.session.info["outbox_dirty"] = True
    return message


#: kind -> (subject pattern, template). Subjects are formatted with the event.
GUEST_MESSAGES = {
    "confirmed": ("You're confirmed: {e.title}", "rsvp_status"),
    "waitlisted": ("You're on the waitlist: {e.title}", "rsvp_status"),
    "pending": ("We received your RSVP: {e.title}", "rsvp_status"),
    "manage_link": ("Your RSVP link: {e.title}", "rsvp_status"),
    "updated": ("Your RSVP details were updated: {e.title}", "rsvp_status"),
    "cancelled": ("Your RSVP is cancelled: {e.title}", "rsvp_cancelled"),
    "cancelled_by_organizer": ("The organizers cancelled your RSVP: {e.title}", "rsvp_cancelled"),
    "offer": ("A spot opened up: {e.title}", "rsvp_offer"),
    "promoted": ("A spot opened up and it's yours: {e.title}", "rsvp_status"),
    "offer_expired": ("Your offered spot has expired: {e.title}", "rsvp_cancelled"),
    "event_cancelled": ("Cancelled: {e.title}", "event_cancelled"),
    "event_moved": ("New time: {e.title} is now on {when}", "event_moved"),
    "approved": ("Your RSVP is approved: {e.title}", "rsvp_status"),
    "declined": ("About your RSVP request: {e.title}", "rsvp_cancelled"),
    "resent": ("Your RSVP: {e.title}", "rsvp_status"),
    "email_changed": ("Your RSVP now uses this address: {e.title}", "rsvp_status"),
    "moved_to_waitlist": ("You're now on the waitlist: {e.title}", "rsvp_status"),
    "moved_to_confirmed": ("You're confirmed: {e.title}", "rsvp_status"),
}


def contact_address() -> str:
    """The organizers' bare address from MAIL_REPLY_TO, or "" when none is configured."""
    return parseaddr(current_app.config.get("MAIL_REPLY_TO") or "")[1]


def _start_words(event) -> str:
    """'Friday, September 12 at 8:00 PM PDT' in the event's zone (for subjects)."""
    start = event.local_starts_at
    return f"{start.strftime('%A, %B')} {start.day} at {clock(start)} {start.tzname()}"


def queue_event_full(event, address: str) -> OutboxMessage:
    """Tell ``address``, which has no RSVP, that ``event`` is full (no private link: nothing was
    saved). Rendered by the deliverer, like the guest e-mails (the RSVP form sends it)."""
    recipe = {"template": "event_full", "event_id": event.id, "context": {}}
    return _queue_recipe(address, "event_full", f"Sorry, this event is full: {event.title}", None, recipe)


def _queue_recipe(to: str, kind: str, subject: str, rsvp: Rsvp | None, recipe: dict) -> OutboxMessage:
    """Add a message that the deliverer renders from ``recipe`` (see ``contents``)."""
    message = queue_rendered(to=to, kind=kind, subject=subject, rsvp=rsvp, body_text="", body_html="")
    message.render = recipe
    return message


def queue_guest_message(rsvp: Rsvp, kind: str, **context) -> OutboxMessage | None:
    """Queue one of the standard guest e-mails (GUEST_MESSAGES), to be rendered by the deliverer;
    None for an anonymised guest, who has no address left (services.privacy). ``context`` goes
    to the template as well (e.g. ``was``: the status before an organizer's change) and must be
    JSON: it is kept on the row.

    The request writes what to send, not the message: the row holds the kind, the RSVP, the
    subject, and a recipe (``render``) of the inputs that describe the moment (the RSVP's status
    then, whether the calendar file goes with it, ``context``); ``render_queued`` makes the text,
    HTML and calendar file after the commit. What changed in between is handled so:

    - the guest's name, the event's details and the private links are read at delivery, so a
      name edited a second later is spelled the new way and a link is never one already
      replaced (a new private link after an address change, say);
    - the status is the one the message was queued for: "You're confirmed" followed by a quick
      cancel is two truthful e-mails, not a confirmation that says "Cancelled";
    - an RSVP deleted before delivery leaves nothing to send: the row is marked failed, once,
      with the reason; an anonymised guest's unsent e-mails were deleted with their data.

    With nothing changed in between, the e-mail is byte for byte the one rendered in the
    request before (tests/services/test_mail_rendering.py renders every kind both ways).
    """
    if rsvp.anonymised_at is not None:
        return None
    subject_pattern, template = GUEST_MESSAGES[kind]
    event = rsvp.event
    subject = subject_pattern.format(e=event, when=_start_words(event))
    recipe = {"template": template, "status": rsvp.status.value, "calendar": rsvp.is_live, "context": context}
    return _queue_recipe(rsvp.email, kind, subject, rsvp, recipe)


@dataclasses.dataclass(frozen=True)
class Contents:
    """What an outbox message carries: its text, HTML and attachments."""

    text: str
    html: str
    attachments: list[dict]


class Unsendable(Exception):
    """A queued message that can no longer be rendered (its RSVP was deleted): not retried."""


class _AsQueued:
    """The RSVP as a template sees it: as it is now, with the status it had when queued."""

    def __init__(self, rsvp: Rsvp, status: RsvpStatus):
        self._rsvp, self.status = rsvp, status

    def __getattr__(self, name):
        return getattr(self._rsvp, name)


def contents(message: OutboxMessage, rsvp: Rsvp | None = None) -> Contents:
    """The message's contents: as stored, or, for a guest e-mail queued with a recipe, rendered
    now from its RSVP (``rsvp``: that RSVP, already loaded). Raises Unsendable when the RSVP
    is gone."""
    recipe = message.render
    if recipe is None:
        return Contents(message.body_text, message.body_html, message.attachments or [])
    if "event_id" in recipe:  # queue_event_full: an address without an RSVP
        event = db.session.get(Event, recipe["event_id"])
        if event is None:
            raise Unsendable("not sent: the event this e-mail was about was deleted before it could be sent")
        context = {
            "rsvp": None,
            "event": event,
            "events_url": f"{links.base_url()}/",
            "contact_email": contact_address(),
        }
        return _rendered(recipe["template"], message.subject, context, [])
    if rsvp is None and message.rsvp_id is not None:
        rsvp = db.session.get(Rsvp, message.rsvp_id)
    if rsvp is None:
        raise Unsendable("not sent: the RSVP this e-mail was about was deleted before it could be sent")
    event = rsvp.event
    attachments = []
    if recipe["calendar"]:
        ics = calendar.event_ics(event, url=links.event_url(event), base_url=links.base_url())
        attachments.append({"filename": "event.ics", "mimetype": "text/calendar", "content": ics.decode()})
    context = {
        "rsvp": _AsQueued(rsvp, RsvpStatus(recipe["status"])),
        "event": event,
        "message_kind": message.kind,
        "manage_url": links.manage_url(rsvp),
        "claim_url": links.claim_url(rsvp),
        "event_url": links.event_url(event),
        "contact_email": contact_address(),
        **recipe["context"],
    }
    return _rendered(recipe["template"], message.subject, context, attachments)


def _rendered(template: str, subject: str, context: dict, attachments: list[dict]) -> Contents:
    return Contents(*render_bodies(template, subject, **context), attachments)


def render_queued(batch: list[OutboxMessage]) -> dict[int, str]:
    """Give each message of a claimed batch queued with a recipe its text, HTML and attachments
    (on the objects in hand: the row keeps the recipe, and a retry renders again). Reads the
    batch's RSVPs and events in one query each. Returns {message id: why} for the messages
    that cannot be sent (Unsendable)."""
    queued = [m for m in batch if m.render is not None]
    if not queued:
        return {}
    ids = {m.rsvp_id for m in queued if m.rsvp_id is not None}  # (an event_full has none)
    rsvps = {
        r.id: r for r in db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(ids)).options(selectinload(Rsvp.event)))
    }
    unsendable = {}
    for message in queued:
        try:
            made = contents(message, rsvps.get(message.rsvp_id))
        except Unsendable as exc:
            unsendable[message.id] = str(exc)
            continue
        message.body_text, message.body_html, message.attachments = made.text, made.html, made.attachments
        message.render = None  # rendered: what it carries is now on the object
    return unsendable


def claim_due(now: dt.datetime, limit: int = 50) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this deliverer (status → sending); caller commits."""
    due = sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at <= now - STALE_CLAIM),
    )
    ids = claim_due_rows(sa.select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit))
    claimed = []
    for message_id in ids:
        # The WHERE repeats the due test (belt and braces: the rows are locked on PostgreSQL and
        # the database is on SQLite); a row claimed meanwhile would match 0 rows.
        result = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, due)
            .values(status=OutboxStatus.SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    return [db.session.get(OutboxMessage, i, populate_existing=True) for i in claimed]


def message_id(message: OutboxMessage) -> str:
    """The outbox row's one Message-ID: a message sent again (a deliverer that died between
    sending and recording it) carries the same id, so mail systems and clients see one message.
    Derived from SECRET_KEY so that ids from two installations (or a restored copy) never meet."""
    config = current_app.config
    digest = hashlib.sha256(f"{config['SECRET_KEY']}:outbox:{message.id}".encode()).hexdigest()[:20]
    return f"<outbox.{message.id}.{digest}@{urlsplit(config['BASE_URL']).hostname}>"


def build_email(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    if config.get("MAIL_REPLY_TO"):
        email["Reply-To"] = config["MAIL_REPLY_TO"]
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message)
    for name, value in (message.headers or {}).items():
        email[name] = value
    made = contents(message)
    email.set_content(made.text)
    email.add_alternative(made.html, subtype="html")
    for item in made.attachments:
        email.make_mixed()  # what add_attachment does, with a part built once (below)
        email.attach(_attachment(item["content"], item["mimetype"], item["filename"]))
    return email


@functools.lru_cache(maxsize=64)
def _attachment(content: str, mimetype: str, filename: str) -> EmailMessage:
    """The MIME part ``add_attachment`` would build, once per file: every guest of an event gets
    the same calendar file, and encoding it is a fifth of building a message. Read-only: the
    messages it is attached to are only flattened."""
    maintype, subtype = mimetype.split("/", 1)
    part = EmailMessage(policy=email_policy.default)
    part.set_content(content.encode(), maintype=maintype, subtype=subtype, filename=filename, disposition="attachment")
    return part


def transmit(message: OutboxMessage) -> None:
    """Send by SMTP when MAIL_SERVER is set, else print to the console (development)."""
    config = current_app.config
    email = build_email(message)
    if not config["MAIL_SERVER"]:
        out = sys.stdout
        out.write(f"\n---- e-mail to {message.to_address} ----\nSubject: {message.subject}\n\n{message.body_text}\n")
        if message.attachments:
            out.write(f"[attached: {', '.join(a['filename'] for a in message.attachments)}]\n")
        out.write("---- end of e-mail ----\n")
        out.flush()
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def record_outcomes(
    outcomes: list[tuple[OutboxMessage, str | None]], now: dt.datetime, final: set[int] = frozenset()
) -> list[int]:
    """Record what happened to claimed messages: ``(message, None)`` sent, ``(message, error)`` failed.

    Sent: status sent, an "e-mailed" line in the RSVP's history. Failed: the error is kept and
    the message retried after 1, 2, 4 … minutes, or marked failed after MAX_ATTEMPTS. The
    messages may be detached (the deliverer keeps the claimed rows it read); each is written
    with one UPDATE by id, never re-read. ``final``: ids of messages that failed in a way a retry
    cannot mend (Unsendable), marked failed at once. Returns the ids of the messages that failed
    for good.
    """
    given_up = []
    sent = [message for message, error in outcomes if error is None]
    if sent:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_([m.id for m in sent]))
            .values(status=OutboxStatus.SENT, sent_at=now, attempts=OutboxMessage.attempts + 1, last_error="")
            .execution_options(synchronize_session=False)
        )
        # A notice to the team may name guests; once it is in the member's mailbox the outbox
        # keeps no copy of its words, so that a guest's deletion or the retention period has
        # nothing here to miss.
        notices = [m.id for m in sent if m.kind.startswith(TEAM_NOTICE_PREFIX)]
        if notices:
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(notices))
                .values(body_text="", body_html="")
                .execution_options(synchronize_session=False)
            )
        history = [
            {"rsvp_id": m.rsvp_id, "action": RsvpAction.EMAILED, "actor": "system", "detail": m.subject}
            for m in sent
            if m.rsvp_id is not None
        ]
        if history:
            db.session.execute(sa.insert(RsvpChange), history)
    for message, error in outcomes:
        if error is None:
            continue
        attempts = message.attempts + 1  # the claim is ours: nobody else changed the row
        values = {"attempts": attempts, "last_error": error[:2000], "claimed_at": None}
        if attempts >= MAX_ATTEMPTS or message.id in final:
            values["status"] = OutboxStatus.FAILED
            given_up.append(message.id)
        else:
            values["status"] = OutboxStatus.PENDING
            values["next_attempt_at"] = now + dt.timedelta(minutes=2 ** (attempts - 1))
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    return given_up
