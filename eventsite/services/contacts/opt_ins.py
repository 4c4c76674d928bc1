"""The guest's networking choices: listed in the directory or not, what they share with the
guests who save their card (e-mail, phone, profile link), and who may network at all."""

from urllib.parse import urlsplit

from eventsite.extensions import db
from eventsite.models import EventStatus, GuestProfile, Rsvp, RsvpStatus, utcnow
from eventsite.services import DomainError, ErrorCode


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
        raise DomainError(
            "Please give a web address starting with https:// (or http://).", ErrorCode.BAD_URL, "profile_url"
        )
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
    share_vendors: bool = False,
    vendor_email: bool = False,
    vendor_phone: bool = False,
    vendor_institution: bool = False,
    vendor_interest: bool = False,
) -> GuestProfile:
    """Record the guest's choices (at RSVP or on the manage page); returns the profile.

    Leaving the directory or turning sharing off takes effect at once for every reader.
    ``share_vendors`` (issue 16, separate from sharing with guests): vendors' representatives may
    save the guest as a lead when they scan the badge, with the name and the ``vendor_*`` fields.
    Raises DomainError ``rsvp_closed`` for a cancelled or declined RSVP, ``bad_url`` (field
    ``profile_url``), ``phone_missing`` (field ``phone``) when sharing a phone without one.
    """
    if not rsvp.is_live:
        raise DomainError("This RSVP is no longer active.", ErrorCode.RSVP_CLOSED)
    phone = " ".join(phone.split())
    url = check_profile_url(profile_url)
    if (share_contact and share_phone or share_vendors and vendor_phone) and not phone:
        raise DomainError("Please enter the phone number to share, or untick it.", ErrorCode.PHONE_MISSING, "phone")
    profile = profile_for(rsvp)
    profile.in_directory = bool(in_directory)
    profile.ask_me_about = " ".join(ask_me_about.split())
    profile.share_contact = bool(share_contact)
    profile.share_email = bool(share_contact and share_email)
    profile.share_phone = bool(share_contact and share_phone)
    profile.phone = phone
    profile.profile_url = url
    if share_vendors and not profile.share_vendors:
        profile.vendors_agreed_at = utcnow()
    elif not share_vendors:
        profile.vendors_agreed_at = None
    profile.share_vendors = bool(share_vendors)
    profile.vendor_email = bool(share_vendors and vendor_email)
    profile.vendor_phone = bool(share_vendors and vendor_phone)
    profile.vendor_institution = bool(share_vendors and vendor_institution)
    profile.vendor_interest = bool(share_vendors and vendor_interest)
    db.session.flush()
    return profile


def can_network(rsvp: Rsvp) -> bool:
    """Confirmed guests of an event that still takes place may use the directory and Meet page;
    a vendor's representative may not (issue 16): they save only guests who agreed to share with
    vendors, with their lead scanner (services.leads)."""
    return (
        rsvp.status == RsvpStatus.CONFIRMED
        and rsvp.event.status != EventStatus.CANCELLED
        and rsvp.event_vendor_id is None
    )


def require_guest(rsvp: Rsvp) -> None:
    """Raises DomainError ``not_confirmed`` unless ``rsvp`` may network (``can_network``)."""
    if not can_network(rsvp):
        raise DomainError("Meeting other guests is open to confirmed guests of this event.", ErrorCode.NOT_CONFIRMED)
