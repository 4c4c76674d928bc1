"""My events (issue 17): a sign-in link by e-mail (the same page whether or not the address is
known; single use; 30 minutes), every RSVP and contact of the address in one place, its data
downloaded or deleted in one go, and a session that ends when one of its manage links changes."""

import csv
import datetime as dt
import io
import json
import re

import sqlalchemy as sa
import vobject

from eventsite.extensions import db
from eventsite.models import GuestSignIn, OutboxMessage, Rsvp, utcnow
from eventsite.services import contacts, tokens
from factories import make_event, make_rsvp
from helpers import csrf_token, db_session, outbox_token, page_text, post_form


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


def links_sent(app) -> int:
    with db_session(app):
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "my_events_link")
        )


def sign_in(app, client, address: str = "maya@ucla.edu"):
    post_form(client, "/my", {"email": address})
    with db_session(app):
        token = outbox_token("/my/sign-in/", to=address)
    return post_form(client, f"/my/sign-in/{token}", {})


def two_events(app):
    """Maya replied to Los Angeles and Chicago and saved a contact at each; Ben is someone else."""
    with db_session(app):
        la, chicago = make_event(title="Los Angeles evening"), make_event(title="Chicago evening")
        maya_la = make_rsvp(la, first_name="Maya", email="maya@ucla.edu")
        maya_chi = make_rsvp(chicago, first_name="Maya", email="Maya@UCLA.edu")
        for event, mine, name in ((la, maya_la, "Lina"), (chicago, maya_chi, "Omar")):
            other = make_rsvp(event, first_name=name, institution=f"{name} Hospital")
            contacts.update_preferences(other, share_contact=True, share_email=True)
            contacts.save_contact(mine, other, note=f"talked with {name}")
        make_rsvp(la, first_name="Ben", email="ben@example.org")
        db.session.flush()
        return maya_la.id, maya_chi.id


def test_the_page_says_the_same_for_a_known_and_an_unknown_address_and_mails_only_the_known(app, client):
    two_events(app)
    unknown = post_form(client, "/my", {"email": "nobody@example.org"}, follow_redirects=True)
    assert links_sent(app) == 0
    known = post_form(client, "/my", {"email": "maya@ucla.edu"}, follow_redirects=True)
    assert links_sent(app) == 1
    strip = lambda page: text(page).replace("nobody@example.org", "X").replace("maya@ucla.edu", "X")  # noqa: E731
    assert strip(unknown) == strip(known)
    bad = post_form(client, "/my", {"email": "not an address"})
    assert bad.status_code == 422 and "e-mail" in text(bad).lower()


def test_my_events_lists_every_rsvp_and_every_contact_of_the_address_only(app, client):
    two_events(app)
    assert sign_in(app, client).status_code == 302
    page = text(client.get("/my/events"))
    assert "Los Angeles evening" in page and "Chicago evening" in page
    assert "Lina" in page and "Omar" in page and "talked with Omar" in page
    assert "Ben" not in page and "ben@example.org" not in page
    found = text(client.get("/my/events?q=omar"))
    assert "Omar" in found and "talked with Lina" not in found
    cards = list(vobject.readComponents(client.get("/my/contacts.vcf").get_data(as_text=True)))
    assert sorted(c.fn.value for c in cards) == ["Lina Resident", "Omar Resident"]
    rows = list(csv.reader(io.StringIO(client.get("/my/contacts.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Event" and {r[0] for r in rows[1:]} == {"Los Angeles evening", "Chicago evening"}
    assert client.get("/my/events").headers["Cache-Control"] == "private, no-store"


def test_a_sign_in_link_works_once_and_expires_after_30_minutes(app, client):
    two_events(app)
    post_form(client, "/my", {"email": "maya@ucla.edu"})
    with db_session(app):
        token = outbox_token("/my/sign-in/")
    assert client.get(f"/my/sign-in/{token}").status_code == 200  # a mail scanner's visit uses nothing up
    assert post_form(client, f"/my/sign-in/{token}", {}).status_code == 302
    again = app.test_client().get(f"/my/sign-in/{token}")
    assert again.status_code == 410 and "used already" in text(again)
    post_form(client, "/my", {"email": "maya@ucla.edu"})
    with db_session(app):
        late = db.session.scalars(sa.select(GuestSignIn).order_by(GuestSignIn.id.desc())).first()
        late.expires_at = utcnow() - dt.timedelta(seconds=1)
        token = outbox_token("/my/sign-in/")
    expired = app.test_client().get(f"/my/sign-in/{token}")
    assert expired.status_code == 410 and "expired" in text(expired)
    assert app.test_client().get("/my/sign-in/made-up-secret-0123456789abcdef").status_code == 404


def test_without_a_sign_in_the_pages_send_you_to_ask_for_a_link(app, client):
    for url in ("/my/events", "/my/contacts.csv", "/my/data.json", "/my/delete"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/my?expired=1")


def test_the_session_ends_when_one_of_the_addresss_manage_links_changes(app, client):
    maya_la, _ = two_events(app)
    sign_in(app, client)
    assert client.get("/my/events").status_code == 200
    with db_session(app):
        db.session.get(Rsvp, maya_la).manage_token = tokens.new_token()
    response = client.get("/my/events")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]


def test_the_guest_downloads_everything_held_and_deletes_it_all(app, client):
    maya_la, maya_chi = two_events(app)
    sign_in(app, client)
    data = json.loads(client.get("/my/data.json").get_data(as_text=True))
    assert {r["event"]["title"] for r in data["rsvps"]} == {"Los Angeles evening", "Chicago evening"}
    assert all(r["email"].lower() == "maya@ucla.edu" for r in data["rsvps"])
    assert {c["name"] for r in data["rsvps"] for c in r["contacts_saved"]} == {"Lina Resident", "Omar Resident"}
    rows = list(csv.reader(io.StringIO(client.get("/my/data.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and rows[0][:3] == ["Event", "Starts", "Status"]
    page = client.get("/my/delete").get_data(as_text=True)
    assert "Delete everything about maya@ucla.edu" in page_text(page)
    response = client.post("/my/delete", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    with db_session(app):
        for rsvp_id in (maya_la, maya_chi):
            rsvp = db.session.get(Rsvp, rsvp_id)
            assert rsvp.is_anonymised and rsvp.email == ""
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GuestSignIn)) == 0
    assert client.get("/my/events").status_code == 302  # signed out: nothing left to show


def test_asking_for_links_is_rate_limited_per_address(app, client):
    two_events(app)
    for _ in range(5):
        assert post_form(client, "/my", {"email": "maya@ucla.edu"}).status_code == 302
    held = post_form(client, "/my", {"email": "maya@ucla.edu"})
    assert held.status_code == 429 and "Too many" in text(held)
    assert links_sent(app) == 5


def test_remembered_details_fill_in_the_next_rsvp_from_my_events_and_go_with_a_deletion(app, client):
    from eventsite.models import KeptProfile
    from factories import guest_fields

    with db_session(app):
        first, second = make_event(title="Boston evening"), make_event(title="Chicago evening")
        first_slug, second_slug = first.slug, second.slug
    fields = guest_fields(first_name="Maya", last_name="Chen", email="maya@ucla.edu", institution="UCLA Orthopaedics",
                          pronouns="she/her")  # fmt: skip
    response = post_form(
        client, f"/e/{first_slug}", {**fields, "remember": "y", "share_contact": "y", "share_email": "y"}
    )
    assert response.status_code == 302
    stranger = app.test_client().get(f"/e/{second_slug}").get_data(as_text=True)
    assert 'value="Maya"' not in stranger  # nobody else's form is filled in
    sign_in(app, client)
    page = client.get(f"/e/{second_slug}").get_data(as_text=True)
    assert 'value="Maya"' in page and 'value="UCLA Orthopaedics"' in page and 'value="she/her"' in page
    assert re.search(r'<input checked[^>]*name="share_contact"', page)  # the networking choices too
    data = json.loads(client.get("/my/data.json").get_data(as_text=True))
    assert data["remembered_details"]["institution"] == "UCLA Orthopaedics"
    page = client.get("/my/delete").get_data(as_text=True)
    client.post("/my/delete", data={"csrf_token": csrf_token(page)})
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KeptProfile)) == 0


def test_an_alerts_rsvp_link_fills_in_the_kept_details_and_a_forged_one_does_not(app, client):
    from eventsite.services import alerts, kept_profiles

    with db_session(app):
        event = make_event(title="Chicago evening")
        rsvp = make_rsvp(event, first_name="Maya", email="maya@ucla.edu")
        kept_profiles.remember(rsvp, {})
        slug, me = event.slug, alerts.prefill_token("maya@ucla.edu")
    assert 'value="Maya"' in client.get(f"/e/{slug}?me={me}").get_data(as_text=True)
    assert 'value="Maya"' not in client.get(f"/e/{slug}?me={me[:-2]}xx").get_data(as_text=True)


def test_people_met_before_who_are_listed_at_an_upcoming_event_show_as_coming_again(app, client):
    with db_session(app):
        boston = make_event(title="Boston evening", days_ahead=-30)
        chicago = make_event(title="Chicago evening", days_ahead=30)
        me_before = make_rsvp(
            boston, first_name="Maya", email="maya@ucla.edu", now=boston.starts_at - dt.timedelta(days=9)
        )
        omar_before = make_rsvp(
            boston, first_name="Omar", email="omar@example.org", now=boston.starts_at - dt.timedelta(days=9)
        )
        lina_before = make_rsvp(
            boston, first_name="Lina", email="lina@example.org", now=boston.starts_at - dt.timedelta(days=9)
        )
        for other in (omar_before, lina_before):
            contacts.update_preferences(other, share_contact=True)
            contacts.save_contact(me_before, other)
        make_rsvp(chicago, first_name="Maya", email="maya@ucla.edu")
        omar = make_rsvp(chicago, first_name="Omar", email="omar@example.org", institution="Rush")
        contacts.update_preferences(omar, in_directory=True)
        make_rsvp(chicago, first_name="Lina", email="lina@example.org")  # coming, but not listed
    sign_in(app, client)
    page = text(client.get("/my/events"))
    assert "People you met, coming again" in page
    assert "Omar" in page and "Coming to Chicago evening · you met at Boston evening" in page
    section = page.split("People you met, coming again", 1)[1].split("People you met (", 1)[0]
    assert "Lina" not in section
