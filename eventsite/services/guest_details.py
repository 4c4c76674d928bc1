"""What a guest tells us about themselves, as one value: the RSVP form, the organizer's "Add
guest" and a walk-in at the door all hand it to ``rsvps.insert_rsvp``."""

import dataclasses
from collections.abc import Mapping

from eventsite.models import TrainingLevel

#: What the door page, the check-in API and the Meet page call a guest's institution in their
#: JSON (the name is public, so it stays); in code it is ``institution`` everywhere. Convert here.
INSTITUTION_KEY = "program"


@dataclasses.dataclass(frozen=True, kw_only=True)
class GuestDetails:
    """A guest's details as typed; the services strip and check them. The attribute names are
    the form fields' names, so a DomainError's ``field`` names both."""

    first_name: str
    last_name: str
    email: str
    institution: str
    training_level: TrainingLevel | str
    badge_name: str = ""
    pronouns: str = ""
    dietary_notes: str = ""
    accessibility_notes: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping) -> "GuestDetails":
        """The details among ``data`` (a form's ``data``): other keys are ignored, and a missing
        or empty value is ""."""
        return cls(**{field.name: data.get(field.name) or "" for field in dataclasses.fields(cls)})
