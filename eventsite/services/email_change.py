"""A guest changes the e-mail address of their RSVP: asked for on the manage page, it takes
effect only when the new address opens the signed link we send it (``MAX_AGE``), and the old
address is told afterwards.

The link's token is encrypted (Fernet: AES-CBC with HMAC-SHA256 and a timestamp, keyed from
SECRET_KEY), so the URL, which ends up in browser histories and logs, shows no address. It names
the RSVP, the new address, the address it replaces and a fingerprint of the RSVP's manage link;
every confirmed change gives the RSVP a new manage link, so a link works once: not again after a
second change, nor after A→B→A. It does not carry the private manage link: a mistyped address
must not get control of the RSVP. Confirming mails the new manage link to the new address (the
old mailbox's copy stops working).

Uniqueness of live RSVPs per address (the partial unique index on ``email_key``) is checked
only when confirming, under the event lock, and shown to whoever opened the link: asking
never says whether an address already holds an RSVP, so a manage link is no way to find
out who replied (as the RSVP form says nothing of it either).
"""

import dataclasses
import datetime as dt
import json
import time

from cryptography.fernet import Fernet, InvalidToken

from eventsite.database import lock_event
from eventsite.extensions import db
from eventsite.formatting import local_datetime
from eventsite.models import Rsvp, RsvpAction, utcnow
from eventsite.services import DomainError, ErrorCode, history, links, mail, rsvps, tokens

MAX_AGE = dt.timedelta(hours=48)
FIELD = "new_email"


def _fernet() -> Fernet:
    return tokens.sealer(b"eventsite email-change v2")


def _fingerprint(rsvp: Rsvp) -> str:
    """Changes with the RSVP's manage link, which every confirmed change replaces."""
    return tokens.fingerprint(rsvp.manage_token)


def _check(rsvp: Rsvp, key: str) -> None:
    if rsvp.is_anonymised or not rsvp.is_live:
        raise DomainError("This RSVP is cancelled, so its e-mail address can't be changed.", ErrorCode.NOT_LIVE)
    if key == rsvp.email_key:
        raise DomainError("That's already the address on your RSVP.", ErrorCode.SAME_EMAIL, FIELD)


def _check_free(rsvp: Rsvp, key: str) -> None:
    other = rsvps.find_live_rsvp(rsvp.event, key)
    if other is not None and other.id != rsvp.id:
        raise DomainError(
            "This address already has an RSVP for this event, and an address can hold only one. "
            "Use another address, or cancel that RSVP first with the link we e-mailed to it.",
            ErrorCode.EMAIL_TAKEN,
            FIELD,
        )


def link_token(rsvp: Rsvp, address: str) -> str:
    """The secret part of the confirmation link that would move ``rsvp`` to ``address``."""
    payload = json.dumps([rsvp.id, address, rsvp.email_key, _fingerprint(rsvp)], separators=(",", ":"))
    return _fernet().encrypt(payload.encode()).decode().rstrip("=")


def request_change(rsvp: Rsvp, new_email: str, *, now: dt.datetime | None = None) -> str:
    """Queue the confirmation link to ``new_email``; nothing changes yet. Returns the address
    as it will be stored. Raises DomainError ``bad_email``/``same_email`` (field
    ``new_email``) or ``not_live``; whether the address is free is checked on confirming."""
    now = now or utcnow()
    try:
        address, key = rsvps.normalise_email(new_email)
    except DomainError as exc:
        raise DomainError(exc.message, exc.code, FIELD) from None
    _check(rsvp, key)
    token = link_token(rsvp, address)
    event = rsvp.event
    mail.queue_message(
        to=address,
        kind="email_change_confirm",
        subject=f"Confirm your new e-mail address: {event.title}",
        template="email_change_confirm",
        rsvp=rsvp,
        event=event,
        new_email=address,
        confirm_url=f"{links.base_url()}/email-change/{token}",
        expires=local_datetime(now + MAX_AGE, event.tz),
    )
    # No address in the history: organizers see it on the RSVP once confirmed, and a deletion
    # must not leave one behind in a line of text.
    history.record(rsvp, RsvpAction.EMAILED, "guest", "confirmation link sent to a new address")
    db.session.flush()
    return address


@dataclasses.dataclass(frozen=True)
class Change:
    rsvp: Rsvp
    new_email: str
    #: The address key the link was sent for: once it differs, the link is used up.
    old_key: str
    #: The manage link's fingerprint when the link was sent: any change since replaced it.
    fingerprint: str


_LINK_USED = (
    "This link was already used, or your address changed since we sent it. Your RSVP shows the address in use now."
)


def read_link(token: str) -> Change:
    """What a confirmation link would change. Raises DomainError ``link_expired``,
    ``link_used`` (the address changed since it was sent) or ``bad_link``."""
    bad = DomainError("This confirmation link isn't valid. Check that you copied all of it.", ErrorCode.BAD_LINK)
    raw = (token + "=" * (-len(token) % 4)).encode()
    try:
        payload = json.loads(_fernet().decrypt(raw))
        rsvp_id, address, old_key, fingerprint = payload
        made = _fernet().extract_timestamp(raw)
    except (InvalidToken, ValueError, TypeError, UnicodeError):
        raise bad from None
    if time.time() - made > MAX_AGE.total_seconds():
        raise DomainError(
            "This confirmation link has expired. Ask for a new one from your RSVP page.", ErrorCode.LINK_EXPIRED
        )
    rsvp = db.session.get(Rsvp, rsvp_id) if isinstance(rsvp_id, int) and 0 < rsvp_id < 2**31 else None
    if rsvp is None or not isinstance(address, str):
        raise bad
    if old_key != rsvp.email_key or fingerprint != _fingerprint(rsvp):
        raise DomainError(_LINK_USED, ErrorCode.LINK_USED)
    return Change(rsvp, address, old_key, fingerprint)


def confirm_change(change: Change) -> None:
    """Apply a link ``read_link`` accepted: the RSVP's address becomes the new one, its manage
    link is replaced and mailed to the new address, the history says so, and the old address
    gets a short notice. Raises ``link_used`` (another change won meanwhile), ``not_live`` and
    ``email_taken``."""
    rsvp = change.rsvp
    lock_event(rsvp.event_id)
    db.session.refresh(rsvp)  # as it is now, under the lock
    if change.old_key != rsvp.email_key or change.fingerprint != _fingerprint(rsvp):
        raise DomainError(_LINK_USED, ErrorCode.LINK_USED)
    address, key = rsvps.normalise_email(change.new_email)
    _check(rsvp, key)
    _check_free(rsvp, key)
    old = rsvp.email
    rsvp.email, rsvp.email_key = address, key
    rsvp.manage_token = tokens.new_token()
    history.record(
        rsvp, RsvpAction.EDITED, "guest", "e-mail address (confirmed from the new address); new private link"
    )
    db.session.flush()
    mail.queue_guest_message(rsvp, "email_changed")
    mail.queue_message(
        to=old,
        kind="email_changed_notice",
        subject=f"Your RSVP's e-mail address was changed: {rsvp.event.title}",
        template="email_changed_notice",
        rsvp=rsvp,
        event=rsvp.event,
        old_email=old,
        new_email=address,
        contact_email=mail.contact_address(),
    )
