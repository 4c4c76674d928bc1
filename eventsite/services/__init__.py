"""Domain services: plain functions that flush and never commit; the caller commits once."""

from eventsite.services.codes import ErrorCode


class DomainError(Exception):
    """A rule refused the request. ``code`` (an ``ErrorCode``) is stable for views, tests and
    JSON; ``field`` names the form field the message belongs next to, when there is one."""

    def __init__(self, message: str, code: ErrorCode | str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = ErrorCode(code)  # a code missing from ErrorCode is a bug: ValueError
        self.field = field


__all__ = ["DomainError", "ErrorCode"]
