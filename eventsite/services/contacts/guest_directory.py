"""The "Who's coming" directory: the confirmed guests who chose to be listed, as other guests
of the event see them (never an e-mail address), filtered by training level."""

import dataclasses

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, GuestProfile, Rsvp, RsvpStatus, TrainingLevel
from eventsite.services import DomainError, ErrorCode
from eventsite.services.contacts.opt_ins import require_guest

#: Directory filters: key -> (label, training levels).
LEVEL_GROUPS: dict[str, tuple[str, tuple[TrainingLevel, ...]]] = {
    "residents": (
        "Residents and fellows",
        (
            TrainingLevel.PGY1,
            TrainingLevel.PGY2,
            TrainingLevel.PGY3,
            TrainingLevel.PGY4,
            TrainingLevel.PGY5,
            TrainingLevel.PGY6_PLUS,
            TrainingLevel.FELLOW,
        ),
    ),
    "faculty": ("Faculty", (TrainingLevel.ATTENDING,)),
    "industry": ("Industry", (TrainingLevel.INDUSTRY,)),
    "students": ("Students", (TrainingLevel.MEDICAL_STUDENT,)),
    "other": ("Other", (TrainingLevel.OTHER,)),
}


@dataclasses.dataclass(frozen=True)
class DirectoryEntry:
    """What the directory shows of a guest: never the e-mail address."""

    rsvp_id: int
    name: str
    institution: str
    level: str
    group: str
    ask_me_about: str


def level_group(level: TrainingLevel) -> str:
    return next(key for key, (_, levels) in LEVEL_GROUPS.items() if level in levels)


def directory(event: Event, *, viewer: Rsvp, group: str | None = None) -> list[DirectoryEntry]:
    """The guests listed on ``event``'s directory, as ``viewer`` may see them, by name.

    ``group`` is a LEVEL_GROUPS key (or None for everyone). Raises DomainError
    ``not_confirmed`` unless the viewer is a confirmed guest of the event, and
    ``directory_off`` when the organizers switched the directory off.
    """
    if viewer.event_id != event.id:
        raise DomainError("This guest list belongs to another event.", ErrorCode.WRONG_EVENT)
    require_guest(viewer)
    if not event.directory_enabled:
        raise DomainError(
            "The organizers have switched the guest directory off for this event.", ErrorCode.DIRECTORY_OFF
        )
    query = (
        sa.select(
            Rsvp.id, Rsvp.badge_name, Rsvp.first_name, Rsvp.institution, Rsvp.training_level, GuestProfile.ask_me_about
        )
        .join(GuestProfile, GuestProfile.rsvp_id == Rsvp.id)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED, GuestProfile.in_directory.is_(True))
    )
    if group in LEVEL_GROUPS:
        query = query.where(Rsvp.training_level.in_(LEVEL_GROUPS[group][1]))
    entries = [
        DirectoryEntry(
            rsvp_id=row.id,
            name=row.badge_name or row.first_name,
            institution=row.institution,
            level=row.training_level.label,
            group=level_group(row.training_level),
            ask_me_about=row.ask_me_about,
        )
        for row in db.session.execute(query)
    ]
    return sorted(entries, key=lambda e: (e.name.casefold(), e.rsvp_id))


def directory_group_counts(event: Event) -> dict[str, int]:
    """{group key: listed guests} for the filter buttons (every key present)."""
    rows = db.session.execute(
        sa.select(Rsvp.training_level, sa.func.count())
        .join(GuestProfile, GuestProfile.rsvp_id == Rsvp.id)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED, GuestProfile.in_directory.is_(True))
        .group_by(Rsvp.training_level)
    )
    counts = dict.fromkeys(LEVEL_GROUPS, 0)
    for level, n in rows:
        counts[level_group(level)] += n
    return counts
