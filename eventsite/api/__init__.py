"""JSON API blueprint (/api) behind the door page; described in /api/openapi.json.

The blueprint and what every view of it shares are in ``blueprint``; importing the package
registers the views on it."""

from eventsite.api import views  # noqa: F401  (routes register on bp)
from eventsite.api.blueprint import bp

__all__ = ["bp"]
