"""Guessing is throttled: links and codes that match nothing count against the caller's IP.

Manage links (/r/<token>), badge codes (/b/<code>) and door links (/door/<token>, X-Door-Token)
are long random tokens; nobody finds one by trying, but a script could try millions. Only misses
count, so a venue full of guests behind one network address opening their own links is never
slowed. Once an address has used up GUESS_FAILURE_LIMIT, every token look-up from it is refused
with 429 until the window moves on: otherwise a refusal would reveal that a guess was right.
Counters live where RATELIMIT_STORAGE_URI says, like the sign-in throttle's (auth/throttle.py).
"""

import math

from flask import current_app, request
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


class GuessThrottle(FailureLimiter):
    """Misses per IP address; a Redis outage falls back to per-process counting (FailureLimiter)."""

    SETTING = "GUESS_FAILURE_LIMIT"

    def retry_after(self, ip: str) -> int | None:
        """Seconds until this address may look tokens up again, or None when it may now."""
        return self.wait_for([("guess-ip", ip or "unknown")])

    def record_miss(self, ip: str) -> None:
        self.count("guess-ip", ip or "unknown")


def _throttle() -> GuessThrottle:
    return current_app.extensions["eventsite.guess_throttle"]


def guard() -> None:
    """Refuse (429) a token look-up from an address that has guessed too often."""
    wait = _throttle().retry_after(request.remote_addr or "")
    if wait is not None:
        raise TooManyGuesses(wait)


def miss() -> None:
    """Count a token or code that matched nothing against the caller's address."""
    _throttle().record_miss(request.remote_addr or "")
