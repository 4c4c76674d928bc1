"""Login throttling: failed sign-ins are limited per IP address and per account.

Built on `limits` (the engine under Flask-Limiter) because only failures may count, which a
decorator-style limit cannot see before the password has been checked. The storage is chosen
by RATELIMIT_STORAGE_URI (memory:// by default, redis://… for several app servers).

When the shared store cannot be reached, counting goes on in this process's memory (logged),
so a Redis outage weakens the limit to per-server instead of refusing every sign-in.
"""

import logging
import math
import time

from limits import parse, storage, strategies

from eventsite.config import ConfigError

log = logging.getLogger(__name__)

#: Seconds a Redis counter call may take before the throttle counts in-process instead.
REDIS_TIMEOUTS = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
#: After the shared store failed, count in this process for this long before trying it again.
SHARED_RETRY_S = 10.0


class FailureLimiter:
    """Counts failures per key in a moving window, in the shared store with a per-process
    fallback; used for sign-ins (LoginThrottle) and guessed links (auth/guessing.py)."""

    #: The setting that names the limit, for the start-up error message.
    SETTING = "LOGIN_FAILURE_LIMIT"

    def __init__(self, storage_uri: str, limit: str):
        try:
            # A Redis that accepts connections but stops answering must not stall sign-ins:
            # after a second the call fails and counting falls back to this process (_call).
            options = REDIS_TIMEOUTS if storage_uri.startswith(("redis://", "rediss://")) else {}
            self.shared = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri, **options))
            self.limit = parse(limit)
        except Exception as exc:  # limits raises several types for a bad URI or limit string
            raise ConfigError(f"RATELIMIT_STORAGE_URI / {self.SETTING} not usable: {exc}") from None
        self.local = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self.shared_down_until = 0.0

    def _call(self, method: str, *args):
        """The shared limiter's ``method(*args)``, or this process's if the shared store is down
        (after a failure, the shared store is left alone for SHARED_RETRY_S seconds)."""
        if time.monotonic() >= self.shared_down_until:
            try:
                return getattr(self.shared, method)(*args)
            except Exception as exc:  # redis-py's ConnectionError/TimeoutError, limits' StorageError
                log.warning("rate-limit storage unreachable (%s); counting in this process", type(exc).__name__)
                self.shared_down_until = time.monotonic() + SHARED_RETRY_S
        return getattr(self.local, method)(*args)

    def allowed(self, kind: str, key: str) -> bool:
        """True while ``key`` of ``kind`` is under the limit."""
        return self._call("test", self.limit, kind, key)

    def count(self, kind: str, key: str) -> None:
        """Count one failure for ``key`` of ``kind``."""
        self._call("hit", self.limit, kind, key)

    def wait_for(self, keys: list[tuple[str, str]]) -> int | None:
        """Seconds until every (kind, key) is under the limit again, or None when all are now."""
        waits = []
        for kind, key in keys:
            if not self.allowed(kind, key):
                reset = self._call("get_window_stats", self.limit, kind, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def reset(self) -> None:
        self.shared.storage.reset()
        self.local.storage.reset()


class LoginThrottle:
    """Failed sign-ins slow their source down, never the account's owner elsewhere: failures
    count per IP address and account (LOGIN_FAILURE_LIMIT) and per IP address across accounts
    (LOGIN_IP_FAILURE_LIMIT). There is no lock on the account itself, so nobody can lock an
    organizer out on event night; from a fresh network the owner signs in as usual."""

    def __init__(self, storage_uri: str, limit: str, ip_limit: str):
        self.per_account = _Limiter(storage_uri, limit, "LOGIN_FAILURE_LIMIT")
        self.per_ip = _Limiter(storage_uri, ip_limit, "LOGIN_IP_FAILURE_LIMIT")
        # The door's PIN counter (api/__init__.py) shares the per-account budget's limit.
        self.allowed = self.per_account.allowed
        self.count = self.per_account.count

    def _keys(self, ip: str, email: str) -> list[tuple[FailureLimiter, str, str]]:
        ip = ip or "unknown"
        return [(self.per_account, "login-ip-account", f"{ip} {email.strip().lower()}"), (self.per_ip, "login-ip", ip)]

    def retry_after(self, ip: str, email: str) -> int | None:
        """Seconds until another attempt is allowed, or None when allowed now."""
        waits = [w for limiter, kind, key in self._keys(ip, email) if (w := limiter.wait_for([(kind, key)]))]
        return max(waits) if waits else None

    def record_failure(self, ip: str, email: str) -> None:
        for limiter, kind, key in self._keys(ip, email):
            limiter.count(kind, key)

    def reset(self) -> None:
        self.per_account.reset()
        self.per_ip.reset()


class SubmitThrottle:
    """Guest forms that send e-mail (the RSVP form, the feedback link by e-mail): every accepted
    submission counts per network address (SUBMIT_IP_LIMIT, sized for a venue's guests behind
    one address) and per e-mail address (SUBMIT_ADDRESS_LIMIT), so a script can neither flood
    one mailbox nor fill the outbox. Counters live where RATELIMIT_STORAGE_URI says."""

    def __init__(self, storage_uri: str, ip_limit: str, address_limit: str):
        self.by_ip = _Limiter(storage_uri, ip_limit, "SUBMIT_IP_LIMIT")
        self.by_address = _Limiter(storage_uri, address_limit, "SUBMIT_ADDRESS_LIMIT")

    def take(self, form: str, ip: str, address_key: str) -> int | None:
        """Count one submission of ``form``; or, when either budget is spent, count nothing and
        return the seconds until both allow one again."""
        keys = [(self.by_ip, f"{form}-ip", ip or "unknown"), (self.by_address, f"{form}-address", address_key)]
        waits = [w for limiter, kind, key in keys if (w := limiter.wait_for([(kind, key)])) is not None]
        if waits:
            return max(waits)
        for limiter, kind, key in keys:
            limiter.count(kind, key)
        return None

    def reset(self) -> None:
        self.by_ip.reset()
        self.by_address.reset()


class _Limiter(FailureLimiter):
    def __init__(self, storage_uri: str, limit: str, setting: str):
        self.SETTING = setting
        super().__init__(storage_uri, limit)


class ScanThrottle(FailureLimiter):
    """Badge scans per vendor representative (LEAD_SCAN_LIMIT): every scan counts, with or
    without consent, so nobody walks through codes to learn whose badges share."""

    SETTING = "LEAD_SCAN_LIMIT"

    def take(self, key: str) -> int | None:
        """Count one scan for ``key``; or, past the limit, count nothing and return the seconds to wait."""
        wait = self.wait_for([("lead-scan", key)])
        if wait is None:
            self.count("lead-scan", key)
        return wait
