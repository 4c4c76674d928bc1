"""Secrets for links and badges, sealing secrets at rest, and constant-time comparison."""

import base64
import hashlib
import hmac
import secrets
import uuid

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

#: No 0/o, 1/l/i: a ticket code read aloud or typed at the door stays unambiguous.
TICKET_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TICKET_CODE_LENGTH = 32


def new_token() -> str:
    """A URL-safe secret for private links (256 bits)."""
    return secrets.token_urlsafe(32)


def new_ticket_code() -> str:
    """A 32-character badge code from TICKET_ALPHABET (about 158 bits)."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_CODE_LENGTH))


def is_ticket_code(code: str) -> bool:
    """Whether ``code`` has the shape of a badge code (it may still belong to nobody)."""
    return len(code) == TICKET_CODE_LENGTH and all(ch in TICKET_ALPHABET for ch in code)


def hashed(token: str) -> str:
    """What the database keeps of a link's secret (SHA-256, hex): a leaked table opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def fingerprint(secret: str) -> str:
    """A short digest of ``secret`` that changes when the secret is replaced: what a cookie or a
    link may hold to stay bound to a manage link without holding the link itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:24]


def keyed_digest(message: str) -> bytes:
    """HMAC-SHA-256 of ``message`` under the site's SECRET_KEY: an identifier outsiders cannot
    link back to a row, the same every time it is made."""
    secret = current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode() if isinstance(secret, str) else secret, message.encode(), hashlib.sha256).digest()


def stable_uuid(message: str) -> str:
    """A ``urn:uuid:`` made from ``keyed_digest(message)``: what an address book or calendar
    recognises a record by when it is imported again."""
    return uuid.UUID(bytes=keyed_digest(message)[:16], version=4).urn


def sealer(purpose: bytes) -> Fernet:
    """Authenticated encryption keyed from SECRET_KEY, one key per ``purpose`` (Fernet: AES-CBC
    with HMAC-SHA256 and a timestamp): what must be read back but never lie in the clear."""
    secret = current_app.config["SECRET_KEY"]
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode() if isinstance(secret, str) else secret
    )
    return Fernet(base64.urlsafe_b64encode(key))
