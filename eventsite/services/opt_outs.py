"""Bulk e-mail a guest turned off (issue 17): kept per address and per kind, honoured by every
sender of that kind.

- Each bulk e-mail (an organizer's message, an invitation or its reminder, the feedback form's
  invitation or reminder, the "people you met" follow-up) carries a visible unsubscribe link and
  ``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058 one-click) for its kind
  (``mail.queue_message(bulk=...)``). The link is signed, so it needs no account and no token
  that a forwarded e-mail would leak beyond the one address and kind.
- Senders drop opted-out addresses with one query (``opted_out``) and say how many they left out.
- ``suppress``: a spam complaint (or an organizer acting on one) turns everything off, city
  alerts included. A bounce is already handled where it is detected (invitations, alerts).
- City alerts keep their own per-city subscriptions and links (services/alerts.py).
"""

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from eventsite.database import insert_ignoring_conflict
from eventsite.extensions import db
from eventsite.models import BulkKind, CityAlert, MailOptOut, utcnow
from eventsite.services import links

#: Addresses per IN (…) list: well under both databases' limits on bound parameters.
CHUNK = 500


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="mail-opt-out")


def key_of(address: str) -> str:
    """The key of an address we already store normalised (what ``rsvps.normalise_email`` gives)."""
    return address.strip().casefold()


def bulk_extras(address: str, kind: BulkKind) -> tuple[dict[str, str], dict[str, str]]:
    """(what the e-mail's footer shows: ``unsubscribe_url`` and ``unsubscribe_what``, the
    List-Unsubscribe header fields) for one bulk e-mail to ``address``."""
    url = unsubscribe_url(key_of(address), kind)
    return {"unsubscribe_url": url, "unsubscribe_what": kind.label}, headers(url)


def unsubscribe_url(email_key: str, kind: BulkKind, signer: URLSafeSerializer | None = None) -> str:
    return f"{links.base_url()}/unsubscribe/{(signer or _signer()).dumps([email_key, kind.value])}"


def headers(url: str) -> dict[str, str]:
    """The header fields that let a mail app offer "Unsubscribe" and do it in one click."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def from_link(signed: str) -> tuple[str, BulkKind] | None:
    """(address key, kind) of an unsubscribe link we signed; None for anything else."""
    if len(signed) > 600:
        return None
    try:
        value = _signer().loads(signed)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return None
    try:
        return value[0], BulkKind(value[1])
    except ValueError:
        return None


def opted_out(keys: Iterable[str], kind: BulkKind) -> set[str]:
    """Of the address keys given, those that turned ``kind`` off (or everything)."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(
            db.session.scalars(
                sa.select(MailOptOut.email_key).where(
                    MailOptOut.email_key.in_(wanted[start : start + CHUNK]),
                    MailOptOut.kind.in_([kind.value, BulkKind.ALL.value]),
                )
            )
        )
    return found


def kinds_off(email_key: str) -> set[BulkKind]:
    """The kinds this address turned off."""
    return {
        BulkKind(k) for k in db.session.scalars(sa.select(MailOptOut.kind).where(MailOptOut.email_key == email_key))
    }


def opt_out(email_key: str, kind: BulkKind, *, source: str = "link", now: dt.datetime | None = None) -> None:
    """Turn ``kind`` off for the address (again is fine: a mail app may POST twice). ALL also
    suppresses the address's city alerts. Flushes; the caller commits."""
    now = now or utcnow()
    db.session.execute(
        insert_ignoring_conflict(MailOptOut.__table__).values(
            email_key=email_key, kind=kind.value, source=source, created_at=now
        )
    )
    if kind == BulkKind.ALL:
        db.session.execute(
            sa.update(CityAlert)
            .where(CityAlert.email_key == email_key, CityAlert.suppressed_at.is_(None))
            .values(suppressed_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()


def opt_back_in(email_key: str, kind: BulkKind) -> None:
    """Undo an unsubscribe of ``kind`` (the page offers it right after, for a slip of the finger).
    A complaint's ALL is not undone from a link: only the address's owner writing to us can."""
    db.session.execute(
        sa.delete(MailOptOut)
        .where(MailOptOut.email_key == email_key, MailOptOut.kind == kind.value)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def suppress(email_key: str, *, source: str = "complaint") -> None:
    """A spam complaint about the address: no bulk e-mail of any kind from now on, city alerts
    included (the key as ``rsvps.normalise_email`` makes it)."""
    opt_out(email_key, BulkKind.ALL, source=source)


def of_address(email_key: str) -> list[dict]:
    """What we keep about the address's unsubscribes (for "download my data")."""
    rows = db.session.scalars(sa.select(MailOptOut).where(MailOptOut.email_key == email_key).order_by(MailOptOut.id))
    return [{"kind": r.kind, "source": r.source, "at": r.created_at.isoformat()} for r in rows]
