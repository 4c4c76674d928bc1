"""Consented lead capture (issue 16): a vendor's representative scans a guest's badge and, only
when that guest chose "Vendors may save my contact", the guest becomes one of the vendor's leads.

- A scan of a guest who did not choose it stores nothing about them and tells the representative
  nothing (no name, no level); the vendor's scan count goes up by one, which names nobody.
- What a lead shows is decided when it is read: the name, plus whichever of e-mail, phone,
  institution and interest the guest shares with vendors *now*.
- The guest sees on their manage page which vendors saved them and when. Withdrawing takes the
  lead off the vendor's list (note and rating deleted; the vendor sees a number drop, not who)
  and keeps a bare "withdrawn" mark, so that vendor's scanner treats them as not sharing after.
- Organizers see counts per vendor (``figures``), never a lead's details.
- Deleting a guest's data (``forget_guest``, used by the per-event deletion and the retention)
  removes them from every vendor's leads and from lead e-mails not sent yet.
"""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    Event,
    EventStatus,
    EventVendor,
    GuestProfile,
    Lead,
    LeadRating,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    RsvpStatus,
    TrainingLevel,
    utcnow,
)
from eventsite.services import DomainError, ErrorCode, events, links, mail, vendors
from eventsite.services.contacts.cards import MAX_NOTE, Card, ContactRow, find_badge
from eventsite.services.contacts.downloads import vcard
from eventsite.services.contacts.opt_ins import get_profile
from eventsite.services.spreadsheets import csv_text, local_iso

NOT_SHARED = "This guest hasn't chosen to share with vendors."
#: The leads e-mail goes to representatives this long after the event ends (not later than UNTIL).
MAIL_AFTER = dt.timedelta(days=7)
MAIL_UNTIL = dt.timedelta(days=21)
MAIL_KIND = "vendor_leads"
#: Training levels that count as residents (trainees) for the consent rate.
TRAINEES = frozenset(set(TrainingLevel) - {TrainingLevel.ATTENDING, TrainingLevel.INDUSTRY, TrainingLevel.OTHER})


def consents(rsvp: Rsvp, profile: GuestProfile | None = None) -> bool:
    """True while ``rsvp`` is a confirmed guest who lets vendors save them as a lead."""
    profile = profile if profile is not None else get_profile(rsvp)
    return (
        profile is not None and profile.share_vendors and rsvp.status == RsvpStatus.CONFIRMED and not rsvp.is_anonymised
    )


def require_representative(rep: Rsvp) -> EventVendor:
    """The vendor ``rep`` represents; raises ``not_representative`` when none (revoked, cancelled)."""
    row = vendors.representing(rep)
    if row is None:
        raise DomainError(
            "This link no longer opens a vendor's lead scanner. Ask the organizers if that's a mistake.",
            ErrorCode.NOT_REPRESENTATIVE,
        )
    return row


@dataclasses.dataclass(frozen=True)
class ScanResult:
    #: None when the scanned guest does not share with vendors: nothing was stored about them.
    lead: Lead | None
    created: bool = False


def _rating(value: str | None) -> LeadRating | None:
    if not value:
        return None
    try:
        return LeadRating(value)
    except ValueError:
        raise DomainError("Pick hot, warm or cold.", ErrorCode.BAD_SELECTION, "rating") from None


def scan(rep: Rsvp, scanned: str, *, note: str = "", rating: str | None = None) -> ScanResult:
    """The representative ``rep`` scanned a badge (URL or typed code): save the guest as the
    vendor's lead if they agreed, else store nothing about them.

    A second scan of the same guest keeps one lead and replaces note and rating when given.
    Raises ``not_representative``, and as ``contacts.find_badge`` (``unknown_code``,
    ``wrong_event``, ``own_badge``; field ``code``), ``bad_selection`` (field ``rating``).
    """
    row = require_representative(rep)
    choice = _rating(rating)
    guest = find_badge(rep, scanned)
    row.scans = EventVendor.scans + 1  # counted in SQL: two representatives scanning at once both count
    lead = db.session.scalar(sa.select(Lead).where(Lead.event_vendor_id == row.id, Lead.rsvp_id == guest.id))
    if not consents(guest) or (lead is not None and lead.withdrawn_at is not None):
        db.session.flush()
        return ScanResult(None)
    note = " ".join(note.split())[:MAX_NOTE]
    created = lead is None
    if created:
        lead = Lead(event_vendor_id=row.id, rsvp_id=guest.id, taken_by_id=rep.id, note=note, rating=choice)
        db.session.add(lead)
    else:
        lead.note = note or lead.note
        lead.rating = choice or lead.rating
    db.session.flush()
    return ScanResult(lead, created=created)


def _owned(rep: Rsvp, lead_id: int) -> Lead:
    row = require_representative(rep)
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.event_vendor_id != row.id or lead.withdrawn_at is not None:
        raise DomainError("That lead isn't in your vendor's list.", ErrorCode.NOT_FOUND)
    return lead


def qualify(rep: Rsvp, lead_id: int, *, note: str, rating: str | None) -> Lead:
    """Replace a lead's note and rating. Raises ``not_representative``, ``not_found``, ``bad_selection``."""
    lead = _owned(rep, lead_id)
    lead.note = " ".join(note.split())[:MAX_NOTE]
    lead.rating = _rating(rating)
    db.session.flush()
    return lead


@dataclasses.dataclass(frozen=True)
class LeadRow:
    lead_id: int
    card: Card
    interest: str
    note: str
    rating: LeadRating | None
    saved_at: dt.datetime
    taken_by: str


def _card(rsvp: Rsvp, profile: GuestProfile | None) -> tuple[Card, str]:
    shares = profile is not None and profile.share_vendors

    def shared(flag: str, value: str) -> str:
        return value if shares and getattr(profile, flag) else ""

    card = Card(
        first_name=rsvp.first_name,
        last_name=rsvp.last_name,
        badge_name=rsvp.badge_name,
        institution=shared("vendor_institution", rsvp.institution),
        level="",
        email=shared("vendor_email", rsvp.email),
        phone=shared("vendor_phone", profile.phone if profile else ""),
    )
    return card, shared("vendor_interest", profile.ask_me_about if profile else "")


def vendor_leads(row: EventVendor) -> list[LeadRow]:
    """The vendor's leads at the event in the order they were saved, with what each shares now."""
    taker = sa.orm.aliased(Rsvp)
    found = db.session.execute(
        sa.select(Lead, Rsvp, GuestProfile, taker.first_name, taker.last_name)
        .join(Rsvp, Rsvp.id == Lead.rsvp_id)
        .outerjoin(GuestProfile, GuestProfile.rsvp_id == Rsvp.id)
        .outerjoin(taker, taker.id == Lead.taken_by_id)
        .where(Lead.event_vendor_id == row.id, Lead.withdrawn_at.is_(None), Rsvp.anonymised_at.is_(None))
        .order_by(Lead.created_at, Lead.id)
    )
    out = []
    for lead, rsvp, profile, first, last in found:
        card, interest = _card(rsvp, profile)
        out.append(LeadRow(lead.id, card, interest, lead.note, lead.rating, lead.created_at,
                           f"{first or ''} {last or ''}".strip()))  # fmt: skip
    return out


def leads_vcard(row: EventVendor, leads: list[LeadRow]) -> str:
    """vCard 4.0 of the leads; each card's UID is stable per vendor, event and guest."""
    rows = [
        ContactRow(id=r.lead_id, contact_id=r.lead_id, card=r.card, saved_at=r.saved_at, mutual=False,
                   note="; ".join(x for x in (r.rating.label if r.rating else "", r.interest, r.note) if x))
        for r in leads
    ]  # fmt: skip
    return vcard(rows, event=row.event, uid_scope=f"lead:{row.id}")


CSV_HEADER = (
    "Name",
    "Badge name",
    "Institution",
    "E-mail",
    "Phone",
    "Interest",
    "Rating",
    "Note",
    "Saved by",
    "Saved at",
)


def leads_csv(row: EventVendor, leads: list[LeadRow]) -> str:
    """The leads as CSV (BOM, RFC 4180, CRLF), every cell formula-safe."""
    tz = row.event.tz
    return csv_text(CSV_HEADER, (
        (r.card.full_name, r.card.badge_name, r.card.institution, r.card.email, r.card.phone, r.interest,
         r.rating.label if r.rating else "", r.note, r.taken_by, local_iso(r.saved_at, tz))
        for r in leads
    ))  # fmt: skip


def download_name(row: EventVendor, extension: str) -> str:
    return f"leads-{events.slugify(row.name)[:40]}-{row.event.slug}.{extension}"


# --- The guest's side -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SavedBy:
    lead_id: int
    vendor: str
    saved_at: dt.datetime


def saved_by(rsvp: Rsvp) -> list[SavedBy]:
    """The vendors that saved ``rsvp`` as a lead, and when (for their manage page)."""
    found = db.session.execute(
        sa.select(Lead.id, EventVendor, Lead.created_at)
        .join(EventVendor, EventVendor.id == Lead.event_vendor_id)
        .where(Lead.rsvp_id == rsvp.id, Lead.withdrawn_at.is_(None))
        .order_by(Lead.created_at, Lead.id)
    )
    return [SavedBy(lead_id, row.name, at) for lead_id, row, at in found]


def withdraw(rsvp: Rsvp, lead_id: int, *, now: dt.datetime | None = None) -> str:
    """Take one of the leads ``rsvp`` is off its vendor's list (the vendor's withdrawal count
    goes up, note and rating are deleted, and that vendor cannot save them again); returns the
    vendor's name. Raises ``not_found``."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.rsvp_id != rsvp.id or lead.withdrawn_at is not None:
        raise DomainError("That vendor no longer has your contact.", ErrorCode.NOT_FOUND)
    row = lead.event_vendor
    row.withdrawals = EventVendor.withdrawals + 1
    lead.withdrawn_at, lead.note, lead.rating, lead.taken_by_id = now or utcnow(), "", None, None
    _drop_unsent_mail([row.id])
    db.session.flush()
    return row.name


def forget_guest(rsvp: Rsvp) -> None:
    """Remove ``rsvp`` from every vendor's leads (guest-data deletion and retention)."""
    rows = db.session.scalars(sa.select(Lead.event_vendor_id).where(Lead.rsvp_id == rsvp.id)).all()
    db.session.execute(sa.delete(Lead).where(Lead.rsvp_id == rsvp.id).execution_options(synchronize_session="fetch"))
    _drop_unsent_mail(rows)


def _drop_unsent_mail(event_vendor_ids: list[int]) -> None:
    """Leads e-mails not sent yet of these vendors are dropped and queued again by the next run
    (``send_lead_mails``) without the withdrawn or deleted guest."""
    if not event_vendor_ids:
        return
    reps = sa.select(Rsvp.id).where(Rsvp.event_vendor_id.in_(event_vendor_ids))
    unsent = sa.and_(
        OutboxMessage.kind == MAIL_KIND,
        OutboxMessage.rsvp_id.in_(reps),
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)),
    )
    if db.session.scalar(sa.select(sa.func.count()).where(unsent)):
        db.session.execute(sa.delete(OutboxMessage).where(unsent).execution_options(synchronize_session="fetch"))
        db.session.execute(
            sa.update(EventVendor)
            .where(EventVendor.id.in_(event_vendor_ids))
            .values(leads_mailed_at=None)
            .execution_options(synchronize_session="fetch")
        )


# --- The week-after e-mail ------------------------------------------------------------------------


def send_lead_mails(*, now: dt.datetime | None = None) -> int:
    """Queue one e-mail to each representative of each vendor with leads at an event that ended
    MAIL_AFTER ago (not longer than MAIL_UNTIL), listing the leads with the vCard attached.
    Each vendor is claimed with a conditional UPDATE, so it goes out once. Returns how many were queued."""
    now = now or utcnow()
    has_leads = sa.select(Lead.id).where(Lead.event_vendor_id == EventVendor.id, Lead.withdrawn_at.is_(None)).exists()
    candidates = db.session.scalars(
        sa.select(EventVendor.id)
        .join(Event, Event.id == EventVendor.event_id)
        .where(
            EventVendor.leads_mailed_at.is_(None),
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now - MAIL_AFTER,
            Event.ends_at > now - MAIL_UNTIL,
            has_leads,
        )
        .order_by(EventVendor.id)
    ).all()
    queued = 0
    for row_id in candidates:
        claim = db.session.execute(
            sa.update(EventVendor)
            .where(EventVendor.id == row_id, EventVendor.leads_mailed_at.is_(None))
            .values(leads_mailed_at=now)
            .execution_options(synchronize_session=False)
        )
        if claim.rowcount != 1:
            continue
        row = db.session.get(EventVendor, row_id)
        leads = vendor_leads(row)
        for rep in vendors.representatives(row):
            if rep.status != RsvpStatus.CONFIRMED or rep.is_anonymised:
                continue
            mail.queue_message(
                to=rep.email, kind=MAIL_KIND, template=MAIL_KIND, rsvp=rep,
                subject=f"Your {len(leads)} lead{'s' if len(leads) != 1 else ''} from {row.event.title}",
                attachments=[{"filename": download_name(row, "vcf"), "mimetype": "text/vcard",
                              "content": leads_vcard(row, leads)}],
                event=row.event, vendor=row, leads=leads, rep=rep, leads_url=f"{links.manage_url(rep)}/vendor",
            )  # fmt: skip
            queued += 1
    db.session.flush()
    return queued


# --- The organizers' counts -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VendorFigures:
    id: int
    name: str
    representatives: int
    checked_in: int
    scans: int
    leads: int
    withdrawals: int


@dataclasses.dataclass(frozen=True)
class Figures:
    vendors: list[VendorFigures]
    residents: int
    residents_consenting: int

    @property
    def consent_rate(self) -> float | None:
        return self.residents_consenting / self.residents if self.residents else None


def figures(event: Event) -> Figures:
    """Per vendor: representatives coming and checked in, scans, leads, withdrawals; and how
    many confirmed residents (trainees, not representing a vendor) let vendors save them."""
    rows = vendors.of_event(event)
    ids = [r.id for r in rows]
    reps = dict.fromkeys(ids, 0)
    arrived = dict.fromkeys(ids, 0)
    lead_counts = dict.fromkeys(ids, 0)
    if ids:
        for vendor_id, n in db.session.execute(
            sa.select(Rsvp.event_vendor_id, sa.func.count())
            .where(Rsvp.event_vendor_id.in_(ids), Rsvp.status == RsvpStatus.CONFIRMED)
            .group_by(Rsvp.event_vendor_id)
        ):
            reps[vendor_id] = n
        for vendor_id, n in db.session.execute(
            sa.select(Rsvp.event_vendor_id, sa.func.count(sa.distinct(Rsvp.id)))
            .join(CheckIn, CheckIn.rsvp_id == Rsvp.id)
            .where(Rsvp.event_vendor_id.in_(ids), CheckIn.standing)
            .group_by(Rsvp.event_vendor_id)
        ):
            arrived[vendor_id] = n
        for vendor_id, n in db.session.execute(
            sa.select(Lead.event_vendor_id, sa.func.count())
            .where(Lead.event_vendor_id.in_(ids), Lead.withdrawn_at.is_(None))
            .group_by(Lead.event_vendor_id)
        ):
            lead_counts[vendor_id] = n
    residents = (
        sa.select(sa.func.count(), sa.func.count(GuestProfile.rsvp_id).filter(GuestProfile.share_vendors))
        .select_from(Rsvp)
        .outerjoin(GuestProfile, GuestProfile.rsvp_id == Rsvp.id)
        .where(
            Rsvp.event_id == event.id,
            Rsvp.status == RsvpStatus.CONFIRMED,
            Rsvp.event_vendor_id.is_(None),
            Rsvp.training_level.in_(sorted(TRAINEES)),
        )
    )
    total, consenting = db.session.execute(residents).one()
    return Figures(
        vendors=[
            VendorFigures(r.id, r.name, reps[r.id], arrived[r.id], r.scans, lead_counts[r.id], r.withdrawals)
            for r in rows
        ],
        residents=total,
        residents_consenting=consenting,
    )
