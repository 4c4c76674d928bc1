"""Networking between guests: the "Who's coming" directory and contact exchange by badge scan.

Everything is opt-in and decided when it is read: a guest is listed in the directory only while
they chose to be, their RSVP is confirmed and the event's directory is on; a badge scan saves a
card only from a confirmed guest of the same event who chose to share. A saved card shows the
contact's name and program, plus whichever of e-mail, phone and profile link the contact shares
*now* (so withdrawing a field withdraws it from everyone's list). Organizers get counts only.

The week-after e-mail (``send_followups``) is claimed per guest with a conditional UPDATE of
``GuestProfile.followup_sent_at`` in the transaction that queues it, so it goes out once.
"""

import csv
import dataclasses
import datetime as dt
import io
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eventsite.extensions import db
from eventsite.models import (
    Event,
    EventStatus,
    GuestProfile,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    RsvpStatus,
    SavedContact,
    TrainingLevel,
    utcnow,
)
from eventsite.services import DomainError, links, mail, tickets, tokens
from eventsite.services.spreadsheets import neutralise

#: The seeds' advice: follow up within a week.
FOLLOW_UP_AFTER = dt.timedelta(days=7)
#: Events that ended longer ago than this get no follow-up (e.g. when the job was down for weeks).
FOLLOW_UP_UNTIL = dt.timedelta(days=21)
FOLLOW_UP_KIND = "contacts_followup"
MAX_NOTE = 200

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


# --- Opt-ins --------------------------------------------------------------------------------


def get_profile(rsvp: Rsvp) -> GuestProfile | None:
    return db.session.get(GuestProfile, rsvp.id)


def profile_for(rsvp: Rsvp) -> GuestProfile:
    """The guest's networking row, added (all opt-ins off) when it does not exist yet."""
    profile = get_profile(rsvp)
    if profile is None:
        profile = GuestProfile(rsvp_id=rsvp.id)
        db.session.add(profile)
        db.session.flush()
    return profile


def check_profile_url(url: str) -> str:
    """The link stripped; raises DomainError ``bad_url`` (field ``profile_url``) unless http(s)."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise DomainError("Please give a web address starting with https:// (or http://).", "bad_url", "profile_url")
    return url


def update_preferences(
    rsvp: Rsvp,
    *,
    in_directory: bool = False,
    ask_me_about: str = "",
    share_contact: bool = False,
    share_email: bool = False,
    share_phone: bool = False,
    phone: str = "",
    profile_url: str = "",
) -> GuestProfile:
    """Record the guest's choices (at RSVP or on the manage page); returns the profile.

    Leaving the directory or turning sharing off takes effect at once for every reader.
    Raises DomainError ``rsvp_closed`` for a cancelled or declined RSVP, ``bad_url`` (field
    ``profile_url``), ``phone_missing`` (field ``phone``) when sharing a phone without one.
    """
    if not rsvp.is_live:
        raise DomainError("This RSVP is no longer active.", "rsvp_closed")
    phone = " ".join(phone.split())
    url = check_profile_url(profile_url)
    if share_contact and share_phone and not phone:
        raise DomainError("Please enter the phone number to share, or untick it.", "phone_missing", "phone")
    profile = profile_for(rsvp)
    profile.in_directory = bool(in_directory)
    profile.ask_me_about = " ".join(ask_me_about.split())
    profile.share_contact = bool(share_contact)
    profile.share_email = bool(share_contact and share_email)
    profile.share_phone = bool(share_contact and share_phone)
    profile.phone = phone
    profile.profile_url = url
    db.session.flush()
    return profile


def can_network(rsvp: Rsvp) -> bool:
    """Confirmed guests of an event that still takes place may use the directory and Meet page."""
    return rsvp.status == RsvpStatus.CONFIRMED and rsvp.event.status != EventStatus.CANCELLED


def _require_guest(rsvp: Rsvp) -> None:
    if not can_network(rsvp):
        raise DomainError("Meeting other guests is open to confirmed guests of this event.", "not_confirmed")


# --- Directory ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DirectoryEntry:
    """What the directory shows of a guest: never the e-mail address."""

    rsvp_id: int
    name: str
    program: str
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
        raise DomainError("This guest list belongs to another event.", "wrong_event")
    _require_guest(viewer)
    if not event.directory_enabled:
        raise DomainError("The organizers have switched the guest directory off for this event.", "directory_off")
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
            program=row.institution,
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


# --- Cards and saving -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Card:
    """A guest's contact card as shared with the guests who saved it."""

    first_name: str
    last_name: str
    badge_name: str
    program: str
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
    """Name and program always; e-mail, phone and link only while the guest shares them."""
    sharing = profile is not None and profile.share_contact
    return Card(
        first_name=rsvp.first_name,
        last_name=rsvp.last_name,
        badge_name=rsvp.badge_name,
        program=rsvp.institution,
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
            "That isn't a badge code from this event. Check the code and try again.", "unknown_code", "code"
        )
    if rsvp.event_id != owner.event_id:
        raise DomainError("That badge belongs to another event.", "wrong_event", "code")
    if rsvp.id == owner.id:
        raise DomainError("That's your own badge.", "own_badge", "code")
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
    program: str = ""


def preview(owner: Rsvp, scanned: str) -> Preview:
    """The scanned guest's badge name, and (if they share) their program. Raises as ``find_badge``
    and ``not_confirmed``."""
    _require_guest(owner)
    contact = find_badge(owner, scanned)
    shares = shares_card(contact)
    return Preview(
        name=contact.display_name,
        shares=shares,
        already_saved=find_saved(owner, contact) is not None,
        program=contact.institution if shares else "",
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
    _require_guest(owner)
    if contact.event_id != owner.event_id:
        raise DomainError("That badge belongs to another event.", "wrong_event", "code")
    if contact.id == owner.id:
        raise DomainError("That's your own badge.", "own_badge", "code")
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
    _require_guest(owner)
    return save_contact(owner, find_badge(owner, scanned), note=note)


def _owned(owner: Rsvp, saved_id: int) -> SavedContact:
    saved = db.session.get(SavedContact, saved_id)
    if saved is None or saved.owner_id != owner.id:
        raise DomainError("That contact isn't in your list.", "not_found")
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


# --- My contacts ------------------------------------------------------------------------------


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


def _saved_counts(event_id: int) -> tuple[int, int]:
    """(contacts saved, guests who saved any) at the event, as the rows stand."""
    contacts, savers = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(SavedContact.owner_id))).where(
            SavedContact.event_id == event_id
        )
    ).one()
    return contacts, savers


def event_figures(event: Event) -> EventFigures:
    contacts, savers = _saved_counts(event.id)
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


# --- vCard 4.0 and CSV -------------------------------------------------------------------------


def _text(value: str) -> str:
    """RFC 6350 §3.4 TEXT escaping: backslash, comma, semicolon, and line breaks as \\n."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 6350 §3.2: lines longer than 75 octets continue on lines that start with a space,
    never splitting a multi-octet UTF-8 character."""
    out, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def vcard(rows: list[ContactRow], *, event: Event) -> str:
    """The contacts as one vCard 4.0 stream (UTF-8 text with CRLF line ends)."""
    lines = []
    for row in rows:
        c = row.card
        note = f"Met at {event.title}" + (f": {row.note}" if row.note else "")
        props = [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "KIND:individual",
            # Address books (khard, CardDAV) keep only cards with a UID, and know a card downloaded
            # again by it: one per saved guest, the same in every download.
            f"UID:{tokens.stable_uuid(f'vcard:{row.contact_id}')}",
            f"FN:{_text(c.full_name)}",
            f"N:{_text(c.last_name)};{_text(c.first_name)};;;",
        ]
        if c.badge_name and c.badge_name != c.first_name:
            props.append(f"NICKNAME:{_text(c.badge_name)}")
        props.append(f"ORG:{_text(c.program)}")
        props.append(f"TITLE:{_text(c.level)}")
        if c.email:
            props.append(f"EMAIL;TYPE=work:{_text(c.email)}")
        if c.phone:
            props.append(f"TEL;VALUE=text;TYPE=cell:{_text(c.phone)}")
        if c.url:
            props.append(f"URL:{c.url}")  # a URI value: no TEXT escaping (it holds no space or line break)
        props.append(f"NOTE:{_text(note)}")
        props.append("END:VCARD")
        lines.extend(_fold(p) for p in props)
    return "".join(line + "\r\n" for line in lines)


CSV_HEADER = ("Name", "Badge name", "Program", "Training level", "E-mail", "Phone", "Profile link", "Note", "Saved at")


def contacts_csv(rows: list[ContactRow], *, event: Event) -> str:
    """The contacts as CSV (BOM, RFC 4180 quoting, CRLF), formula-safe like the guest list."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in rows:
        c = row.card
        cells = (c.full_name, c.badge_name, c.program, c.level, c.email, c.phone, c.url, row.note,
                 row.saved_at.astimezone(event.tz).isoformat(timespec="seconds"))  # fmt: skip
        writer.writerow([neutralise(cell) for cell in cells])
    return "\ufeff" + buffer.getvalue()


def vcard_filename(event: Event) -> str:
    return f"contacts-{event.slug}.vcf"


# --- The week-after e-mail ---------------------------------------------------------------------


def send_followups(*, now: dt.datetime | None = None) -> int:
    """Queue one e-mail per confirmed guest who saved at least one contact at an event that ended
    FOLLOW_UP_AFTER ago (and not longer than FOLLOW_UP_UNTIL), with the vCard attached.

    Each guest is claimed with a conditional UPDATE of ``followup_sent_at``; a concurrent run that
    claimed the guest first makes this one skip them. Call inside ``writing()``; the caller commits.
    Returns how many were queued.
    """
    now = now or utcnow()
    has_contacts = sa.select(SavedContact.id).where(SavedContact.owner_id == GuestProfile.rsvp_id).exists()
    candidates = db.session.scalars(
        sa.select(GuestProfile.rsvp_id)
        .join(Rsvp, Rsvp.id == GuestProfile.rsvp_id)
        .join(Event, Event.id == Rsvp.event_id)
        .where(
            GuestProfile.followup_sent_at.is_(None),
            Rsvp.status == RsvpStatus.CONFIRMED,
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now - FOLLOW_UP_AFTER,
            Event.ends_at > now - FOLLOW_UP_UNTIL,
            has_contacts,
        )
        .order_by(GuestProfile.rsvp_id)
    ).all()
    queued = 0
    for rsvp_id in candidates:  # in id order, so two runs lock rows alike
        claim = db.session.execute(
            sa.update(GuestProfile)
            .where(GuestProfile.rsvp_id == rsvp_id, GuestProfile.followup_sent_at.is_(None))
            .values(followup_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claim.rowcount != 1:
            continue
        _queue_followup(db.session.get(Rsvp, rsvp_id))
        queued += 1
    db.session.flush()
    return queued


def _queue_followup(rsvp: Rsvp) -> None:
    rows = my_contacts(rsvp)
    event = rsvp.event
    mail.queue_message(
        to=rsvp.email,
        kind=FOLLOW_UP_KIND,
        subject=f"The {len(rows)} {'person' if len(rows) == 1 else 'people'} you met at {event.title}",
        template=FOLLOW_UP_KIND,
        rsvp=rsvp,
        attachments=[
            {"filename": vcard_filename(event), "mimetype": "text/vcard", "content": vcard(rows, event=event)}
        ],
        event=event,
        contacts=rows,
        contacts_url=f"{links.manage_url(rsvp)}/contacts",
    )


# --- Data deletion ---------------------------------------------------------------------------------


def forget_guest(rsvp: Rsvp) -> None:
    """Remove the guest's directory entry and sharing choices, every contact they saved and every
    saved copy of their card (for the guest-data deletion). The organizer's figures for the
    event stay as they were (Event.forgotten_*). Flushes; the caller commits."""
    before = _saved_counts(rsvp.event_id)
    # Follow-ups queued but not sent to guests who saved this one carry their card: they are
    # written again without it (or dropped when nobody else is left in them).
    savers = sa.select(SavedContact.owner_id).where(SavedContact.contact_id == rsvp.id)
    unsent = sa.and_(
        OutboxMessage.kind == FOLLOW_UP_KIND,
        OutboxMessage.rsvp_id.in_(savers),
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)),
    )
    rewrite = db.session.scalars(sa.select(OutboxMessage.rsvp_id).where(unsent)).all()
    db.session.execute(sa.delete(OutboxMessage).where(unsent).execution_options(synchronize_session="fetch"))
    db.session.execute(
        sa.delete(SavedContact)
        .where(sa.or_(SavedContact.owner_id == rsvp.id, SavedContact.contact_id == rsvp.id))
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.delete(GuestProfile).where(GuestProfile.rsvp_id == rsvp.id).execution_options(synchronize_session="fetch")
    )
    after = _saved_counts(rsvp.event_id)
    event = rsvp.event
    event.forgotten_contacts += before[0] - after[0]
    event.forgotten_savers += before[1] - after[1]
    for owner_id in rewrite:
        owner = db.session.get(Rsvp, owner_id)
        if owner is not None and count_saved(owner):
            _queue_followup(owner)
    db.session.flush()
