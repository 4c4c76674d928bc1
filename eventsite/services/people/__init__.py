"""People across the series: one person per normalised e-mail (``Rsvp.email_key``, the
case-folded address ``rsvps.normalise_email`` makes), with what they did at each event.

Definitions, the same on the People page, a person's page, the CSV and the guest list:
- *events*: distinct events the person RSVPed to, whatever became of the RSVP;
- *attended*: events where they have a standing admission (admitted and not undone);
- *no-show*: a published event that has ended, where they held a confirmed place and were
  never admitted (cancelled events and cancelled RSVPs are no one's no-show);
- *returning* (guest list): attended an event that started before this one; else *first event*.
Anonymised RSVPs belong to no one (their key is not an address) and are left out.

Every figure comes from one aggregate query (GROUP BY the e-mail key), so the People page
costs the same few queries for ten or ten thousand people.

One module per concern; callers use the names below from ``eventsite.services.people``:

- ``definitions``: attended, no-show and a count of events, as SQL the others share;
- ``listing``: the People page, its CSV, its city filter and its invitees;
- ``person``: one person's RSVPs across the series;
- ``tracks``: the guest list's "first event / returning" and past no-shows.
"""

from eventsite.services.people.listing import (
    MAX_INVITEES,
    PER_PAGE,
    SEEN,
    SHOWS,
    SORTS,
    PeopleFilter,
    PeoplePage,
    PersonRow,
    cities,
    invitees,
    people_csv,
    people_page,
)
from eventsite.services.people.person import Attendance, Person, person
from eventsite.services.people.tracks import Track, guest_tracks

__all__ = [
    "MAX_INVITEES",
    "PER_PAGE",
    "SEEN",
    "SHOWS",
    "SORTS",
    "Attendance",
    "PeopleFilter",
    "PeoplePage",
    "Person",
    "PersonRow",
    "Track",
    "cities",
    "guest_tracks",
    "invitees",
    "people_csv",
    "people_page",
    "person",
]
