"""Contact cards: saving a guest's card by scanning their badge, a guest's saved contacts
and who saved them, and the organizer's counts (never who saved whom)."""

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eventsite.extensions import db
from eventsite.models import Event, GuestProfile, Rsvp, RsvpStatus, SavedContact
from eventsite.services import DomainError, ErrorCode, tickets
from eventsite.services.contacts.opt_ins import get_profile, profile_for, require_guest

#: The longest note a guest may keep on a saved contact.
MAX_NOTE = 200


@dataclasses.dataclass(frozen=True)
class Card:
    """A guest's contact card as shared with the guests who saved it."""

    first_name: str
    last_name: str
    badge_name: str
    institution: str
    level: str
    email: str = ""
    phone: str = ""
    url: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def shares_card(rsvp: Rsvp, profile: GuestProfile | None = None) -> bool:
    """True while ``rsvp`` is a confirmed guest who lets guests they meet save their card."""
    profile = profile if profile is not None else get_profile(rsvp)
    return profile is not None and profile.share_contact and rsvp.status == RsvpStatus.CONFIRMED


def card_of(rsvp: Rsvp, profile: GuestProfile | None) -> Card:
    """Name and institution always; e-mail, phone and link only while the guest shares them."""
    sharing = profile is not None and profile.share_contact
    return Card(
        first_name=rsvp.first_name,
        last_name=rsvp.last_name,
        badge_name=rsvp.badge_name,
        institution=rsvp.institution,
        level=rsvp.training_level.label,
        email=rsvp.email if sharing and profile.share_email else "",
        phone=profile.phone if sharing and profile.share_phone else "",
        url=profile.profile_url if sharing else "",
    )


def find_badge(owner: Rsvp, scanned: str) -> Rsvp:
    """The guest whose badge ``scanned`` (URL or typed code) belongs to, at ``owner``'s event.

    Raises DomainError (field ``code``): ``unknown_code``, ``wrong_event``, ``own_badge``.
    """

    code = tickets.parse_code(scanned)
    rsvp = tickets.find_rsvp(code) if code else None
    if rsvp is None or rsvp.status in (RsvpStatus.CANCELLED, RsvpStatus.DECLINED):
        raise DomainError(
            "That isn't a badge code from this event. Check the code and try again.", ErrorCode.UNKNOWN_CODE, "code"
        )
    if rsvp.event_id != owner.event_id:
        raise DomainError("That badge belongs to another event.", ErrorCode.WRONG_EVENT, "code")
    if rsvp.id == owner.id:
        raise DomainError("That's your own badge.", ErrorCode.OWN_BADGE, "code")
    return rsvp


def find_saved(owner: Rsvp, contact: Rsvp) -> SavedContact | None:
    return db.session.scalar(
        sa.select(SavedContact).where(SavedContact.owner_id == owner.id, SavedContact.contact_id == contact.id)
    )


@dataclasses.dataclass(frozen=True)
class Preview:
    """What the Meet page shows after a scan, before saving."""

    name: str
    shares: bool
    already_saved: bool
    institution: str = ""


def preview(owner: Rsvp, scanned: str) -> Preview:
    """The scanned guest's badge name, and (if they share) their institution. Raises as ``find_badge``
    and ``not_confirmed``."""
    require_guest(owner)
    contact = find_badge(owner, scanned)
    shares = shares_card(contact)
    return Preview(
        name=contact.display_name,
        shares=shares,
        already_saved=find_saved(owner, contact) is not None,
        institution=contact.institution if shares else "",
    )


@dataclasses.dataclass(frozen=True)
class SaveResult:
    contact: Rsvp
    #: None when the scanned guest does not share their card: nothing was saved.
    saved: SavedContact | None
    #: False when the card was already in the list (the note, if given, replaced the old one).
    created: bool = False


def save_contact(owner: Rsvp, contact: Rsvp, *, note: str = "") -> SaveResult:
    """Save ``contact``'s shared card to ``owner``'s contacts with an optional note.

    A contact who does not share saves nothing (``saved`` None). Saving twice keeps one entry
    (a new non-empty note replaces the old). Raises DomainError ``not_confirmed``,
    ``wrong_event``, ``own_badge``.
    """
    require_guest(owner)
    if contact.event_id != owner.event_id:
        raise DomainError("That badge belongs to another event.", ErrorCode.WRONG_EVENT, "code")
    if contact.id == owner.id:
        raise DomainError("That's your own badge.", ErrorCode.OWN_BADGE, "code")
    if not shares_card(contact):
        return SaveResult(contact, None)
    note = " ".join(note.split())[:MAX_NOTE]
    profile_for(owner)  # the follow-up e-mail is claimed on the owner's profile
    existing = find_saved(owner, contact)
    if existing is None:
        try:
            with db.session.begin_nested():
                existing = SavedContact(event_id=owner.event_id, owner_id=owner.id, contact_id=contact.id, note=note)
                db.session.add(existing)
        except IntegrityError:  # the same scan from a second tab won the race
            existing = find_saved(owner, contact)
        else:
            return SaveResult(contact, existing, created=True)
    if note:
        existing.note = note
    db.session.flush()
    return SaveResult(contact, existing)


def save_scanned(owner: Rsvp, scanned: str, *, note: str = "") -> SaveResult:
    """``save_contact`` for a scanned badge URL or a typed code; raises as ``find_badge`` too."""
    require_guest(owner)
    return save_contact(owner, find_badge(owner, scanned), note=note)


def _owned(owner: Rsvp, saved_id: int) -> SavedContact:
    saved = db.session.get(SavedContact, saved_id)
    if saved is None or saved.owner_id != owner.id:
        raise DomainError("That contact isn't in your list.", ErrorCode.NOT_FOUND)
    return saved


def update_note(owner: Rsvp, saved_id: int, note: str) -> SavedContact:
    """Replace the note on one of ``owner``'s contacts. Raises DomainError ``not_found``."""
    saved = _owned(owner, saved_id)
    saved.note = " ".join(note.split())[:MAX_NOTE]
    db.session.flush()
    return saved


def remove_contact(owner: Rsvp, saved_id: int) -> None:
    """Delete one of ``owner``'s saved contacts. Raises DomainError ``not_found``."""
    db.session.delete(_owned(owner, saved_id))
    db.session.flush()


@dataclasses.dataclass(frozen=True)
class ContactRow:
    id: int
    #: The saved guest's RSVP.
    contact_id: int
    card: Card
    note: str
    saved_at: dt.datetime
    #: The contact saved the owner's card too.
    mutual: bool


def my_contacts(owner: Rsvp) -> list[ContactRow]:
    """``owner``'s saved contacts in the order they were made, with what each shares now."""
    back = sa.select(SavedContact.owner_id).where(SavedContact.contact_id == owner.id)
    rows = db.session.execute(
        sa.select(SavedContact, Rsvp, GuestProfile, SavedContact.contact_id.in_(back).label("mutual"))
        .join(Rsvp, Rsvp.id == SavedContact.contact_id)
        .outerjoin(GuestProfile, GuestProfile.rsvp_id == Rsvp.id)
        .where(SavedContact.owner_id == owner.id)
        .order_by(SavedContact.created_at, SavedContact.id)
    )
    return [
        ContactRow(
            id=saved.id,
            contact_id=rsvp.id,
            card=card_of(rsvp, profile),
            note=saved.note,
            saved_at=saved.created_at,
            mutual=bool(mutual),
        )
        for saved, rsvp, profile, mutual in rows
    ]


def count_saved(owner: Rsvp) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(SavedContact.owner_id == owner.id)) or 0


@dataclasses.dataclass(frozen=True)
class SavedMe:
    """How many guests saved this guest's card, and by name only those this guest saved too."""

    count: int
    mutual: list[str]


def saved_me(rsvp: Rsvp) -> SavedMe:
    savers = sa.select(SavedContact.owner_id).where(SavedContact.contact_id == rsvp.id)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(savers.subquery()))
    mutual = db.session.scalars(
        sa.select(Rsvp)
        .join(SavedContact, SavedContact.contact_id == Rsvp.id)
        .where(SavedContact.owner_id == rsvp.id, Rsvp.id.in_(savers))
        .order_by(SavedContact.created_at)
    ).all()
    return SavedMe(count=count or 0, mutual=[r.display_name for r in mutual])


@dataclasses.dataclass(frozen=True)
class EventFigures:
    """What organizers see of the networking: counts only, never who saved whom."""

    contacts: int
    savers: int
    sharing: int
    in_directory: int


def saved_counts(event_id: int) -> tuple[int, int]:
    """(contacts saved, guests who saved any) at the event, as the rows stand."""
    contacts, savers = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(SavedContact.owner_id))).where(
            SavedContact.event_id == event_id
        )
    ).one()
    return contacts, savers


def event_figures(event: Event) -> EventFigures:
    contacts, savers = saved_counts(event.id)
    contacts += event.forgotten_contacts
    savers += event.forgotten_savers
    sharing, listed = db.session.execute(
        sa.select(
            sa.func.count().filter(GuestProfile.share_contact.is_(True)),
            sa.func.count().filter(GuestProfile.in_directory.is_(True)),
        )
        .join(Rsvp, Rsvp.id == GuestProfile.rsvp_id)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
    ).one()
    return EventFigures(contacts=contacts, savers=savers, sharing=sharing or 0, in_directory=listed or 0)
