"""Auth blueprint: organizers sign in and out. Who may do what: `eventsite.auth.gates`.

The blueprint and what every view of it shares are in ``blueprint``; importing the package
registers the views on it."""

from eventsite.auth import account, joining, notices, recovery, two_factor, views  # noqa: F401  (routes register on bp)
from eventsite.auth.blueprint import bp

__all__ = ["bp"]
