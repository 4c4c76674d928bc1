"""A member's sign-ins ("My sign-ins"): which browsers hold a live session, from where, when
last seen, and ending any of them. The place of an IP address is never looked up remotely; no
local database of places ships with eventsite, so the page shows the address itself."""

import dataclasses
import datetime as dt
import re

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import LoginSession, Organizer, utcnow
from eventsite.services import tokens

#: last_seen_at is written at most this often per session (a write per page would be waste).
SEEN_EVERY = dt.timedelta(minutes=1)

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))  # fmt: skip
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))  # fmt: skip


def device(user_agent: str) -> str:
    """'Firefox on Windows', 'Safari on iPhone', or 'Unknown browser' (a label, not a fingerprint)."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if re.search(r"HeadlessChrome", user_agent):
        browser = "Headless Chrome"
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


@dataclasses.dataclass(frozen=True)
class SignIn:
    id: int
    device: str
    ip_address: str
    started_at: dt.datetime
    last_seen_at: dt.datetime
    this_browser: bool


def live_sign_ins(member: Organizer, current_token: str) -> list[SignIn]:
    """The member's live sessions, this browser's first, then the most recently seen."""
    rows = db.session.scalars(
        sa.select(LoginSession).where(LoginSession.organizer_id == member.id, LoginSession.revoked_at.is_(None))
    )
    here = tokens.hashed(current_token or "")
    found = [
        SignIn(
            row.id,
            device(row.user_agent),
            row.ip_address,
            row.created_at,
            row.last_seen_at or row.created_at,
            row.token_hash == here,
        )  # fmt: skip
        for row in rows
    ]
    return sorted(found, key=lambda s: (not s.this_browser, -s.last_seen_at.timestamp()))


def end_sign_in(member: Organizer, sign_in_id: int) -> bool:
    """End one of the member's own sessions; False if it was not theirs or had ended."""
    result = db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.id == sign_in_id, LoginSession.organizer_id == member.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount == 1


def seen(token: str, now: dt.datetime | None = None) -> None:
    """Note that the session holding ``token`` was used (at most once per SEEN_EVERY)."""
    now = now or utcnow()
    db.session.execute(
        sa.update(LoginSession)
        .where(
            LoginSession.token_hash == tokens.hashed(token),
            sa.or_(LoginSession.last_seen_at.is_(None), LoginSession.last_seen_at < now - SEEN_EVERY),
        )
        .values(last_seen_at=now)
    )
