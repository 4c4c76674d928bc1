"""Vendors and sponsors at an event (issue 16): the site's vendors (one row per company, with its
logo), the events they come to (tier, what guests can try, places for representatives), and their
representatives, who come through personal invitations in the event's Industry / vendor category.

Leads (what representatives save by scanning badges) are ``services/leads.py``.
"""

import base64
import dataclasses
from collections.abc import Iterable

import sqlalchemy as sa
from flask import render_template

from eventsite.extensions import db
from eventsite.models import (
    LIVE_STATUSES,
    Event,
    EventVendor,
    FeedbackForm,
    FeedbackQuestion,
    GuestInvitation,
    InvitationStatus,
    Lead,
    QuestionKind,
    Rsvp,
    RsvpAction,
    RsvpStatus,
    TrainingLevel,
    Vendor,
    VendorTier,
)
from eventsite.services import DomainError, ErrorCode, badges, categories, history, invitations, logos, ordering
from eventsite.services.contacts.opt_ins import check_profile_url

MAX_NAME = 120
MAX_BRINGS = 200
MAX_PLACES = 50


# --- The site's vendors -----------------------------------------------------------------------


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def all_vendors() -> list[Vendor]:
    return list(db.session.scalars(sa.select(Vendor).order_by(Vendor.name_key)))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the vendor's name.", ErrorCode.BAD_VENDOR, "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"Keep the name to {MAX_NAME} characters.", ErrorCode.BAD_VENDOR, "name")
    return name


def _clean_website(url: str) -> str:
    try:
        return check_profile_url(url)
    except DomainError as exc:
        raise DomainError(exc.message, exc.code, "website") from None


def find_or_add(name: str, *, website: str = "", logo: logos.Logo | None = None) -> Vendor:
    """The site's vendor of this name (any case), added when new; a given website or logo
    replaces the stored one. Raises DomainError ``bad_vendor`` (field name), ``bad_url`` (website)."""
    name = _clean_name(name)
    website = _clean_website(website)
    vendor = db.session.scalar(sa.select(Vendor).where(Vendor.name_key == name_key(name)))
    if vendor is None:
        vendor = Vendor(name=name, name_key=name_key(name), website=website)
        db.session.add(vendor)
    elif website:
        vendor.website = website
    if logo is not None:
        set_logo(vendor, logo)
    db.session.flush()
    return vendor


def update_vendor(vendor: Vendor, *, name: str, website: str, logo: logos.Logo | None = None) -> Vendor:
    """Rename the vendor, change its website, or give it a new logo: every event it comes to
    shows the change. Raises ``bad_vendor``, ``bad_url``, or ``name_taken`` (field name)."""
    name = _clean_name(name)
    website = _clean_website(website)
    other = db.session.scalar(sa.select(Vendor).where(Vendor.name_key == name_key(name), Vendor.id != vendor.id))
    if other is not None:
        raise DomainError(f"Another vendor is already called {other.name}.", ErrorCode.NAME_TAKEN, "name")
    renamed = vendor.name != name
    vendor.name, vendor.name_key, vendor.website = name, name_key(name), website
    if logo is not None:
        set_logo(vendor, logo)
    db.session.flush()
    if renamed:
        _sync_feedback(db.session.scalars(sa.select(EventVendor.event_id).where(EventVendor.vendor_id == vendor.id)))
    return vendor


def set_logo(vendor: Vendor, logo: logos.Logo) -> None:
    vendor.logo, vendor.logo_type, vendor.logo_hash = logo.data, logo.mimetype, logo.digest
    vendor.logo_width, vendor.logo_height = logo.width, logo.height


def remove_logo(vendor: Vendor) -> None:
    vendor.logo, vendor.logo_type, vendor.logo_hash = None, "", ""
    vendor.logo_width = vendor.logo_height = 0
    db.session.flush()


def logo_of(vendor_id: int, digest: str) -> tuple[bytes, str] | None:
    """(bytes, MIME type) of the vendor's current logo when ``digest`` names it, else None."""
    row = db.session.execute(
        sa.select(Vendor.logo, Vendor.logo_type).where(Vendor.id == vendor_id, Vendor.logo_hash == digest)
    ).first()
    if row is None or not digest or row.logo is None:
        return None
    return row.logo, row.logo_type


# --- Vendors at an event ----------------------------------------------------------------------


def of_event(event: Event | int) -> list[EventVendor]:
    """The event's vendors, host sponsors first, then in the organizers' order."""
    event_id = event if isinstance(event, int) else event.id
    rows = db.session.scalars(
        sa.select(EventVendor).where(EventVendor.event_id == event_id).order_by(EventVendor.position, EventVendor.id)
    )
    return sorted(rows, key=lambda v: v.tier.rank)


def names(event: Event | int) -> list[str]:
    return [v.name for v in of_event(event)]


def _sync_feedback(event_ids: Iterable[int]) -> None:
    """The feedback forms' "which vendors did you try?" questions offer the events' vendors now."""
    for event_id in set(event_ids):
        listed = names(event_id)
        for question in db.session.scalars(
            sa.select(FeedbackQuestion)
            .join(FeedbackForm, FeedbackForm.id == FeedbackQuestion.form_id)
            .where(FeedbackForm.event_id == event_id, FeedbackQuestion.kind == QuestionKind.VENDORS)
        ):
            question.choices = listed
    db.session.flush()


@dataclasses.dataclass(frozen=True)
class Listing:
    """What an event shows about one vendor at it."""

    tier: VendorTier
    brings: str
    places: int


def _clean_listing(listing: Listing) -> Listing:
    brings = " ".join(listing.brings.split())
    if len(brings) > MAX_BRINGS:
        raise DomainError(f"Keep it to {MAX_BRINGS} characters.", ErrorCode.BAD_VENDOR, "brings")
    if not 0 <= listing.places <= MAX_PLACES:
        raise DomainError(
            f"Give between 0 and {MAX_PLACES} places for representatives.", ErrorCode.BAD_VENDOR, "places"
        )
    return dataclasses.replace(listing, tier=VendorTier(listing.tier), brings=brings)


def attach(event: Event, vendor: Vendor, listing: Listing) -> EventVendor:
    """List ``vendor`` at ``event``. Raises ``vendor_attached`` (field name) when it is already."""
    listing = _clean_listing(listing)
    if db.session.scalar(
        sa.select(EventVendor).where(EventVendor.event_id == event.id, EventVendor.vendor_id == vendor.id)
    ):
        raise DomainError(f"{vendor.name} is already listed at this event.", ErrorCode.VENDOR_ATTACHED, "name")
    position = len(of_event(event))
    row = EventVendor(event_id=event.id, vendor_id=vendor.id, tier=listing.tier, brings=listing.brings,
                      places=listing.places, position=position)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    _sync_feedback([event.id])
    return row


def update_listing(row: EventVendor, listing: Listing) -> EventVendor:
    """Change tier, line or places; places never go below the representatives already coming or invited."""
    listing = _clean_listing(listing)
    used = places_used(row)
    if listing.places < used:
        raise DomainError(
            f"{used} representative{'s are' if used != 1 else ' is'} already invited or coming; "
            "withdraw one first or keep at least that many places.",
            ErrorCode.PLACES_TAKEN,
            "places",
        )
    row.tier, row.brings, row.places = listing.tier, listing.brings, listing.places
    db.session.flush()
    return row


def move(row: EventVendor, step: int) -> None:
    rows = list(
        db.session.scalars(
            sa.select(EventVendor)
            .where(EventVendor.event_id == row.event_id)
            .order_by(EventVendor.position, EventVendor.id)
        )
    )
    ordering.move_one(rows, row, step)
    db.session.flush()
    _sync_feedback([row.event_id])


def detach(row: EventVendor) -> None:
    """Take the vendor off the event. Raises ``vendor_in_use`` while representatives are coming
    or invited, or its representatives hold leads (withdraw them first: nothing is lost by accident)."""
    held = sa.select(sa.func.count()).where(Lead.event_vendor_id == row.id, Lead.withdrawn_at.is_(None))
    if places_used(row) or db.session.scalar(held):
        raise DomainError(
            f"{row.name} has representatives or leads at this event: withdraw its representatives first.",
            ErrorCode.VENDOR_IN_USE,
        )
    db.session.execute(sa.delete(GuestInvitation).where(GuestInvitation.event_vendor_id == row.id))
    db.session.execute(sa.delete(Lead).where(Lead.event_vendor_id == row.id))  # withdrawn marks
    event_id = row.event_id
    db.session.delete(row)
    db.session.flush()
    _sync_feedback([event_id])


def copy_to(source: Event, target: Event, ids: Iterable[int] | None = None) -> list[EventVendor]:
    """ "Next in series": list the chosen vendors of ``source`` (all when ``ids`` is None) at ``target``
    with the same tier, line and places; no representatives, leads or counts."""
    chosen = None if ids is None else set(ids)
    copied = []
    for i, row in enumerate(of_event(source)):
        if chosen is not None and row.id not in chosen:
            continue
        copied.append(EventVendor(event_id=target.id, vendor_id=row.vendor_id, tier=row.tier, brings=row.brings,
                                  places=row.places, position=i))  # fmt: skip
    db.session.add_all(copied)
    db.session.flush()
    _sync_feedback([target.id])
    return copied


# --- Representatives ----------------------------------------------------------------------------


def representatives(row: EventVendor) -> list[Rsvp]:
    """The vendor's representatives with a live RSVP, by name."""
    return list(
        db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_vendor_id == row.id, Rsvp.status.in_(LIVE_STATUSES))
            .order_by(Rsvp.first_name, Rsvp.last_name, Rsvp.id)
        )
    )


def pending_invitations(row: EventVendor) -> list[GuestInvitation]:
    return list(
        db.session.scalars(
            sa.select(GuestInvitation)
            .where(GuestInvitation.event_vendor_id == row.id, GuestInvitation.status == InvitationStatus.INVITED)
            .order_by(GuestInvitation.created_at, GuestInvitation.id)
        )
    )


def places_used(row: EventVendor) -> int:
    return len(representatives(row)) + len(pending_invitations(row))


def invite_representatives(
    row: EventVendor, people: list[invitations.Invitee], *, actor: str
) -> invitations.InviteReport:
    """Invite representatives of ``row``'s vendor by personal link: they RSVP in the event's
    Industry / vendor category, without approval, with the company on their badge band.
    Raises ``no_rep_places`` (field people) beyond the vendor's places, and what ``invitations.invite`` raises."""
    free = row.places - places_used(row)
    if len(people) > free:
        raise DomainError(
            f"{row.name} has {free} place{'s' if free != 1 else ''} left for representatives "
            f"({row.places} in all); raise its places or invite fewer people.",
            ErrorCode.NO_REP_PLACES,
            "people",
        )
    event = row.event
    industry = categories.for_level(event, TrainingLevel.INDUSTRY)
    people = [dataclasses.replace(p, training_level=p.training_level or TrainingLevel.INDUSTRY.value,
                                  institution=p.institution or row.name) for p in people]  # fmt: skip
    return invitations.invite(event, people, category_id=industry.id, skip_approval=True, actor=actor, event_vendor=row)


def representing(rsvp: Rsvp) -> EventVendor | None:
    """The vendor ``rsvp`` represents at its event, while the RSVP is confirmed; else None."""
    if rsvp.event_vendor_id is None or rsvp.status != RsvpStatus.CONFIRMED or rsvp.is_anonymised:
        return None
    return db.session.get(EventVendor, rsvp.event_vendor_id)


def revoke(row: EventVendor, rsvp: Rsvp, *, actor: str) -> None:
    """The guest no longer represents the vendor: their lead scanner and lead downloads stop at
    once; the leads they saved stay with the vendor; their RSVP stays as it is."""
    if rsvp.event_vendor_id != row.id:
        raise DomainError("That guest doesn't represent this vendor.", ErrorCode.NOT_REPRESENTATIVE)
    rsvp.event_vendor_id = None
    history.record(rsvp, RsvpAction.EDITED, actor, f"no longer represents {row.name}")
    db.session.flush()


def colleagues(rsvp: Rsvp) -> list[Rsvp]:
    row = representing(rsvp)
    return [r for r in representatives(row) if r.id != rsvp.id] if row else []


# --- The organizers' editor: one call per form ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str


def _read(upload: Upload | None) -> logos.Logo | None:
    return logos.read_logo(upload.data, upload.filename) if upload is not None else None


def add_to_event(
    event: Event, *, vendor_id: int | None, name: str, website: str, logo: Upload | None, listing: Listing
) -> EventVendor:
    """List a vendor at ``event``: one of the site's (``vendor_id``) or a new one by ``name``
    (a known name finds the stored vendor). The logo is checked before anything is stored.
    Raises what ``logos.read_logo``, ``find_or_add`` and ``attach`` raise."""
    image = _read(logo)
    vendor = db.session.get(Vendor, vendor_id) if vendor_id else None
    if vendor is None:
        vendor = find_or_add(name, website=website, logo=image)
    elif image is not None or website:
        update_vendor(vendor, name=vendor.name, website=website or vendor.website, logo=image)
    return attach(event, vendor, listing)


def edit_at_event(
    row: EventVendor, *, name: str, website: str, logo: Upload | None, drop_logo: bool, listing: Listing
) -> EventVendor:
    """Change the vendor (name, website, logo: at every event it comes to) and its listing here."""
    image = _read(logo)
    update_listing(row, listing)
    update_vendor(row.vendor, name=name, website=website, logo=image)
    if drop_logo and image is None:
        remove_logo(row.vendor)
    return row


# --- The printable vendor sheet for the room --------------------------------------------------------


def logo_data_uri(vendor: Vendor) -> str:
    if not vendor.logo_hash or vendor.logo is None:
        return ""
    return f"data:{vendor.logo_type};base64,{base64.b64encode(vendor.logo).decode()}"


def render_sheet_pdf(event: Event) -> bytes:
    """An A4 sheet for the room: who is here tonight and what guests can try, with logos."""
    rows = [(row, logo_data_uri(row.vendor)) for row in of_event(event)]
    return badges.write_pdf(render_template("admin/vendor_sheet.html", event=event, rows=rows))
