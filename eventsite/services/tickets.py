"""Badge codes: reading what a scanner or a guest typed, and finding the RSVP a code belongs
to. The door, the Meet page, the feedback poster and /b/<code> all go through here."""

from urllib.parse import urlsplit

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Rsvp
from eventsite.services import links, tokens

#: Longest text a scan may be (a badge URL is about 60 characters).
MAX_CODE = 300
NOT_A_BADGE = "This code is not one of our badges (a QR code of something else, such as a contact card)."


def parse_code(scanned: str) -> str | None:
    """The ticket code in what a scanner produced: the badge URL ``<BASE_URL>/b/<code>`` or a
    bare code (typed, or from a handheld scanner). None when it cannot be one of our codes."""
    value = (scanned or "").strip()
    if not value or len(value) > MAX_CODE:
        return None
    if "/" in value:
        parts = urlsplit(value)
        base = urlsplit(links.base_url())
        if (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()):
            return None
        path = parts.path.rstrip("/")
        prefix = base.path.rstrip("/") + "/b/"
        if not path.startswith(prefix):
            return None
        value = path[len(prefix) :]
    # Handheld scanners with caps lock on, or people typing in groups of four.
    return value.replace(" ", "").replace("-", "").lower() or None


def could_be_ours(scanned: str) -> bool:
    """Whether a scan has the shape of one of our badges (it may still belong to nobody)."""
    return tokens.is_ticket_code(parse_code(scanned) or "")


def find_rsvp(code: str) -> Rsvp | None:
    """The RSVP whose current badge code is ``code``; None for junk or a replaced code."""
    if not tokens.is_ticket_code(code):
        return None
    rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.ticket_code == code))
    if rsvp is None or not tokens.tokens_equal(rsvp.ticket_code, code):
        return None
    return rsvp
