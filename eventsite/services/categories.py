"""Guest categories (issue 15): who may come, in which numbers and on which terms.

An event has one or more categories (new events: the series' four, DEFAULTS), each with its own
places (or none), its own waitlist queue, an admission rule (CategoryPolicy), a badge band, the
training levels that belong to it (the public form pre-selects from them) and, optionally, the
e-mail domains its guests must use. The event's overall capacity still applies: a guest is
confirmed only while both their category and the event have a place (``Room``), under the
event lock that every seating change takes (``database.lock_event``).
"""

import dataclasses
import re

import sqlalchemy as sa

from eventsite.database import lock_event, read_once
from eventsite.extensions import db
from eventsite.models import (
    SEAT_STATUSES,
    BadgeRole,
    CategoryPolicy,
    Event,
    GuestCategory,
    Rsvp,
    RsvpStatus,
    TrainingLevel,
    utcnow,
)
from eventsite.services import DomainError, ErrorCode, ordering
from eventsite.services.capacity import PlaceCounts, counts_from

_TRAINEES = [
    TrainingLevel.MEDICAL_STUDENT, TrainingLevel.PGY1, TrainingLevel.PGY2, TrainingLevel.PGY3,
    TrainingLevel.PGY4, TrainingLevel.PGY5, TrainingLevel.PGY6_PLUS, TrainingLevel.FELLOW,
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class CategorySpec:
    name: str
    badge_role: BadgeRole
    levels: tuple[TrainingLevel, ...]


#: The series' categories for a new event: all open, no places of their own.
DEFAULTS = (
    CategorySpec("Resident", BadgeRole.RESIDENT, tuple(_TRAINEES)),
    CategorySpec("Faculty", BadgeRole.FACULTY, (TrainingLevel.ATTENDING,)),
    CategorySpec("Industry / vendor", BadgeRole.INDUSTRY, (TrainingLevel.INDUSTRY,)),
    CategorySpec("Guest", BadgeRole.GUEST, (TrainingLevel.OTHER,)),
)
MAX_CATEGORIES = 12
MAX_DOMAINS = 30


def of_event(event: Event | int) -> list[GuestCategory]:
    """The event's categories in order (read once per transaction: an RSVP asks several times)."""
    event_id = event if isinstance(event, int) else event.id
    return read_once("categories", event_id, lambda: list(db.session.scalars(_CATEGORIES, {"event_id": event_id})))


_CATEGORIES = (
    sa.select(GuestCategory)
    .where(GuestCategory.event_id == sa.bindparam("event_id"))
    .order_by(GuestCategory.position, GuestCategory.id)
)


def add_defaults(event: Event) -> list[GuestCategory]:
    made = [
        GuestCategory(
            event_id=event.id,
            position=i,
            name=spec.name,
            badge_role=spec.badge_role,
            training_levels=[level.value for level in spec.levels],
            email_domains=[],
        )  # fmt: skip
        for i, spec in enumerate(DEFAULTS)
    ]
    db.session.add_all(made)
    db.session.flush()
    return made


def copy_to(source: Event, target: Event) -> None:
    """ "Next in series": the same categories, places and rules."""
    for i, c in enumerate(of_event(source)):
        db.session.add(
            GuestCategory(
                event_id=target.id, position=i, name=c.name, capacity=c.capacity, policy=c.policy,
                badge_role=c.badge_role, badge_label=c.badge_label, training_levels=list(c.training_levels),
                email_domains=list(c.email_domains), other_domains_ask=c.other_domains_ask,
            )
        )  # fmt: skip
    db.session.flush()


def for_level(event: Event, level: TrainingLevel | str) -> GuestCategory:
    """The category a guest of this training level belongs to: the first that lists the level,
    else the first that takes people (open or by approval), else the first."""
    cats = of_event(event)
    if not cats:
        raise LookupError(f"event {event.id} has no guest category")
    level = TrainingLevel(level)
    return (
        next((c for c in cats if level in c.levels), None)
        or next((c for c in cats if c.policy in (CategoryPolicy.OPEN, CategoryPolicy.APPROVAL)), None)
        or cats[0]
    )


def chosen(event: Event, category_id: int | None, level: TrainingLevel | str) -> GuestCategory:
    """The category a guest picked (an id of this event's), else the one their level belongs to."""
    if category_id:
        found = db.session.get(GuestCategory, category_id)
        if found is not None and found.event_id == event.id:
            return found
    return for_level(event, level)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def at_listed_domain(category: GuestCategory, address: str) -> bool:
    """True when the category lists no domains, or the address is at one (or a subdomain of one)."""
    if not category.email_domains:
        return True
    domain = domain_of(address)
    return any(domain == d or domain.endswith("." + d) for d in category.email_domains)


def admission(category: GuestCategory, address: str, *, invited: bool = False) -> bool:
    """Check that a guest may ask for a place in ``category``; True when an organizer must
    approve them (the category needs approval, or their address is not at a listed domain and
    the category lets such guests ask). A personal invitation (``invited``) opens an
    invitation-only category and any domain rule. Raises DomainError ``category_closed``,
    ``invitation_only`` or ``not_eligible`` (field ``email``)."""
    if category.policy == CategoryPolicy.CLOSED:
        raise DomainError(f"{category.name}: registration is closed.", ErrorCode.CATEGORY_CLOSED, "category")
    if category.policy == CategoryPolicy.INVITATION and not invited:
        raise DomainError(
            f"{category.name}: places are by invitation only. Ask the organizers for an invitation.",
            ErrorCode.INVITATION_ONLY,
            "category",
        )
    if not invited and not at_listed_domain(category, address):
        if not category.other_domains_ask:
            raise DomainError(_domains_message(category), ErrorCode.NOT_ELIGIBLE, "email")
        return True
    return category.policy == CategoryPolicy.APPROVAL


def _domains_message(category: GuestCategory) -> str:
    listed = ", ".join(category.email_domains[:5]) + (" …" if len(category.email_domains) > 5 else "")
    return f"{category.name} places need an address at {listed}. Use that address, or pick another category."


def seats_taken(category: GuestCategory) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Rsvp)
        .where(Rsvp.category_id == category.id, Rsvp.status.in_(SEAT_STATUSES))
    )


@dataclasses.dataclass(frozen=True)
class Room:
    """What seating a guest in a category decides on: seats taken in the event and in the
    category, and whether anyone in the category is queued on the waitlist."""

    event_taken: int
    category_taken: int
    queued: bool

    def has_place(self, event: Event, category: GuestCategory) -> bool:
        """A place left in the event and in the category, and nobody in the category ahead."""
        if event.capacity is not None and self.event_taken >= event.capacity:
            return False
        if category.capacity is not None and self.category_taken >= category.capacity:
            return False
        return not self.queued


_SEATED = Rsvp.status.in_(SEAT_STATUSES)
_IN_CATEGORY = Rsvp.category_id == sa.bindparam("category_id")
# One statement over the event's RSVPs (built once) in place of three counts: it runs under the
# event lock on every RSVP, where each statement holds SQLite's write lock a little longer.
_ROOM = sa.select(
    sa.func.count().filter(_SEATED),
    sa.func.count().filter(sa.and_(_IN_CATEGORY, _SEATED)),
    sa.func.count().filter(sa.and_(_IN_CATEGORY, Rsvp.status == RsvpStatus.WAITLISTED)),
).where(Rsvp.event_id == sa.bindparam("event_id"))


def room(event: Event, category: GuestCategory) -> Room:
    """The event's and the category's seats taken and the category's queue, in one query."""
    event_taken, category_taken, queued = db.session.execute(
        _ROOM, {"event_id": event.id, "category_id": category.id}
    ).one()
    return Room(event_taken, category_taken, queued > 0)


@dataclasses.dataclass(frozen=True)
class CategoryPlaces:
    """A category's figures: live RSVPs by status and the places left (None: no limit of its own)."""

    category: GuestCategory
    confirmed: int
    offered: int
    waitlisted: int
    pending: int

    @property
    def spots_left(self) -> int | None:
        if self.category.capacity is None:
            return None
        return max(self.category.capacity - self.confirmed - self.offered, 0)


#: What an RSVP in a category gets now, in the guest's words (the event page says it by the form).
OUTCOMES = {
    "confirmed": "You'll be confirmed.",
    "waitlisted": "You'll join the waitlist; we'll e-mail you in order if a place opens.",
    "pending": "Your request will await the organizers' approval.",
    "invitation": "Places are by invitation only.",
    "full": "No place is left.",
}


def outcome(event: Event, p: CategoryPlaces, counts) -> str:
    """The OUTCOMES key of a new RSVP in ``p.category`` now (``counts``: the event's PlaceCounts),
    before the address is known (an address outside the category's domains may ask instead)."""
    c = p.category
    if c.policy == CategoryPolicy.INVITATION:
        return "invitation"
    if event.requires_approval or c.policy == CategoryPolicy.APPROVAL:
        return "pending"
    if counts.is_full or p.waitlisted or p.spots_left == 0:
        return "waitlisted" if event.waitlist_enabled else "full"
    return "confirmed"


def places(event: Event) -> list[CategoryPlaces]:
    """Every category of the event with its figures (two queries)."""
    return places_and_counts(event)[0]


def places_and_counts(event: Event) -> tuple[list[CategoryPlaces], PlaceCounts]:
    """``places(event)`` and the event's own PlaceCounts, from the same one count query."""
    counts: dict[tuple[int, RsvpStatus], int] = {
        (cat, status): n
        for cat, status, n in db.session.execute(
            sa.select(Rsvp.category_id, Rsvp.status, sa.func.count())
            .where(Rsvp.event_id == event.id)
            .group_by(Rsvp.category_id, Rsvp.status)
        )
    }
    by_status: dict[RsvpStatus, int] = {}
    for (_, status), n in counts.items():
        by_status[status] = by_status.get(status, 0) + n
    return _category_places(event, counts), counts_from(by_status, event.capacity)


def _category_places(event: Event, counts: dict[tuple[int, RsvpStatus], int]) -> list[CategoryPlaces]:
    return [
        CategoryPlaces(
            c,
            confirmed=counts.get((c.id, RsvpStatus.CONFIRMED), 0),
            offered=counts.get((c.id, RsvpStatus.OFFERED), 0),
            waitlisted=counts.get((c.id, RsvpStatus.WAITLISTED), 0),
            pending=counts.get((c.id, RsvpStatus.PENDING), 0),
        )
        for c in of_event(event)
    ]


_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def read_domains(text: str) -> list[str]:
    """Domains typed one per line or separated by commas or spaces ("@ucla.edu" is ucla.edu).
    Raises DomainError ``bad_domain`` naming the first that is not a domain name."""
    found: list[str] = []
    for part in re.split(r"[\s,;]+", text or ""):
        domain = part.strip().lstrip("@").rstrip(".").lower()
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise DomainError(
                f"“{part[:60]}” is not a domain name (for example ucla.edu).", ErrorCode.BAD_DOMAIN, "email_domains"
            )
        if domain not in found:
            found.append(domain)
    if len(found) > MAX_DOMAINS:
        raise DomainError(f"List at most {MAX_DOMAINS} domains.", ErrorCode.BAD_DOMAIN, "email_domains")
    return found


@dataclasses.dataclass(frozen=True)
class CategoryFields:
    """What an organizer sets on a category (the editor's form, the demo, tests)."""

    name: str
    capacity: int | None = None
    policy: CategoryPolicy = CategoryPolicy.OPEN
    badge_role: BadgeRole | None = None
    badge_label: str = ""
    training_levels: tuple[TrainingLevel, ...] = ()
    email_domains: str = ""
    other_domains_ask: bool = True


def save(event: Event, fields: CategoryFields, category: GuestCategory | None = None) -> GuestCategory:
    """Add a category to the event (``category`` None) or change one; waitlisted guests of a
    category whose places grew are offered them. Raises DomainError ``name_taken`` (field
    name), ``places_taken`` (capacity), ``bad_domain`` (email_domains)."""
    lock_event(event.id)
    cats = of_event(event)
    name = fields.name.strip()
    if any(c.name.casefold() == name.casefold() and c is not category for c in cats):
        raise DomainError(f"This event already has a category called “{name}”.", ErrorCode.NAME_TAKEN, "name")
    if category is None and len(cats) >= MAX_CATEGORIES:
        raise DomainError(f"An event has at most {MAX_CATEGORIES} categories.", ErrorCode.NAME_TAKEN, "name")
    domains = read_domains(fields.email_domains)
    if category is None:
        category = GuestCategory(event_id=event.id, position=len(cats))
        db.session.add(category)
    elif fields.capacity is not None and fields.capacity < seats_taken(category):
        taken = seats_taken(category)
        raise DomainError(
            f"{taken} guests already hold {category.name} places: keep at least {taken}, or move guests first.",
            ErrorCode.PLACES_TAKEN,
            "capacity",
        )
    category.name, category.capacity, category.policy = name, fields.capacity, fields.policy
    category.badge_role, category.badge_label = fields.badge_role, fields.badge_label.strip()
    category.training_levels = [TrainingLevel(level).value for level in fields.training_levels]
    category.email_domains, category.other_domains_ask = domains, fields.other_domains_ask
    _touch(event)
    db.session.flush()
    return category


def move(category: GuestCategory, step: int) -> None:
    """Move a category one place up (-1) or down (+1) in the event's order."""
    if ordering.move_one(of_event(category.event_id), category, step):
        _touch(category.event)
        db.session.flush()


def remove(category: GuestCategory) -> None:
    """Delete a category nobody is in. Raises ``category_in_use`` or ``last_category``."""
    lock_event(category.event_id)
    in_it = db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.category_id == category.id))
    if in_it:
        raise DomainError(
            f"{in_it} {'guest is' if in_it == 1 else 'guests are'} in {category.name} (cancelled replies count too): "
            "it stays so their records keep their category. Close it instead to take nobody new.",
            ErrorCode.CATEGORY_IN_USE,
        )
    if len(of_event(category.event_id)) == 1:
        raise DomainError("An event keeps at least one category.", ErrorCode.LAST_CATEGORY)
    event = category.event
    db.session.delete(category)
    db.session.flush()
    for position, c in enumerate(of_event(event)):
        c.position = position
    _touch(event)
    db.session.flush()


def _touch(event: Event) -> None:
    # The public page caches its blank form per event version (public.views.blank_rsvp_fields).
    event.updated_at = utcnow()


def next_in_queue(event: Event, free: int | None) -> list[Rsvp]:
    """The waitlisted guests a free place goes to, in order: each category's queue advances
    while the category has places, and all together while the event has them."""
    left = {p.category.id: p.spots_left for p in places(event)}
    chosen: list[Rsvp] = []
    waiting = db.session.scalars(
        sa.select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .order_by(Rsvp.waitlisted_at, Rsvp.id)
    )
    for rsvp in waiting:
        if free is not None and len(chosen) >= free:
            break
        room = left.get(rsvp.category_id)
        if room is None or room > 0:
            chosen.append(rsvp)
            if room is not None:
                left[rsvp.category_id] = room - 1
    return chosen
