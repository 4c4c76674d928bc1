"""Secrets for links and badges, and constant-time comparison."""

import hashlib
import hmac
import secrets

#: No 0/o, 1/l/i: a ticket code read aloud or typed at the door stays unambiguous.
TICKET_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TICKET_CODE_LENGTH = 32


def new_token() -> str:
    """A URL-safe secret for private links (256 bits)."""
    return secrets.token_urlsafe(32)


def new_ticket_code() -> str:
    """A 32-character badge code from TICKET_ALPHABET (about 158 bits)."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_CODE_LENGTH))


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def fingerprint(secret: str) -> str:
    """A short digest of ``secret`` that changes when the secret is replaced: what a cookie or a
    link may hold to stay bound to a manage link without holding the link itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:24]
