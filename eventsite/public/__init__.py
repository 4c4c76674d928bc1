"""Public blueprint: event listings and pages, RSVP, the guest's private manage link.

The blueprint and what every view of it shares are in ``blueprint``; importing the package
registers the views on it."""

from eventsite.public import (  # noqa: F401  (routes register on bp)
    alerts,
    badges,
    contacts,
    email_change,
    feedback,
    feeds,
    invited,
    my_events,
    privacy,
    unsubscribe,
    vendors,
    views,
)
from eventsite.public.blueprint import bp

__all__ = ["bp"]
