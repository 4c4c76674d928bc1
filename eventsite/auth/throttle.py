"""Login throttling: failed sign-ins are limited per IP address and per account.

Built on `limits` (the engine under Flask-Limiter) because only failures may count, which a
decorator-style limit cannot see before the password has been checked. The storage is chosen
by RATELIMIT_STORAGE_URI (memory:// by default, redis://… for several app servers).
"""

import math
import time

from limits import parse, storage, strategies

from eventsite.config import ConfigError


class LoginThrottle:
    def __init__(self, storage_uri: str, limit: str):
        try:
            self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri))
            self.limit = parse(limit)
        except Exception as exc:  # limits raises several types for a bad URI or limit string
            raise ConfigError(f"RATELIMIT_STORAGE_URI / LOGIN_FAILURE_LIMIT not usable: {exc}") from None

    def _keys(self, ip: str, email: str) -> list[tuple[str, str]]:
        return [("login-ip", ip or "unknown"), ("login-account", email.strip().lower())]

    def retry_after(self, ip: str, email: str) -> int | None:
        """Seconds until another attempt is allowed, or None when allowed now."""
        waits = []
        for kind, key in self._keys(ip, email):
            if not self.limiter.test(self.limit, kind, key):
                reset = self.limiter.get_window_stats(self.limit, kind, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def record_failure(self, ip: str, email: str) -> None:
        for kind, key in self._keys(ip, email):
            self.limiter.hit(self.limit, kind, key)

    def reset(self) -> None:
        self.limiter.storage.reset()
