"""Vendors at an event (issue 16): logos checked and re-encoded, one vendor per company for the
site, representatives by invitation with their company on the badge, and consented leads."""

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
import vobject
from PIL import Image

from eventsite.extensions import db
from eventsite.models import EventVendor, Lead, OutboxMessage, RsvpStatus, VendorTier, utcnow
from eventsite.services import (
    DomainError,
    badges,
    checkin,
    contacts,
    events,
    feedback,
    invitations,
    leads,
    logos,
    privacy,
    vendor_reports,
    vendors,
)
from eventsite.services.invitations import Invitee
from factories import guest_details, make_event, make_rsvp

pytestmark = pytest.mark.usefixtures("app_ctx")


def image_bytes(kind="PNG", size=(400, 200), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (20, 90, 160)).save(out, kind, **save)
    return out.getvalue()


# --- Logos ------------------------------------------------------------------------------------------


def test_a_logo_is_re_encoded_scaled_and_stripped_of_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker with a secret"
    raw = image_bytes("JPEG", size=(2400, 1200), exif=exif.tobytes())
    logo = logos.read_logo(raw, "acme.jpg")
    assert logo.mimetype == "image/jpeg" and (logo.width, logo.height) == (600, 300)
    assert b"Camera maker" not in logo.data and logo.data != raw
    assert Image.open(io.BytesIO(logo.data)).getexif() == {}
    png = logos.read_logo(image_bytes("PNG", mode="RGBA", pnginfo=None), "acme.png")
    assert png.mimetype == "image/png" and Image.open(io.BytesIO(png.data)).mode == "RGBA"
    assert logos.read_logo(image_bytes("WEBP"), "acme.webp").mimetype == "image/webp"


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "logo.svg", "SVG logos aren't accepted"),
        (b"<svg onload='alert(1)'></svg>", "logo.png", "SVG logos aren't accepted"),
        (image_bytes("PNG")[:60], "logo.png", "damaged or incomplete"),
        (b"GIF89a" + b"\0" * 40, "logo.gif", "not a PNG, JPEG or WebP"),
        (b"%PDF-1.7 not an image", "logo.png", "not a PNG, JPEG or WebP"),
        (image_bytes("JPEG"), "logo.png", "named “….png” but is a JPEG image"),
        (b"", "logo.png", "empty"),
        (b"\x89PNG" + b"0" * (2 * 1024 * 1024), "logo.png", "2 MB or less"),
    ],
)  # fmt: skip
def test_a_bad_logo_is_refused_with_a_clear_message(data, name, says):
    with pytest.raises(DomainError) as exc:
        logos.read_logo(data, name)
    assert exc.value.code == "bad_logo" and exc.value.field == "logo"
    assert says in exc.value.message


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded():
    # 20,000 × 20,000 pixels of one colour: a few hundred kilobytes compressed, 1.6 GB decoded.
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG", optimize=True)
    assert len(bomb.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(DomainError) as exc:
        logos.read_logo(bomb.getvalue(), "bomb.png")
    assert "pixels" in exc.value.message or "can read" in exc.value.message


# --- Vendors, once for the site -----------------------------------------------------------------------


def listing(**kw):
    return vendors.Listing(**{"tier": VendorTier.EXHIBITOR, "brings": "", "places": 2, **kw})


def test_a_company_is_stored_once_and_listed_at_many_events_in_tier_order():
    la, chicago = make_event(), make_event()
    acme = vendors.find_or_add("Acme Surgical", website="https://acme.example")
    assert vendors.find_or_add("  acme   SURGICAL ") is acme
    stryde = vendors.find_or_add("Stryde Robotics")
    vendors.attach(la, acme, listing(brings="Stapler simulator"))
    vendors.attach(la, stryde, listing(tier=VendorTier.HOST_SPONSOR))
    vendors.attach(chicago, acme, listing())
    assert vendors.names(la) == ["Stryde Robotics", "Acme Surgical"]
    with pytest.raises(DomainError) as exc:
        vendors.attach(la, acme, listing())
    assert exc.value.code == "vendor_attached"
    with pytest.raises(DomainError) as exc:
        vendors.find_or_add("Bad", website="javascript:alert(1)")
    assert exc.value.field == "website"


def test_next_in_series_copies_the_vendors_the_organizer_keeps():
    event = make_event()
    keep = vendors.attach(event, vendors.find_or_add("Acme"), listing(brings="Sim", places=3))
    vendors.attach(event, vendors.find_or_add("Gone Inc"), listing())
    start = event.local_starts_at.replace(tzinfo=None)
    copy = events.copy_event(
        event, title="Next", slug="next-vendors", local_start=start, local_end=start + dt.timedelta(hours=2),
        timezone=event.timezone, venue_name="V", room="", street_address="1 Main", city="Chicago", region="IL",
        postal_code="60601", vendor_ids=[keep.id],
    )  # fmt: skip
    [row] = vendors.of_event(copy)
    assert (row.name, row.brings, row.places, row.scans) == ("Acme", "Sim", 3, 0)


# --- Representatives -----------------------------------------------------------------------------------


def representative(event, row, n=1, **details):
    report = vendors.invite_representatives(row, [Invitee(email=f"rep{n}-{row.id}@acme.example", first_name=f"Rep{n}")],
                                            actor="organizer:o@example.org")  # fmt: skip
    [invitation] = report.invited
    email = invitation.email
    result = invitations.accept(
        invitation, guest_details(email=email, first_name=f"Rep{n}", training_level="industry", **details)
    )
    return result.rsvp


def test_a_representative_comes_by_invitation_in_the_vendor_category_with_the_company_on_the_badge():
    event = make_event(capacity=50)
    row = vendors.attach(event, vendors.find_or_add("Acme Surgical"), listing(places=1))
    rep = representative(event, row)
    assert rep.status == RsvpStatus.CONFIRMED and rep.event_vendor_id == row.id
    invitation_mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "guest_invitation"))
    assert "invited as a representative of Acme Surgical" in invitation_mail.body_text
    assert rep.category.name == "Industry / vendor"
    data = badges.badge_data(rep)
    assert (data.role, data.role_words) == ("industry", "Acme Surgical")
    with pytest.raises(DomainError) as exc:
        vendors.invite_representatives(row, [Invitee(email="another@acme.example")], actor="o")
    assert exc.value.code == "no_rep_places" and "0 places left" in exc.value.message


def test_a_revoked_representative_can_scan_no_more_and_the_vendor_keeps_its_leads():
    event = make_event(capacity=50)
    row = vendors.attach(event, vendors.find_or_add("Acme"), listing())
    rep = representative(event, row)
    guest = make_rsvp(event)
    contacts.update_preferences(guest, share_vendors=True, vendor_email=True)
    leads.scan(rep, badges.qr_payload(guest))
    vendors.revoke(row, rep, actor="organizer:o")
    with pytest.raises(DomainError) as exc:
        leads.scan(rep, badges.qr_payload(guest))
    assert exc.value.code == "not_representative"
    assert len(leads.vendor_leads(row)) == 1


# --- Leads ---------------------------------------------------------------------------------------------------


@pytest.fixture()
def fair():
    event = make_event(capacity=50)
    row = vendors.attach(event, vendors.find_or_add("Acme Surgical"), listing())
    rep = representative(event, row)
    return event, row, rep


def lead_rows():
    return db.session.scalars(sa.select(Lead)).all()


def test_a_guest_who_agreed_becomes_a_lead_with_only_the_fields_they_share(fair):
    event, row, rep = fair
    guest = make_rsvp(event, first_name="Maya", last_name="Chen", email="maya@ucla.edu", institution="UCLA")
    contacts.update_preferences(guest, share_vendors=True, vendor_email=True, vendor_interest=True,
                                ask_me_about="robotic hernia repair", phone="+1 310 555 0101")  # fmt: skip
    result = leads.scan(rep, badges.qr_payload(guest), note="wants a demo", rating="hot")
    assert result.created and result.lead.rsvp_id == guest.id
    [lead] = leads.vendor_leads(row)
    assert (lead.card.full_name, lead.card.email, lead.card.phone, lead.card.institution, lead.interest) == (
        "Maya Chen", "maya@ucla.edu", "", "", "robotic hernia repair")  # fmt: skip
    assert (lead.note, lead.rating.value, lead.taken_by) == ("wants a demo", "hot", "Rep1 Resident")
    # A second scan keeps one lead; the guest's later choice changes what the vendor reads.
    assert not leads.scan(rep, badges.qr_payload(guest)).created
    contacts.update_preferences(guest, share_vendors=True, vendor_phone=True, phone="+1 310 555 0101")
    [lead] = leads.vendor_leads(row)
    assert (lead.card.email, lead.card.phone, lead.note) == ("", "+1 310 555 0101", "wants a demo")


def test_scanning_a_guest_who_did_not_agree_stores_nothing_about_them(fair):
    event, row, rep = fair
    guest = make_rsvp(event, first_name="Quiet")
    contacts.update_preferences(guest, share_contact=True, share_email=True)  # peers only, not vendors
    result = leads.scan(rep, badges.qr_payload(guest), note="met at the simulator", rating="warm")
    assert result.lead is None
    assert lead_rows() == []
    db.session.expire_all()
    assert db.session.get(EventVendor, row.id).scans == 1
    # Nothing anywhere names them for the vendor: no lead, no history line, no mail.
    assert leads.vendor_leads(row) == [] and leads.saved_by(guest) == []


def test_the_guest_sees_who_saved_them_and_withdrawing_drops_the_lead_and_counts_it(fair):
    event, row, rep = fair
    guest = make_rsvp(event)
    contacts.update_preferences(guest, share_vendors=True)
    lead = leads.scan(rep, badges.qr_payload(guest)).lead
    [seen] = leads.saved_by(guest)
    assert seen.vendor == "Acme Surgical"
    other = make_rsvp(event)
    with pytest.raises(DomainError):
        leads.withdraw(other, lead.id)  # not theirs
    assert leads.withdraw(guest, lead.id) == "Acme Surgical"
    assert leads.vendor_leads(row) == [] and leads.saved_by(guest) == []
    # Still sharing with vendors in general, but this vendor may not save them again.
    assert leads.scan(rep, badges.qr_payload(guest), note="again").lead is None
    assert leads.vendor_leads(row) == []
    figures = leads.figures(event)
    [acme] = figures.vendors
    assert (acme.representatives, acme.scans, acme.leads, acme.withdrawals) == (1, 2, 0, 1)


def test_a_representative_reaches_only_their_own_vendors_leads(fair):
    event, row, rep = fair
    other_row = vendors.attach(event, vendors.find_or_add("Other Co"), listing())
    other_rep = representative(event, other_row, n=2)
    guest = make_rsvp(event)
    contacts.update_preferences(guest, share_vendors=True)
    lead = leads.scan(rep, badges.qr_payload(guest)).lead
    with pytest.raises(DomainError) as exc:
        leads.qualify(other_rep, lead.id, note="mine now", rating="hot")
    assert exc.value.code == "not_found"
    assert leads.vendor_leads(other_row) == []


def test_leads_download_as_csv_and_vcard_with_stable_uids(fair):
    event, row, rep = fair
    guest = make_rsvp(event, first_name="=cmd", last_name="Chen", email="chen@ucla.edu")
    contacts.update_preferences(guest, share_vendors=True, vendor_email=True)
    leads.scan(rep, badges.qr_payload(guest), rating="cold")
    rows = leads.vendor_leads(row)
    table = list(csv.reader(io.StringIO(leads.leads_csv(row, rows).lstrip("\ufeff"))))
    assert table[0][:4] == ["Name", "Badge name", "Institution", "E-mail"]
    assert table[1][0] == "'=cmd Chen" and table[1][3] == "chen@ucla.edu" and table[1][6] == "Cold"
    first = leads.leads_vcard(row, rows)
    card = vobject.readOne(first)
    assert card.email.value == "chen@ucla.edu" and card.uid.value.startswith("urn:uuid:")
    assert leads.leads_vcard(row, leads.vendor_leads(row)) == first


def test_deleting_a_guests_data_removes_them_from_every_vendors_leads(fair):
    event, row, rep = fair
    guest = make_rsvp(event)
    contacts.update_preferences(guest, share_vendors=True, vendor_email=True)
    leads.scan(rep, badges.qr_payload(guest))
    other_row = vendors.attach(event, vendors.find_or_add("Other Co"), listing())
    leads.scan(representative(event, other_row, n=2), badges.qr_payload(guest))
    assert len(lead_rows()) == 2
    privacy.delete_own_data(guest)
    assert lead_rows() == []


def test_each_representative_gets_one_leads_email_a_week_after_and_a_withdrawal_rewrites_it(fair):
    event, row, rep = fair
    colleague = representative(event, row, n=2)
    guest = make_rsvp(event, first_name="Maya", email="maya@ucla.edu")
    contacts.update_preferences(guest, share_vendors=True, vendor_email=True)
    lead = leads.scan(rep, badges.qr_payload(guest)).lead
    db.session.commit()
    later = event.ends_at + dt.timedelta(days=7, minutes=1)
    assert leads.send_lead_mails(now=event.ends_at + dt.timedelta(days=6)) == 0
    assert leads.send_lead_mails(now=later) == 2
    assert leads.send_lead_mails(now=later) == 0
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "vendor_leads")).all()
    assert sorted(m.to_address for m in mails) == sorted([rep.email, colleague.email])
    assert all("maya@ucla.edu" in m.body_text for m in mails)
    leads.withdraw(guest, lead.id)
    assert db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "vendor_leads")).all() == []
    assert leads.send_lead_mails(now=later) == 0  # nothing left to send: no leads


def test_the_overview_counts_representatives_checked_in_and_the_residents_consent_rate(fair):
    event, row, rep = fair
    for n in range(4):
        guest = make_rsvp(event, training_level="pgy3")
        if n == 0:
            contacts.update_preferences(guest, share_vendors=True)
    make_rsvp(event, training_level="attending")  # not a resident
    figures = leads.figures(event)
    assert (figures.residents, figures.residents_consenting) == (4, 1)
    assert figures.consent_rate == 0.25
    assert figures.vendors[0].checked_in == 0


# --- Feedback: which vendors' technology guests tried --------------------------------------------------


def test_the_feedback_form_asks_which_vendors_were_tried_and_rates_each(app_ctx):
    start = utcnow() - dt.timedelta(hours=5)
    event = make_event(starts_at=start, capacity=None)
    acme = vendors.attach(event, vendors.find_or_add("Acme"), listing())
    vendors.attach(event, vendors.find_or_add("Bolt"), listing())
    form = feedback.get_form(event)
    question = next(q for q in form.questions if q.key == "vendors_tried")
    assert question.choices == ["Acme", "Bolt"] and question.asked
    name = feedback.field_name(question)
    base = {feedback.field_name(q): ["4"] for q in form.questions if q.required}  # overall, recommend
    people = [make_rsvp(event, email=f"v{i}@example.org", now=start - dt.timedelta(days=7)) for i in range(3)]
    for rsvp in people:
        assert checkin.check_in(event, rsvp.ticket_code, now=start + dt.timedelta(minutes=30)).admitted
    with pytest.raises(feedback.InvalidAnswers) as exc:
        feedback.submit_feedback(people[0], {**base, name: ["Acme\t9"]})
    assert "rating from 1 to 5" in exc.value.errors[name]
    with pytest.raises(feedback.InvalidAnswers):
        feedback.submit_feedback(people[0], {**base, name: ["Someone Else\t4"]})
    feedback.submit_feedback(people[0], {**base, name: ["Acme\t5", "Bolt\t"]})
    feedback.submit_feedback(people[1], {**base, name: ["Acme\t3"]})
    feedback.submit_feedback(people[2], base)
    result = next(r for r in feedback.feedback_summary(event).questions if r.question.key == "vendors_tried")
    by_name = {v.name: v for v in result.vendors}
    assert (by_name["Acme"].tried, by_name["Acme"].average, by_name["Acme"].rated) == (2, 4.0, 2)
    assert (by_name["Bolt"].tried, by_name["Bolt"].average) == (1, None)
    assert "Acme (5); Bolt (tried)" in "".join(feedback.answers_csv(event))
    # The organizer sends Acme its summary: counts only, to its representatives.
    rep = people[0]
    rep.event_vendor_id = acme.id  # came as Acme's representative (RSVPs are closed now)
    assert vendor_reports.send(acme) == 1
    [sent] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "vendor_feedback")).all()
    assert sent.to_address == rep.email
    assert "Tried your technology: 2" in sent.body_text and "Average rating: 4.0 out of 5" in sent.body_text
    assert not any(p.email in sent.body_text or p.full_name in sent.body_text for p in people[1:])


def test_an_event_without_vendors_does_not_ask_about_them(app_ctx):
    event = make_event()
    question = next(q for q in feedback.get_form(event).questions if q.key == "vendors_tried")
    assert not question.asked
    row = vendors.attach(event, vendors.find_or_add("Acme"), listing())
    assert question.choices == ["Acme"]
    vendors.update_vendor(row.vendor, name="Acme Surgical", website="")
    assert question.choices == ["Acme Surgical"]
    vendors.detach(row)
    assert question.choices == [] and not question.asked
