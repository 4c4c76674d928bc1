"""Door blueprint (/door): the volunteer's phone-first check-in page; the JSON lives in /api.

The blueprint and what every view of it shares are in ``blueprint``; importing the package
registers the views on it."""

from eventsite.door import views  # noqa: F401  (routes register on bp)
from eventsite.door.blueprint import bp

__all__ = ["bp"]
