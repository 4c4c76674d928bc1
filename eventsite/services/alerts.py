"""City alerts (issue 17): "tell me when there's an event near me".

- ``subscribe``: an address and one or more cities of a series (the cities it has visited). Each
  (address, series, city) is one row; a confirmation e-mail (double opt-in) carries one
  single-use link that confirms them all. Nothing is sent to an unconfirmed row.
- ``send_due``: run by ``flask jobs run``. For every upcoming published, listed event, each
  confirmed, unsuppressed subscription of its series and city gets one e-mail with the event and
  its RSVP link, once (``AlertSent``); a batch at a time through the outbox, never in a request.
- Every alert carries a one-click unsubscribe link (and List-Unsubscribe for mail apps); an
  address whose alert the outbox gave up on is suppressed (``after_failures``).
"""

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from eventsite.extensions import db
from eventsite.models import AlertSent, CityAlert, Event, EventStatus, Series, utcnow
from eventsite.services import DomainError, ErrorCode, links, mail, rsvps, series, tokens

CONFIRM_KIND = "alert_confirm"
KIND = "city_alert"
#: Alerts queued per transaction by ``send_due`` (each batch commits on its own).
BATCH = 500
#: Stand for a subscriber's unsubscribe link and RSVP-link signature in an alert rendered once for everyone.
UNSUBSCRIBE_MARK = "https://unsubscribe.invalid/mark"
ME_MARK = "me-mark"
#: How long an alert's RSVP link fills in the details the subscriber asked us to keep.
PREFILL_DAYS = 30


def _unsubscriber() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="city-alert-unsubscribe")


def _prefiller() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="series-prefill")


def prefill_token(email_key: str, signer: URLSafeTimedSerializer | None = None) -> str:
    """What an alert's RSVP link carries (``?me=``) so the form fills in the subscriber's kept details."""
    return (signer or _prefiller()).dumps(email_key)


def key_from_link(signed: str) -> str | None:
    """The address an alert's RSVP link was made for, within PREFILL_DAYS; else None."""
    if not signed or len(signed) > 400:
        return None
    try:
        key = _prefiller().loads(signed, max_age=PREFILL_DAYS * 86400)
    except BadSignature:
        return None
    return key if isinstance(key, str) else None


def unsubscribe_url(alert: CityAlert, signer: URLSafeSerializer | None = None) -> str:
    return f"{links.base_url()}/alerts/unsubscribe/{(signer or _unsubscriber()).dumps(alert.id)}"


def subscribe(address: str, series_row: Series, cities: list[str], *, now: dt.datetime | None = None) -> int:
    """Ask ``address`` to confirm alerts for ``cities`` of ``series_row``; returns how many cities
    wait for confirmation. Raises ``bad_email`` (field email), ``bad_selection`` (field cities)."""
    now = now or utcnow()
    address, key = rsvps.normalise_email(address)
    known = {name for name, _ in series.cities(series_row)}
    chosen = [c for c in dict.fromkeys(cities) if c in known]
    if not chosen:
        raise DomainError("Choose at least one city.", ErrorCode.BAD_SELECTION, "cities")
    token = tokens.new_token()
    waiting = 0
    for city in chosen:
        row = db.session.scalar(
            sa.select(CityAlert).where(
                CityAlert.email_key == key, CityAlert.series_id == series_row.id, CityAlert.city == city
            )
        )
        if row is None:
            row = CityAlert(email=address, email_key=key, series_id=series_row.id, city=city, created_at=now)
            db.session.add(row)
        if row.confirmed_at is None or row.suppressed_at is not None:
            row.confirm_hash, row.suppressed_at = tokens.hashed(token), None
            waiting += 1
    if waiting:
        mail.queue_message(
            to=address, kind=CONFIRM_KIND, subject=f"Confirm your alerts: {series_row.name}", template=CONFIRM_KIND,
            series=series_row, cities=chosen, confirm_url=f"{links.base_url()}/alerts/confirm/{token}",
        )  # fmt: skip
    db.session.flush()
    return waiting


def pending(token: str) -> list[CityAlert]:
    return list(db.session.scalars(sa.select(CityAlert).where(CityAlert.confirm_hash == tokens.hashed(token or ""))))


def confirm(token: str, *, now: dt.datetime | None = None) -> list[CityAlert]:
    """Confirm the subscriptions a link was sent for; the link is used up. Raises ``not_found``."""
    rows = pending(token)
    if not rows:
        raise DomainError("This confirmation link was used already or never sent.", ErrorCode.NOT_FOUND)
    for row in rows:
        row.confirmed_at, row.confirm_hash = now or utcnow(), None
    db.session.flush()
    return rows


def from_unsubscribe(signed: str) -> tuple[bool, CityAlert | None]:
    """(whether the link is one we signed, its subscription if it still exists)."""
    try:
        alert_id = _unsubscriber().loads(signed)
    except BadSignature:
        return False, None
    return isinstance(alert_id, int), db.session.get(CityAlert, alert_id) if isinstance(alert_id, int) else None


def unsubscribe(alert: CityAlert) -> None:
    """Stop the alerts of that city (the row goes: nothing about the address is kept for it)."""
    db.session.delete(alert)
    db.session.flush()


def send_due(*, now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Queue up to ``limit`` alerts due now: an upcoming published, listed event and a confirmed,
    unsuppressed subscription of its series and city without an AlertSent row. Each is claimed by
    inserting its AlertSent row (its primary key refuses a second). Returns how many were queued;
    the caller commits and calls again until it returns less than ``limit``."""
    now = now or utcnow()
    due = db.session.execute(
        sa.select(CityAlert, Event)
        .join(Event, sa.and_(Event.series_id == CityAlert.series_id, Event.city == CityAlert.city))
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.listed.is_(True),
            Event.starts_at > now,
            CityAlert.confirmed_at.is_not(None),
            CityAlert.suppressed_at.is_(None),
            ~sa.select(AlertSent.alert_id)
            .where(AlertSent.alert_id == CityAlert.id, AlertSent.event_id == Event.id)
            .exists(),
        )
        .order_by(Event.id, CityAlert.id)
        .limit(limit)
    ).all()
    # One rendering per event: each subscriber's copy differs only by its unsubscribe link.
    bodies: dict[int, tuple[str, str, str]] = {}
    sent = []
    signer, prefiller = _unsubscriber(), _prefiller()
    for alert, event in due:
        if event.id not in bodies:
            subject = f"New in {event.city}: {event.title}"
            text, html = mail.render_bodies(KIND, subject, event=event, city=event.city,
                                            rsvp_url=f"{links.event_url(event)}?me={ME_MARK}",
                                            unsubscribe_url=UNSUBSCRIBE_MARK)  # fmt: skip
            bodies[event.id] = (subject, text, html)
        subject, text, html = bodies[event.id]
        url, me = unsubscribe_url(alert, signer), prefill_token(alert.email_key, prefiller)
        message = mail.queue_rendered(
            to=alert.email, kind=KIND, subject=subject,
            body_text=text.replace(UNSUBSCRIBE_MARK, url).replace(ME_MARK, me),
            body_html=html.replace(UNSUBSCRIBE_MARK, url).replace(ME_MARK, me),
            headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )  # fmt: skip
        sent.append((alert.id, event.id, message))
    db.session.flush()  # the messages' ids, in one INSERT
    if sent:
        db.session.execute(
            sa.insert(AlertSent),
            [{"alert_id": a, "event_id": e, "message_id": m.id, "sent_at": now} for a, e, m in sent],
        )
    db.session.flush()
    return len(due)


def after_failures(message_ids: list[int], *, now: dt.datetime | None = None) -> int:
    """The outbox gave up on these messages: suppress the subscriptions whose alerts they were."""
    if not message_ids:
        return 0
    failed = sa.select(AlertSent.alert_id).where(AlertSent.message_id.in_(message_ids))
    result = db.session.execute(
        sa.update(CityAlert)
        .where(CityAlert.id.in_(failed), CityAlert.suppressed_at.is_(None))
        .values(suppressed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def counts(series_row: Series) -> dict[str, int]:
    """Confirmed, unsuppressed subscriptions per city (for the organizers)."""
    return dict(
        db.session.execute(
            sa.select(CityAlert.city, sa.func.count())
            .where(CityAlert.series_id == series_row.id, CityAlert.confirmed_at.is_not(None),
                   CityAlert.suppressed_at.is_(None))
            .group_by(CityAlert.city)
        ).all()
    )  # fmt: skip
