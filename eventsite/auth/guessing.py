"""Guessing is throttled: links and codes that match nothing count against the caller's IP,
separately for each kind of secret (``Secret``).

Manage links (/r/<token>), badge codes (/b/<code>), door links (/door/<token>, X-Door-Token),
feedback links and e-mail-change links are long random tokens; nobody finds one by trying, but
a script could try millions. Only misses count, so a venue full of guests behind one network
address opening their own links is never slowed. Once an address has used up
GUESS_FAILURE_LIMIT for one kind, every look-up of that kind from it is refused with 429 until
the window moves on (a refusal must not reveal that a guess was right), while the other kinds
go on working: a stranger on the venue Wi-Fi guessing manage links does not stop the door.

Two callers are never throttled by other people's guessing: a signed-in organizer (their
session cookie is not guessable, and their misses are typos, not a search), and a request
whose door token is valid (the door API and page look the token up first; a door token holds
256 random bits, so answering a right guess at once helps no guesser). Counters live where
RATELIMIT_STORAGE_URI says, like the sign-in throttle's (auth/throttle.py).
"""

import enum
import math

from flask import current_app, request
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from eventsite.auth.throttle import FailureLimiter


class TooManyGuesses(TooManyRequests):
    """429 with Retry-After; the JSON error carries ``too_many_attempts``."""

    reason_code = "too_many_attempts"

    def __init__(self, retry_after: int):
        n = max(1, math.ceil(retry_after / 60))
        wait = f"{n} minute" if n == 1 else f"{n} minutes"
        super().__init__(
            "Too many links or codes that don't match anything were tried from your network. "
            f"Please wait {wait}, then open the link again from your e-mail or ask the organizer.",
            retry_after=retry_after,
        )


class Secret(enum.StrEnum):
    """The kinds of secret a guesser may try; each has its own budget per address."""

    MANAGE = "manage"  #: a guest's private link, /r/<token>
    BADGE = "badge"  #: a ticket code, /b/<code> and the Meet page's look-up
    DOOR = "door"  #: a door link, /door/<token>, X-Door-Token, a walk-in's badge link
    FEEDBACK = "feedback"  #: a feedback link, /f/<token>
    EMAIL_CHANGE = "email_change"  #: an e-mail-change link, /email-change/<token>
    INVITATION = "invitation"  #: a team invitation, /join/<token>
    PASSWORD_RESET = "password_reset"  #: a password-reset link, /reset-password/<token>
    GUEST_INVITATION = "guest_invitation"  #: a guest's personal invitation, /i/<token>


class GuessThrottle(FailureLimiter):
    """Misses per IP address and kind of secret; a Redis outage falls back to per-process
    counting (FailureLimiter)."""

    SETTING = "GUESS_FAILURE_LIMIT"

    def retry_after(self, ip: str, kind: Secret) -> int | None:
        """Seconds until this address may look up secrets of ``kind`` again, or None when it may now."""
        return self.wait_for([(f"guess-{kind}", ip or "unknown")])

    def record_miss(self, ip: str, kind: Secret) -> None:
        self.count(f"guess-{kind}", ip or "unknown")


def _throttle() -> GuessThrottle:
    return current_app.extensions["eventsite.guess_throttle"]


def _exempt() -> bool:
    return current_user.is_authenticated


def guard(kind: Secret) -> None:
    """Refuse (429) a look-up of ``kind`` from an address that has guessed that kind too often."""
    if _exempt():
        return
    wait = _throttle().retry_after(request.remote_addr or "", kind)
    if wait is not None:
        raise TooManyGuesses(wait)


def miss(kind: Secret) -> None:
    """Count a secret of ``kind`` that matched nothing against the caller's address."""
    if not _exempt():
        _throttle().record_miss(request.remote_addr or "", kind)
