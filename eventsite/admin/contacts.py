"""What organizers see of guests meeting guests: counts only, never who saved whom."""

from eventsite.models import Event
from eventsite.services import contacts


def contact_figures(event: Event) -> contacts.EventFigures:
    """The event overview's networking counts (see templates/admin/_contact_figures.html)."""
    return contacts.event_figures(event)
