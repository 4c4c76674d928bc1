"""Vendors in the browser's shoes (issue 16): organizers list vendors with logos, bad logos get a
message and store nothing, logos are served safely, representatives reach only their own vendor's
leads, a revoked link stops at once, scans are rate-limited, and residents consent and withdraw."""

import csv
import io

import pytest
import sqlalchemy as sa
import vobject
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventsite.extensions import db
from eventsite.models import EventVendor, Lead, Rsvp, Vendor, VendorTier
from eventsite.services import contacts, leads, vendors
from factories import guest_fields, make_event, make_organizer, make_rsvp
from helpers import csrf_token, db_session, page_text, pdf_text, post_form, sign_in


def png(size=(300, 120), kind="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 95, 122)).save(out, kind)
    return out.getvalue()


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


def listing(**kw):
    return vendors.Listing(**{"tier": VendorTier.EXHIBITOR, "brings": "", "places": 3, **kw})


def make_rep(event, row, n):
    rep = make_rsvp(event, first_name=f"Rep{n}", training_level="industry", email=f"rep{n}-{row.id}@vendor.example")
    rep.event_vendor_id = row.id
    return rep


@pytest.fixture()
def fair(app):
    """An event with two vendors, a representative of each, a resident who shares with vendors
    (saved by vendor A) and one who does not."""
    with db_session(app):
        event = make_event(capacity=40)
        a = vendors.attach(event, vendors.find_or_add("Acme Surgical"), listing())
        b = vendors.attach(event, vendors.find_or_add("Bolt Imaging"), listing())
        rep_a, rep_b = make_rep(event, a, 1), make_rep(event, b, 2)
        sharing = make_rsvp(event, first_name="Maya", email="maya@ucla.edu")
        contacts.update_preferences(sharing, share_vendors=True, vendor_email=True)
        quiet = make_rsvp(event, first_name="Quinn", email="quinn@ucla.edu")
        lead = leads.scan(rep_a, sharing.ticket_code).lead
        db.session.flush()
        return {
            "event_id": event.id, "slug": event.slug, "a": a.id, "b": b.id,
            "rep_a": rep_a.manage_token, "rep_b": rep_b.manage_token, "rep_a_id": rep_a.id,
            "sharing": sharing.manage_token, "sharing_code": sharing.ticket_code, "quiet_code": quiet.ticket_code,
            "quiet_id": quiet.id, "lead": lead.id,
        }  # fmt: skip


# --- Organizers: listing and logos --------------------------------------------------------------------


def add_vendor(client, event_id, data, logo=None, name="logo.png"):
    page = client.get(f"/admin/events/{event_id}/vendors").get_data(as_text=True)
    form = {"new-name": "", "new-website": "", "new-tier": "exhibitor", "new-brings": "", "new-places": "2",
            "new-vendor": "", **data, "csrf_token": csrf_token(page)}  # fmt: skip
    if logo is not None:
        form["new-logo"] = FileStorage(io.BytesIO(logo), filename=name, content_type="application/octet-stream")
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(form)
    return client.post(f"/admin/events/{event_id}/vendors", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip


def test_an_organizer_lists_a_vendor_with_a_logo_served_by_our_app(app, client):
    with db_session(app):
        make_organizer()
        event = make_event()
        event_id, slug = event.id, event.slug
    sign_in(client, "organizer@example.org")
    response = add_vendor(client, event_id, {"new-name": "Acme Surgical", "new-website": "https://acme.example",
                                             "new-brings": "A stapler simulator", "new-tier": "host_sponsor"},
                          logo=png((1800, 600)))  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/e/{slug}").get_data(as_text=True)
    assert "Acme Surgical" in page and "A stapler simulator" in page and "Host sponsor" in page
    with db_session(app):
        vendor = db.session.scalar(sa.select(Vendor))
        url, vendor_id = f"/vendors/{vendor.id}/logo/{vendor.logo_file}", vendor.id
        assert (vendor.logo_width, vendor.logo_height) == (600, 200)
    assert f'src="{url}"' in page and 'loading="lazy"' in page
    logo = client.get(url)
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in logo.headers["Cache-Control"] and "max-age=31536000" in logo.headers["Cache-Control"]
    assert Image.open(io.BytesIO(logo.data)).size == (600, 200)
    assert client.get(f"/vendors/{vendor_id}/logo/0000000000000000.png").status_code == 404


@pytest.mark.parametrize(
    ("logo", "name", "says"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "SVG logos"),
        (png(kind="JPEG"), "logo.png", "is a JPEG image"),
        (png()[:80], "logo.png", "damaged or incomplete"),
        (b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 10), "logo.png", "2 MB or less"),
    ],
)
def test_a_bad_logo_gets_a_message_by_the_field_and_nothing_is_stored(app, client, logo, name, says):
    with db_session(app):
        make_organizer()
        event_id = make_event().id
    sign_in(client, "organizer@example.org")
    response = add_vendor(client, event_id, {"new-name": "Sneaky Co"}, logo=logo, name=name)
    assert response.status_code == 422
    assert says in text(response)
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Vendor)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EventVendor)) == 0


def test_organizers_see_counts_never_a_leads_details(app, client, fair):
    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    for url in (f"/admin/events/{fair['event_id']}/vendors", f"/admin/events/{fair['event_id']}"):
        page = text(client.get(url))
        assert "Acme Surgical" in page
        assert "maya@ucla.edu" not in page and "Maya" not in page


def test_the_vendor_sheet_prints_who_is_here_tonight(app, client, fair):
    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    response = client.get(f"/admin/events/{fair['event_id']}/vendors/sheet.pdf")
    assert response.mimetype == "application/pdf"
    [page] = pdf_text(response.data)
    assert "Try it tonight" in page and "Acme Surgical" in page and "Bolt Imaging" in page


def test_next_in_series_copies_only_the_ticked_vendors(app, client, fair):
    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    url = f"/admin/events/{fair['event_id']}/copy"
    page = client.get(url).get_data(as_text=True)
    assert "Vendors to list again" in page_text(page)
    response = client.post(url, data={
        "csrf_token": csrf_token(page), "title": "Chicago evening", "slug": "chicago-next", "timezone": "America/Chicago",
        "local_start": "2031-05-01T19:30", "local_end": "2031-05-01T21:00", "venue_name": "Venue", "room": "",
        "street_address": "1 Main St", "city": "Chicago", "region": "IL", "postal_code": "60601",
        "vendors": [str(fair["b"])],
    })  # fmt: skip
    assert response.status_code == 302, text(response)[:500]
    with db_session(app):
        copy_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        assert vendors.names(copy_id) == ["Bolt Imaging"]


# --- Representatives: only their own vendor --------------------------------------------------------------


VENDOR_ROUTES = ("/r/{token}/vendor", "/r/{token}/vendor/leads.csv", "/r/{token}/vendor/leads.vcf")


def test_a_representative_sees_their_vendors_leads_and_downloads_them(app, client, fair):
    page = text(client.get(f"/r/{fair['rep_a']}/vendor"))
    assert "Acme Surgical's leads (1)" in page and "maya@ucla.edu" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/r/{fair['rep_a']}/vendor/leads.csv").get_data(as_text=True))))
    assert rows[1][0].startswith("Maya") and rows[1][3] == "maya@ucla.edu"
    card = vobject.readOne(client.get(f"/r/{fair['rep_a']}/vendor/leads.vcf").get_data(as_text=True))
    assert card.email.value == "maya@ucla.edu"


def test_another_vendors_representative_cannot_reach_those_leads_by_changing_ids(app, client, fair):
    page = text(client.get(f"/r/{fair['rep_b']}/vendor"))
    assert "Bolt Imaging's leads (0)" in page and "maya@ucla.edu" not in page
    assert "maya@ucla.edu" not in client.get(f"/r/{fair['rep_b']}/vendor/leads.csv").get_data(as_text=True)
    # Qualifying vendor A's lead through vendor B's link: not found, and the lead is unchanged.
    response = post_form(client, f"/r/{fair['rep_b']}/vendor/leads/{fair['lead']}", {"q-note": "mine", "q-rating": "hot"},
                         page=f"/r/{fair['rep_b']}/vendor")  # fmt: skip
    assert response.status_code == 404
    # A guest's own link (not a representative's) opens no vendor page at all.
    for route in VENDOR_ROUTES:
        assert client.get(route.format(token=fair["sharing"])).status_code == 404
    with db_session(app):
        assert db.session.get(Lead, fair["lead"]).note == ""


def test_a_revoked_representative_link_stops_at_once(app, client, fair):
    with db_session(app):
        make_organizer()
    organizer = app.test_client()
    sign_in(organizer, "organizer@example.org")
    page = organizer.get(f"/admin/events/{fair['event_id']}/vendors").get_data(as_text=True)
    response = organizer.post(
        f"/admin/events/{fair['event_id']}/vendors/{fair['a']}/representatives/{fair['rep_a_id']}/revoke",
        data={"csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    for route in VENDOR_ROUTES:
        assert client.get(route.format(token=fair["rep_a"])).status_code == 404
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 1  # the vendor keeps it


def test_a_representative_cannot_browse_the_guest_directory_or_the_meet_page(app, client, fair):
    for route in ("/r/{token}/guests", "/r/{token}/meet"):
        assert client.get(route.format(token=fair["rep_a"])).status_code == 404
    assert "Lead scanner" in text(client.get(f"/r/{fair['rep_a']}"))


def scan(client, token, code, **extra):
    return post_form(client, f"/r/{token}/vendor", {"code": code, "note": "", "rating": "", **extra})


def test_scanning_a_guest_who_did_not_agree_says_only_that_and_stores_nothing(app, client, fair):
    response = scan(client, fair["rep_a"], fair["quiet_code"], note="met at the stand", rating="warm")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert leads.NOT_SHARED in page
    assert "Quinn" not in page and "quinn@ucla.edu" not in page
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).where(Lead.rsvp_id == fair["quiet_id"])) == 0
        assert db.session.get(EventVendor, fair["a"]).scans == 2


def test_scans_are_rate_limited_per_representative(app, client, fair):
    app.config["LEAD_SCAN_LIMIT"] = "3 per minute"
    from eventsite.auth.throttle import ScanThrottle

    app.extensions["eventsite.scan_throttle"] = ScanThrottle("memory://", "3 per minute")
    for _ in range(3):
        assert scan(client, fair["rep_a"], fair["quiet_code"]).status_code == 302
    response = scan(client, fair["rep_a"], fair["quiet_code"])
    assert response.status_code == 429 and "lot of scans" in text(response)
    assert scan(client, fair["rep_b"], fair["quiet_code"]).status_code == 302  # a colleague elsewhere is not held


# --- Residents: consent and withdrawal ------------------------------------------------------------------


def test_the_rsvp_form_asks_about_vendors_off_by_default_and_names_them(app, client, fair):
    page = client.get(f"/e/{fair['slug']}").get_data(as_text=True)
    assert "Vendors may save my contact when they scan my badge" in page_text(page)
    assert "At this event: Acme Surgical, Bolt Imaging" in page_text(page)
    assert 'name="share_vendors" type="checkbox" value="y">' in page  # not checked
    fields = guest_fields(first_name="Ana", email="ana@ucla.edu")
    response = post_form(client, f"/e/{fair['slug']}", {**fields, "share_vendors": "y", "vendor_institution": "y"})
    assert response.status_code == 302
    with db_session(app):
        rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.email == "ana@ucla.edu"))
        profile = contacts.get_profile(rsvp)
        assert (profile.share_vendors, profile.vendor_institution, profile.vendor_email) == (True, True, False)
        assert profile.vendors_agreed_at is not None


def test_a_resident_sees_who_saved_them_and_withdraws(app, client, fair):
    page = text(client.get(f"/r/{fair['sharing']}"))
    assert "Vendors who saved your contact" in page and "Acme Surgical saved you" in page
    response = post_form(
        client, f"/r/{fair['sharing']}/leads/{fair['lead']}/withdraw", {}, page=f"/r/{fair['sharing']}"
    )
    assert response.status_code == 302
    assert "Acme Surgical no longer has your contact" in text(client.get(response.headers["Location"]))
    assert "maya@ucla.edu" not in client.get(f"/r/{fair['rep_a']}/vendor/leads.csv").get_data(as_text=True)
    # Someone else's lead id through this link: not found.
    assert post_form(client, f"/r/{fair['sharing']}/leads/{fair['lead']}/withdraw", {},
                     page=f"/r/{fair['sharing']}").status_code == 404  # fmt: skip


def test_turning_vendor_sharing_off_on_the_manage_page_stops_new_leads(app, client, fair):
    assert post_form(client, f"/r/{fair['sharing']}/networking", {}, page=f"/r/{fair['sharing']}").status_code == 302
    with db_session(app):
        rep = db.session.scalar(sa.select(Rsvp).where(Rsvp.manage_token == fair["rep_b"]))
        assert leads.scan(rep, fair["sharing_code"]).lead is None


def test_the_leads_vcard_opens_in_an_address_book_with_stable_uids(app, client, fair, tmp_path):
    from tests.web.test_contacts_web import khard_list

    def download() -> list:
        return list(vobject.readComponents(client.get(f"/r/{fair['rep_a']}/vendor/leads.vcf").get_data(as_text=True)))

    first = download()
    listed = khard_list([card.serialize() for card in first], tmp_path)
    assert "no UID" not in listed.stderr, listed.stderr
    [(uid, name, _)] = [line.split("\t") for line in listed.stdout.splitlines()]
    assert name.startswith("Maya") and uid.startswith("urn:uuid:")
    assert [card.uid.value for card in download()] == [uid]
