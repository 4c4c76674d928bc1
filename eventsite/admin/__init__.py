"""Admin blueprint (/admin): events, guest lists, messages, exports. Organizers only.

The blueprint and what every view of it shares are in ``blueprint``; importing the package
registers the views on it."""

from eventsite.admin import (  # noqa: F401  (routes register on bp)
    activity,
    badges,
    categories,
    contacts,
    doors,
    events,
    feedback,
    guests,
    invitations,
    messages,
    people,
    questions,
    recording,
    series,
    team,
    team_security,
    vendors,
)
from eventsite.admin.blueprint import bp

__all__ = ["bp"]
