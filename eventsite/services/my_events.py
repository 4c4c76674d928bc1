"""A guest's own page across events, without a password (issue 17): "My events".

- A guest asks for a sign-in link with their e-mail address. Only an address that has RSVPed
  gets one (single use, ``LINK_LIFETIME``); the page says the same whether or not it is known,
  so nobody learns who has replied.
- The link opens a browser session for that one address (``Session``): it shows only that
  address's RSVPs and contacts. It is sealed with a digest of the address's current manage
  links, so rotating any of them (an e-mail change, a deletion) ends the session at once.
- The guest downloads everything held about the address (JSON and CSV) and can delete it all,
  through the per-event deletion (``privacy.delete_own_data``) so nothing is left behind.
"""

import dataclasses
import datetime as dt
import json

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    CityAlert,
    Event,
    GuestInvitation,
    GuestProfile,
    GuestSignIn,
    Rsvp,
    RsvpStatus,
    SavedContact,
    utcnow,
)
from eventsite.services import (
    DomainError,
    ErrorCode,
    contacts,
    history,
    kept_profiles,
    leads,
    links,
    mail,
    opt_outs,
    privacy,
    rsvps,
    tokens,
)
from eventsite.services.contacts.cards import ContactRow
from eventsite.services.contacts.downloads import CSV_HEADER, card_cells
from eventsite.services.questions import answers_for_guest
from eventsite.services.spreadsheets import csv_text

LINK_LIFETIME = dt.timedelta(minutes=30)
KIND = "my_events_link"


def _held(email_key: str):
    return sa.and_(Rsvp.email_key == email_key, Rsvp.anonymised_at.is_(None))


def request_link(address: str, *, now: dt.datetime | None = None) -> None:
    """E-mail a sign-in link to ``address`` if it has RSVPed to any event; otherwise do nothing.
    Raises DomainError ``bad_email`` (field email) for an address that is not one."""
    now = now or utcnow()
    address, key = rsvps.normalise_email(address)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(_held(key))):
        return
    token = tokens.new_token()
    db.session.add(GuestSignIn(email_key=key, token_hash=tokens.hashed(token), created_at=now,
                               expires_at=now + LINK_LIFETIME))  # fmt: skip
    mail.queue_message(
        to=address, kind=KIND, subject="Your sign-in link to My events", template=KIND,
        sign_in_url=f"{links.base_url()}/my/sign-in/{token}", minutes=int(LINK_LIFETIME.total_seconds() // 60),
    )  # fmt: skip
    db.session.flush()


def check_link(token: str, *, now: dt.datetime | None = None) -> GuestSignIn:
    """The sign-in link while it can still be used. Raises ``not_found``, ``link_used`` or ``link_expired``."""
    now = now or utcnow()
    found = db.session.scalar(sa.select(GuestSignIn).where(GuestSignIn.token_hash == tokens.hashed(token or "")))
    if found is None:
        raise DomainError("This sign-in link doesn't match any we sent. Ask for a new one.", ErrorCode.NOT_FOUND)
    if found.used_at is not None:
        raise DomainError("This sign-in link was used already. Ask for a new one below.", ErrorCode.LINK_USED)
    if found.expires_at <= now:
        raise DomainError("This sign-in link has expired (they last 30 minutes). Ask for a new one below.",
                          ErrorCode.LINK_EXPIRED)  # fmt: skip
    return found


def redeem(token: str, *, now: dt.datetime | None = None) -> str:
    """Use a sign-in link up; returns the address key it opens. Raises as ``check_link``."""
    now = now or utcnow()
    found = check_link(token, now=now)
    claim = db.session.execute(
        sa.update(GuestSignIn)
        .where(GuestSignIn.id == found.id, GuestSignIn.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claim.rowcount != 1:  # the same link, used at the same moment elsewhere
        raise DomainError("This sign-in link was used already. Ask for a new one below.", ErrorCode.LINK_USED)
    return found.email_key


def seal(email_key: str) -> str:
    """A digest of the address's current manage links: it changes when any of them is rotated."""
    held = sorted(db.session.scalars(sa.select(Rsvp.manage_token).where(_held(email_key))))
    return tokens.fingerprint("|".join(held)) if held else ""


def signed_in(email_key: str, session_seal: str) -> bool:
    """Whether a session opened for ``email_key`` with ``session_seal`` still stands."""
    current = seal(email_key)
    return bool(current) and tokens.tokens_equal(current, session_seal)


# --- The page -----------------------------------------------------------------------------------------


def rsvps_of(email_key: str) -> list[Rsvp]:
    """The address's RSVPs, newest event first."""
    return list(
        db.session.scalars(
            sa.select(Rsvp)
            .join(Event, Event.id == Rsvp.event_id)
            .where(_held(email_key))
            .order_by(Event.starts_at.desc())
        )
    )


@dataclasses.dataclass(frozen=True)
class MetAt:
    event: Event
    row: ContactRow
    #: The RSVP the contact was saved from (its manage link edits the note).
    owner: Rsvp


def contacts_of(email_key: str, query: str = "") -> list[MetAt]:
    """Every contact the address saved, across events (newest event first), matching ``query``
    (name, institution or note) when given."""
    words = query.casefold().split()
    out = []
    for rsvp in rsvps_of(email_key):
        for row in contacts.my_contacts(rsvp):
            text = f"{row.card.full_name} {row.card.badge_name} {row.card.institution} {row.note}".casefold()
            if all(word in text for word in words):
                out.append(MetAt(rsvp.event, row, rsvp))
    return out


def contacts_vcard(met: list[MetAt]) -> str:
    return "".join(contacts.vcard([m.row], event=m.event) for m in met)


def contacts_csv(met: list[MetAt]) -> str:
    """The contacts across events as one CSV: the event, then each card's cells."""
    return csv_text(("Event", *CSV_HEADER), ((m.event.title, *card_cells(m.row, m.event)) for m in met))


# --- Everything we hold, and deleting it ------------------------------------------------------------------

RSVP_FIELDS = ("first_name", "last_name", "badge_name", "pronouns", "email", "institution", "dietary_notes",
               "accessibility_notes", "source")  # fmt: skip


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def data_of(email_key: str) -> dict:
    """Everything held about the address, as plain data (for JSON): each RSVP with its event,
    details, status and times, answers, history, check-ins, networking choices, the contacts it
    saved, and the vendors that hold it as a lead; and pending invitations to the address."""
    out = []
    for rsvp in rsvps_of(email_key):
        event = rsvp.event
        profile = contacts.get_profile(rsvp)
        out.append({
            "event": {"title": event.title, "starts_at": _iso(event.starts_at), "city": event.city,
                      "url": links.event_url(event)},
            **{name: getattr(rsvp, name) for name in RSVP_FIELDS},
            "training_level": rsvp.training_level.label,
            "category": rsvp.category.name,
            "status": rsvp.status.value,
            "replied_at": _iso(rsvp.created_at),
            "confirmed_at": _iso(rsvp.confirmed_at),
            "cancelled_at": _iso(rsvp.cancelled_at),
            "answers": [{"question": a.question.prompt, "answer": a.text} for a in answers_for_guest(rsvp) if a.answer],
            "history": [{"at": _iso(c.created_at), "what": c.action.value, "by": c.actor.split(":")[0],
                         "detail": c.detail} for c in history.lines(rsvp)],  # fmt: skip
            "checked_in_at": [_iso(at) for at in db.session.scalars(
                sa.select(CheckIn.scanned_at).where(CheckIn.rsvp_id == rsvp.id, CheckIn.standing))],  # fmt: skip
            "networking": None if profile is None else {
                "in_directory": profile.in_directory, "ask_me_about": profile.ask_me_about,
                "share_contact": profile.share_contact, "share_email": profile.share_email,
                "share_phone": profile.share_phone, "phone": profile.phone, "profile_url": profile.profile_url,
                "share_with_vendors": profile.share_vendors,
            },  # fmt: skip
            "contacts_saved": [{"name": r.card.full_name, "institution": r.card.institution, "note": r.note,
                                "saved_at": _iso(r.saved_at)} for r in contacts.my_contacts(rsvp)],  # fmt: skip
            "saved_by_vendors": [{"vendor": s.vendor, "saved_at": _iso(s.saved_at)} for s in leads.saved_by(rsvp)],
        })  # fmt: skip
    invited = db.session.scalars(
        sa.select(GuestInvitation).where(GuestInvitation.email_key == email_key, GuestInvitation.rsvp_id.is_(None))
    )
    kept = kept_profiles.of(email_key)
    alerts_held = db.session.scalars(sa.select(CityAlert).where(CityAlert.email_key == email_key))
    return {
        "address": email_key,
        "exported_at": _iso(utcnow()),
        "remembered_details": None
        if kept is None
        else {
            "first_name": kept.first_name,
            "last_name": kept.last_name,
            "badge_name": kept.badge_name,
            "pronouns": kept.pronouns,
            "institution": kept.institution,
            "training_level": kept.training_level,
            "networking": kept.networking,
            "updated_at": _iso(kept.updated_at),
        },
        "city_alerts": [
            {"series": a.series.name, "city": a.city, "confirmed_at": _iso(a.confirmed_at)} for a in alerts_held
        ],
        # Kept after "delete everything" too: it is what keeps us from writing to the address again.
        "unsubscribed_from": opt_outs.of_address(email_key),
        "rsvps": out,
        "invitations": [
            {"event": i.event.title, "status": i.status.value, "invited_at": _iso(i.created_at)} for i in invited
        ],  # fmt: skip
    }


def data_json(email_key: str) -> str:
    return json.dumps(data_of(email_key), ensure_ascii=False, indent=2)


def data_csv(email_key: str) -> str:
    """One row per RSVP: the event and the details given (the JSON holds the rest)."""
    header = ("Event", "Starts", "Status", *RSVP_FIELDS, "Training level", "Category", "Answers")
    rows = []
    for item in data_of(email_key)["rsvps"]:
        answers = "; ".join(f"{a['question']}: {a['answer']}" for a in item["answers"])
        cells = (item["event"]["title"], item["event"]["starts_at"], item["status"],
                 *(item[name] for name in RSVP_FIELDS), item["training_level"], item["category"], answers)  # fmt: skip
        rows.append([str(cell or "") for cell in cells])
    return csv_text(header, rows)


def delete_all(email_key: str, *, now: dt.datetime | None = None) -> int:
    """Delete everything held about the address: each RSVP through the guest's own deletion
    (a live place before the event is given up first), invitations not answered, sign-in links.
    Unsubscribes stay (services.opt_outs): they hold no more than the address and are what keeps
    us from writing to it again. Returns how many RSVPs were deleted."""
    now = now or utcnow()
    held = rsvps_of(email_key)
    for rsvp in held:
        privacy.delete_own_data(rsvp, now=now)
    db.session.execute(sa.delete(GuestInvitation).where(GuestInvitation.email_key == email_key))
    db.session.execute(sa.delete(GuestSignIn).where(GuestSignIn.email_key == email_key))
    db.session.execute(sa.delete(CityAlert).where(CityAlert.email_key == email_key))
    kept_profiles.forget(email_key)
    db.session.flush()
    return len(held)


@dataclasses.dataclass(frozen=True)
class ComingAgain:
    event: Event
    name: str
    institution: str
    #: The earlier event where the guest saved their contact.
    met_at: str


def coming_again(email_key: str, *, now: dt.datetime | None = None) -> list[ComingAgain]:
    """People the address saved as contacts at earlier events who are coming to one of its
    upcoming events, when both agreed: they shared their card then, and they are listed in that
    event's directory now (and the viewer's place there is confirmed)."""
    now = now or utcnow()
    mine = rsvps_of(email_key)
    upcoming = [
        r for r in mine if r.status == RsvpStatus.CONFIRMED and r.event.starts_at > now and r.event.directory_enabled
    ]
    if not upcoming:
        return []
    met = db.session.execute(
        sa.select(Rsvp.email_key, Event.title, Event.id)
        .join(SavedContact, SavedContact.contact_id == Rsvp.id)
        .join(Event, Event.id == SavedContact.event_id)
        .where(
            SavedContact.owner_id.in_([r.id for r in mine]),
            Rsvp.anonymised_at.is_(None),
            Event.starts_at < now,  # met: at an evening that took place
        )
    ).all()
    where_met = {}
    for key, title, event_id in met:
        where_met.setdefault(key, []).append((event_id, title))
    if not where_met:
        return []
    found = db.session.execute(
        sa.select(Rsvp)
        .join(GuestProfile, GuestProfile.rsvp_id == Rsvp.id)
        .where(
            Rsvp.event_id.in_([r.event_id for r in upcoming]),
            Rsvp.email_key.in_(list(where_met)),
            Rsvp.email_key != email_key,
            Rsvp.status == RsvpStatus.CONFIRMED,
            GuestProfile.in_directory.is_(True),
        )
        .order_by(Rsvp.event_id, Rsvp.first_name)
    ).scalars()
    out = []
    for rsvp in found:
        earlier = [title for event_id, title in where_met[rsvp.email_key] if event_id != rsvp.event_id]
        if earlier:
            out.append(ComingAgain(rsvp.event, rsvp.badge_name or rsvp.first_name, rsvp.institution, earlier[0]))
    return out
