"""Domain services: plain functions that flush and never commit; the caller commits once."""


class DomainError(Exception):
    """A rule refused the request. ``code`` is stable for tests and JSON; ``field`` names the
    form field the message belongs next to, when there is one."""

    def __init__(self, message: str, code: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
