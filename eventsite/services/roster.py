"""The offline roster: the event's guest list as a door phone may keep it, readable one badge at a time.

A phone that loses signal must still tell green from red, so it keeps the roster. A phone can
also be lost, so the roster must not be a guest list. It holds no e-mail addresses at all, and
every guest's details are encrypted under a key that only that guest's own ticket code yields:
whoever holds the phone can read a guest only by scanning (or typing) their badge.

The construction, per guest, with ``code`` the normalised ticket code (``tickets.parse_code``):

- ``salt`` = HMAC-SHA-256(SECRET_KEY, "roster-salt:<event id>"), one per event, sent in the
  clear with the roster. It makes the same code give unrelated keys in different events and
  deployments, so nothing can be precomputed across them. It is derived, not stored, so the
  schema does not change and the roster's version stays stable between downloads.
- ``lookup`` = HKDF-SHA-256(ikm=code, salt, info="eventsite roster v1 lookup"), 32 bytes,
  base64url: the index the phone finds the entry by. It reveals nothing about the code.
- ``key`` = HKDF-SHA-256(ikm=code, salt, info="eventsite roster v1 key"), 256 bits, for
  AES-256-GCM with a fresh random 96-bit IV per entry per download, and the associated data
  "<event id>:<lookup>" so that an entry cannot be moved to another index or event unnoticed.
  The same info strings separate the two outputs, so knowing a lookup gives no key.

Why HKDF and not a slow password hash (PBKDF2, scrypt, Argon2): a slow KDF only helps when the
input can be guessed. Ticket codes are not passwords; they are 32 characters drawn by
``secrets`` from a 31-letter alphabet, about 158 bits (services/tokens.py). Trying codes
against a stolen roster is hopeless at any speed, so a stretching factor would only cost the
door phone time per scan (PBKDF2 at 600 000 rounds is ~0.5 s on a mid-range phone) and buy
nothing. HKDF, AES-GCM and SHA-256 are all in WebCrypto (``crypto.subtle``, on https and
localhost), so the phone needs no crypto library of its own; the server uses ``cryptography``.

What is left in the clear: the number of entries (the size of the guest list), the event's id
and title (the phone shows them anyway), and the door link's validity. The roster carries
``valid_until`` so a phone forgets it when the link expires even if it never hears from us
again (door.js), and the API's 403 for a revoked link makes it forget at once.

``version`` is a hash of the plaintext content, so a phone polling with If-None-Match gets a
304 while nothing changed, even though every download is encrypted afresh.
"""

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from eventsite.extensions import db
from eventsite.models import CheckIn, Event, Rsvp, RsvpStatus
from eventsite.models.enums import LIVE_STATUSES
from eventsite.services import checkin
from eventsite.services.guest_details import INSTITUTION_KEY

SCHEME = "hkdf-sha256/aes-256-gcm/v1"
LOOKUP_INFO = b"eventsite roster v1 lookup"
KEY_INFO = b"eventsite roster v1 key"
#: Sealed entries are whole multiples of this many bytes (plus the GCM tag): a guest's details with
#: their notes fit one bucket, so entry sizes do not single out the guests who have notes.
PAD_BUCKET = 512


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def event_salt(event: Event) -> bytes:
    """The event's roster salt (see the module docstring)."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, f"roster-salt:{event.id}".encode(), hashlib.sha256).digest()


def _hkdf(code: str, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(code.encode())


def lookup_for(code: str, salt: bytes) -> str:
    """The roster index of a normalised ticket code."""
    return b64(_hkdf(code, salt, LOOKUP_INFO))


def key_for(code: str, salt: bytes) -> bytes:
    """The AES-256-GCM key of a normalised ticket code's entry."""
    return _hkdf(code, salt, KEY_INFO)


def associated_data(event_id: int, lookup: str) -> bytes:
    return f"{event_id}:{lookup}".encode()


@dataclasses.dataclass(frozen=True)
class Roster:
    """What ``build_roster`` returns: ``version`` always; ``payload`` (JSON-ready) unless the
    caller's version was current."""

    version: str
    payload: dict | None


def _details(rsvp: Rsvp, admission: tuple[dt.datetime, str] | None, local_time) -> dict:
    at, door = admission or (None, "")
    # Notes only for the guests the door would admit: a waitlisted guest gets a red verdict.
    notes = rsvp.status == RsvpStatus.CONFIRMED
    return {
        "name": rsvp.display_name,
        "full_name": rsvp.full_name,
        "pronouns": rsvp.pronouns,
        INSTITUTION_KEY: rsvp.institution,
        "level": rsvp.training_level.label,
        "status": rsvp.status.value,
        "dietary_notes": rsvp.dietary_notes if notes else "",
        "accessibility_notes": rsvp.accessibility_notes if notes else "",
        "walk_in": rsvp.source == "walk_in",
        "checked_in_at": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if at else None,
        "checked_in_at_local": local_time(at) if at else "",
        "checked_in_door": door,
    }


def _padded(details: dict) -> bytes:
    """The entry's JSON, padded with spaces (JSON.parse ignores them) to whole PAD_BUCKET blocks."""
    plain = json.dumps(details, separators=(",", ":")).encode()
    return plain + b" " * (-len(plain) % PAD_BUCKET)


def build_roster(
    event: Event,
    *,
    valid_until: dt.datetime | None,
    badge_prefix: str,
    local_time,
    known_version: str | None = None,
) -> Roster:
    """The offline roster of ``event`` for one door (see the module docstring for the crypto).

    ``valid_until``: the door link's end (None for an organizer), copied into the roster so the
    phone can forget it on time. ``badge_prefix``: "<BASE_URL>/b/", which the phone strips from
    a scanned QR. ``local_time``: formats a UTC time in the event's zone ("7:42 PM").
    ``known_version``: the version the phone holds; when it is still current ``payload`` is
    None and nothing is encrypted. Only live RSVPs are included (a waitlisted guest's entry, so
    the phone says red for the right reason; a cancelled or declined one is unknown offline and
    settled by the server once the scan is sent). Each sealed entry is padded to a multiple of
    PAD_BUCKET bytes, so its length does not tell who has notes.
    """
    rsvps = list(
        db.session.scalars(
            sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)).order_by(Rsvp.id)
        )
    )
    admissions = {
        rsvp_id: (at, door)
        for rsvp_id, at, door in db.session.execute(
            sa.select(CheckIn.rsvp_id, CheckIn.at, CheckIn.door).where(CheckIn.event_id == event.id, CheckIn.standing)
        )
    }
    plain = [(r.ticket_code, _details(r, admissions.get(r.id), local_time)) for r in rsvps]
    head = {
        "scheme": SCHEME,
        "event": {"id": event.id, "title": event.title},
        "badge_prefix": badge_prefix,
        "valid_until": valid_until.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if valid_until else None,
        # The red verdicts' words, so an offline phone says what the server would.
        "words": {reason.value: list(words) for reason, words in checkin.RED_WORDS.items()},
        "status_reasons": {status.value: reason.value for status, reason in checkin.STATUS_REASONS.items()},
    }
    fingerprint = json.dumps([head, plain], sort_keys=True, separators=(",", ":"))
    version = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
    if known_version is not None and hmac.compare_digest(known_version, version):
        return Roster(version=version, payload=None)

    salt = event_salt(event)
    entries = []
    for code, details in plain:
        lookup = lookup_for(code, salt)
        iv = os.urandom(12)
        sealed = AESGCM(key_for(code, salt)).encrypt(iv, _padded(details), associated_data(event.id, lookup))
        entries.append({"lookup": lookup, "iv": b64(iv), "data": b64(sealed)})
    # Entries in a random order, so their position says nothing about when a guest registered.
    entries.sort(key=lambda e: e["lookup"])
    payload = {**head, "version": version, "salt": b64(salt), "count": len(entries), "entries": entries}
    return Roster(version=version, payload=payload)


def open_entry(payload: dict, code: str) -> dict | None:
    """Decrypt the entry of a normalised ticket code, as the phone does (tests and tooling)."""
    salt = unb64(payload["salt"])
    lookup = lookup_for(code, salt)
    for entry in payload["entries"]:
        if entry["lookup"] == lookup:
            plain = AESGCM(key_for(code, salt)).decrypt(
                unb64(entry["iv"]), unb64(entry["data"]), associated_data(payload["event"]["id"], lookup)
            )
            return json.loads(plain)
    return None
