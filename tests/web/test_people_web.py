"""The series view and guests' data through the browser's eyes: the People page, its CSV and a
person's page, the guest list's "first event" / "returning" tags, the guest's two-step deletion
from the manage page, and the retention setting."""

import csv
import datetime as dt
import io

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, OutboxMessage, Rsvp, RsvpStatus
from factories import make_event, make_rsvp
from helpers import csrf_token, db_session, page_text, post_form


def two_evenings(app) -> dict:
    """Maria came to the spring evening and skipped the summer one; both RSVPed to autumn."""
    with db_session(app):
        spring = make_event(days_ahead=-60, title="Spring Mixer")
        summer = make_event(days_ahead=-30, title="Summer Mixer")
        autumn = make_event(days_ahead=14, title="Autumn Mixer")

        def early(event, **kw):
            return make_rsvp(event, now=event.starts_at - dt.timedelta(days=3), **kw)

        maria = dict(first_name="Maria", last_name="Lopez", institution="Harbor-UCLA")
        came = early(spring, email="Maria@Example.org", **maria)
        db.session.add(CheckIn(event_id=spring.id, rsvp_id=came.id, result=CheckInResult.ADMITTED))
        early(summer, email="maria@example.org", **maria)
        early(autumn, email="MARIA@EXAMPLE.ORG", **maria)
        early(autumn, email="new@example.org", first_name="Nora", last_name="New")
        return {"autumn": autumn.id, "spring": spring.id, "came": came.id}


def test_people_page_needs_an_organizer(client):
    response = client.get("/admin/people")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/admin/people.csv").status_code == 302


def test_people_page_lists_each_person_once_with_counts_search_and_a_nav_link(app, admin):
    two_evenings(app)
    html = admin.get("/admin/people").get_data(as_text=True)
    text = page_text(html)
    assert 'aria-current="page">People<' in html
    assert "Showing 1–2 of 2 people." in text
    # Maria: 3 events, 1 attended, 1 no-show; Nora: 1, 0, 0.
    assert "Harbor-UCLA · PGY-2 MARIA@example.org 3 1 1" in text  # the newest RSVP's address as typed
    assert "Nora New" in text and "new@example.org 1 0 0" in text
    found = page_text(admin.get("/admin/people?q=harbor").get_data(as_text=True))
    assert "Maria Lopez" in found and "Nora" not in found
    no_shows = page_text(admin.get("/admin/people?show=no_shows").get_data(as_text=True))
    assert "Showing 1–1 of 1 person matching." in no_shows
    sorted_desc = page_text(admin.get("/admin/people?sort=events&dir=desc").get_data(as_text=True))
    assert sorted_desc.index("Maria Lopez") < sorted_desc.index("Nora New")
    assert "Events ▼" in sorted_desc
    # The person's page lists the three evenings, newest first, with what happened at each.
    with db_session(app):
        newest = db.session.scalar(sa.select(sa.func.max(Rsvp.id)).where(Rsvp.email_key == "maria@example.org"))
    person = page_text(admin.get(f"/admin/people/{newest}").get_data(as_text=True))
    assert "3 events RSVPed 1 attended 1 no-show" in person
    assert person.index("Autumn Mixer") < person.index("Summer Mixer") < person.index("Spring Mixer")
    assert "✓ Checked in" in person and "No-show" in person
    assert admin.get("/admin/people/999999").status_code == 404


def test_people_csv_downloads_and_parses_back(app, admin):
    two_evenings(app)
    response = admin.get("/admin/people.csv?q=maria")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="people.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("Name", "Events RSVPed", "Attended", "No-shows")} == {
        "Name": "Maria Lopez", "Events RSVPed": "3", "Attended": "1", "No-shows": "1",
    }  # fmt: skip


def test_guest_list_tags_first_event_returning_and_past_no_shows(app, admin):
    ids = two_evenings(app)
    text = page_text(admin.get(f"/admin/events/{ids['autumn']}/guests").get_data(as_text=True))
    assert "Maria Lopez Returning 1 past no-show" in text
    assert "Nora New First event" in text
    spring = page_text(admin.get(f"/admin/events/{ids['spring']}/guests").get_data(as_text=True))
    assert "Maria Lopez First event" in spring and "no-show" not in spring


# --- the guest deletes their data ----------------------------------------------------------------


def test_guest_deletes_their_data_in_two_steps(app, client):
    with db_session(app):
        event = make_event(capacity=1, claim_window_hours=0, title="Autumn Mixer")
        guest = make_rsvp(event, first_name="Zoë", last_name="Ng", email="zoe@example.org", dietary_notes="vegan")
        waiting = make_rsvp(event, email="next@example.org")
        token, code, rsvp_id, waiting_id = guest.manage_token, guest.ticket_code, guest.id, waiting.id
    manage = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Delete my data…" in page_text(manage) and f"/r/{token}/delete" in manage

    explain = page_text(client.get(f"/r/{token}/delete").get_data(as_text=True))
    assert "Delete your personal data?" in explain
    assert "Your RSVP is cancelled first, and your place goes to the next person on the waitlist." in explain
    assert "This cannot be undone." in explain
    # Looking at the explanation changed nothing; a POST without the CSRF token is refused.
    assert client.post(f"/r/{token}/delete").status_code == 400
    assert client.get(f"/r/{token}").status_code == 200

    response = post_form(client, f"/r/{token}/delete", {})
    assert response.status_code == 302 and "/r/" not in response.headers["Location"]
    done = page_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Your data was deleted" in done and "Your RSVP was cancelled first" in done

    assert client.get(f"/r/{token}").status_code == 404
    assert client.get(f"/r/{token}/delete").status_code == 404
    assert client.get(f"/b/{code}").status_code == 404
    with db_session(app):
        gone = db.session.get(Rsvp, rsvp_id)
        assert (gone.first_name, gone.email, gone.dietary_notes, gone.status) == (
            "Anonymised", "", "", RsvpStatus.CANCELLED,
        )  # fmt: skip
        assert db.session.get(Rsvp, waiting_id).status == RsvpStatus.CONFIRMED
        unsent = db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.rsvp_id == rsvp_id, OutboxMessage.status == "pending")
        ).all()
        assert unsent == []


def test_deleted_guest_shows_anonymised_on_the_guest_list_without_tags(app, admin):
    with db_session(app):
        event = make_event()
        guest = make_rsvp(event, first_name="Zoë", last_name="Ng", email="zoe@example.org")
        token, event_id = guest.manage_token, event.id
    client = admin
    page = client.get(f"/r/{token}/delete").get_data(as_text=True)
    client.post(f"/r/{token}/delete", data={"csrf_token": csrf_token(page)})
    text = page_text(client.get(f"/admin/events/{event_id}/guests").get_data(as_text=True))
    assert "Anonymised guest" in text and "Zoë" not in text and "zoe@" not in text
    assert "First event" not in text
    assert "Cancelled" in text  # the event was ahead, so the place was given up first
    with db_session(app):
        rsvp_id = db.session.scalar(sa.select(Rsvp.id).where(Rsvp.event_id == event_id))
    detail = page_text(client.get(f"/admin/guests/{rsvp_id}").get_data(as_text=True))
    assert "Anonymised guest" in detail and "Resend" not in detail
    assert client.get(f"/admin/events/{event_id}/guests/{rsvp_id}/resend").status_code == 404
    # Not even the row's new, never-shown link opens a page.
    with db_session(app):
        new_token = db.session.get(Rsvp, rsvp_id).manage_token
    assert client.get(f"/r/{new_token}").status_code == 404


def test_guest_page_links_to_the_persons_events(app, admin):
    ids = two_evenings(app)
    html = admin.get(f"/admin/guests/{ids['came']}").get_data(as_text=True)
    assert f'href="/admin/people/{ids["came"]}">All their events<' in html
    person = page_text(admin.get(f"/admin/people/{ids['came']}").get_data(as_text=True))
    assert "3 events RSVPed" in person


# --- retention setting ---------------------------------------------------------------------------


def test_organizer_sets_and_clears_the_retention_period(app, admin):
    page = page_text(admin.get("/admin/people/retention").get_data(as_text=True))
    assert "kept until a guest deletes their own" in page
    bad = post_form(admin, "/admin/people/retention", {"retention_days": "0"})
    assert bad.status_code == 422 and "Choose from 1 to 3,650 days" in page_text(bad.get_data(as_text=True))
    saved = post_form(admin, "/admin/people/retention", {"retention_days": "365"}, follow_redirects=True)
    assert "personal data is anonymised 365 days after each event" in page_text(saved.get_data(as_text=True))
    assert "anonymised 365 days after each event" in page_text(admin.get("/admin/people").get_data(as_text=True))
    cleared = post_form(admin, "/admin/people/retention", {"retention_days": ""}, follow_redirects=True)
    assert "kept until a guest deletes it" in page_text(cleared.get_data(as_text=True))


def test_after_the_event_deletion_keeps_the_place_and_says_so(app, client):
    with db_session(app):
        event = make_event(days_ahead=-2)
        guest = make_rsvp(event, email="late@example.org", now=event.starts_at - dt.timedelta(days=3))
        token, rsvp_id = guest.manage_token, guest.id
    assert "cancelled first" not in page_text(client.get(f"/r/{token}").get_data(as_text=True))
    explain = page_text(client.get(f"/r/{token}/delete").get_data(as_text=True))
    assert "cancelled first" not in explain and "Your RSVP status stays as it was" in explain
    done = post_form(client, f"/r/{token}/delete", {}, follow_redirects=True)
    assert "Your data was deleted" in page_text(done.get_data(as_text=True))
    with db_session(app):
        kept = db.session.get(Rsvp, rsvp_id)
        assert (kept.status, kept.email, kept.is_anonymised) == (RsvpStatus.CONFIRMED, "", True)


def test_past_guests_are_invited_from_the_people_page_ticked_or_all_matching(app, admin):
    """Issue 15: the series' past guests, found on the People page, invited to the next city."""
    from eventsite.models import GuestInvitation

    with db_session(app):
        spring = make_event(days_ahead=-60, title="Spring Mixer")
        for first in ("Ana", "Ben", "Cruz"):
            make_rsvp(
                spring,
                first_name=first,
                last_name="Past",
                email=f"{first.lower()}@example.org",
                institution="Harbor-UCLA",
                training_level="pgy3",
                now=spring.starts_at - dt.timedelta(days=3),
            )
        winter = make_event(days_ahead=30, title="Winter Mixer")
        winter_id = winter.id
        ids = dict(db.session.execute(sa.select(Rsvp.first_name, Rsvp.id)).tuples().all())
    html = admin.get("/admin/people").get_data(as_text=True)
    assert (
        "Invite to" in page_text(html) and "Winter Mixer" in html and "Spring Mixer ·" not in html
    )  # past: not offered
    reply = admin.post("/admin/people/invite", data={"csrf_token": csrf_token(html), "event_id": winter_id,
                                                     "selection": "selected", "rsvp_ids": [ids["Ana"]]})  # fmt: skip
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/events/{winter_id}/invitations")
    with db_session(app):
        [ana] = db.session.scalars(sa.select(GuestInvitation)).all()
        assert (ana.email, ana.first_name, ana.institution, ana.training_level) == (
            "ana@example.org", "Ana", "Harbor-UCLA", "pgy3")  # fmt: skip
    reply = admin.post("/admin/people/invite", data={"csrf_token": csrf_token(html), "event_id": winter_id,
                                                     "selection": "all", "q": "Past"})  # fmt: skip
    text = page_text(admin.get(reply.headers["Location"]).get_data(as_text=True))
    assert "Invited 2 to Winter Mixer" in text and "Left out 1 already invited" in text
    reply = admin.post("/admin/people/invite", data={"csrf_token": csrf_token(html), "event_id": winter_id,
                                                     "selection": "selected"})  # fmt: skip
    assert "Tick the people to invite first" in page_text(admin.get(reply.headers["Location"]).get_data(as_text=True))
    activity = page_text(admin.get(f"/admin/events/{winter_id}/activity").get_data(as_text=True))
    assert "Invited people from the People page" in activity


def test_past_guests_are_chosen_by_city_level_and_last_seen_and_an_address_that_bounced_is_skipped(app, client):
    from eventsite.models import CityAlert, GuestInvitation, utcnow
    from factories import make_organizer
    from helpers import sign_in

    with db_session(app):
        make_organizer()
        boston = make_event(city="Boston", days_ahead=-60)
        old = make_event(city="Boston", days_ahead=-500)
        chicago = make_event(city="Chicago", days_ahead=-30)
        before = dt.timedelta(days=9)
        make_rsvp(boston, email="b-pgy2@example.org", training_level="pgy2", now=boston.starts_at - before)
        make_rsvp(boston, email="b-pgy4@example.org", training_level="pgy4", now=boston.starts_at - before)
        make_rsvp(boston, email="bounced@example.org", training_level="pgy2", now=boston.starts_at - before)
        make_rsvp(old, email="long-ago@example.org", training_level="pgy2", now=old.starts_at - before)
        make_rsvp(chicago, email="c-pgy2@example.org", training_level="pgy2", now=chicago.starts_at - before)
        db.session.add(CityAlert(email="bounced@example.org", email_key="bounced@example.org", series_id=boston.series_id,
                                 city="Boston", suppressed_at=utcnow()))  # fmt: skip
        target = make_event(city="Boston", title="Boston again", days_ahead=40)
        target_id = target.id
    sign_in(client, "organizer@example.org")
    page = page_text(client.get("/admin/people?city=Boston&level=pgy2&seen=365").get_data(as_text=True))
    assert "of 2 people matching" in page and "Invite all 2 matching" in page
    assert "b-pgy2@example.org" in page and "long-ago@example.org" not in page and "c-pgy2@example.org" not in page
    html = client.get("/admin/people?city=Boston&level=pgy2&seen=365").get_data(as_text=True)
    response = client.post("/admin/people/invite", data={"csrf_token": csrf_token(html), "city": "Boston",
                                                         "level": "pgy2", "seen": "365", "event_id": str(target_id),
                                                         "selection": "all"})  # fmt: skip
    assert response.status_code == 302
    with db_session(app):
        invited = db.session.scalars(
            sa.select(GuestInvitation.email).where(GuestInvitation.event_id == target_id)
        ).all()
        assert invited == ["b-pgy2@example.org"]


def test_an_owner_gives_a_series_its_own_period_next_to_the_sites(app, admin):
    from eventsite.models import Series

    with db_session(app):
        event = make_event()
        series_id = event.series_id
        name = db.session.get(Series, series_id).name
    url = "/admin/people/retention"
    page = page_text(admin.get(url).get_data(as_text=True))
    assert "A series with its own period" in page and f"Save for {name}" in page
    bad = post_form(admin, f"{url}/series/{series_id}", {f"s{series_id}-retention_days": "99999"}, page=url)
    assert bad.status_code == 422
    assert "Choose from 1 to 3,650 days, or leave it empty." in page_text(bad.get_data(as_text=True))
    done = post_form(admin, f"{url}/series/{series_id}", {f"s{series_id}-retention_days": "90"}, page=url,
                     follow_redirects=True)  # fmt: skip
    assert f"Saved: {name} anonymises guests' data 90 days after each event." in page_text(done.get_data(as_text=True))
    assert f"({name}: its own period)" in page_text(admin.get("/admin/people").get_data(as_text=True))
    with db_session(app):
        assert db.session.get(Series, series_id).retention_days == 90
    back = post_form(admin, f"{url}/series/{series_id}", {f"s{series_id}-retention_days": ""}, page=url,
                     follow_redirects=True)  # fmt: skip
    assert f"Saved: {name} follows the site's setting." in page_text(back.get_data(as_text=True))
    assert admin.post(f"{url}/series/999999", data={}).status_code in (400, 404)
