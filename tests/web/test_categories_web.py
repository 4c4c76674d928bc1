"""Guest categories on the pages (issue 15): the guest sees places per category and picks one;
the next page says where they stand; organizers edit categories with messages by the field."""

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CategoryPolicy, Event, GuestCategory, Message, OutboxMessage, Rsvp
from eventsite.services import categories
from factories import guest_fields, make_event, make_rsvp
from helpers import csrf_token, db_session, field_box, form_values, page_text, post_form


def an_event(app, **rules) -> tuple[str, dict[str, int]]:
    """A published event of 30 places: Resident 20, Faculty 2 by approval, Guest closed."""
    with db_session(app):
        event = make_event(capacity=30)
        cats = {c.name: c for c in categories.of_event(event)}
        cats["Resident"].capacity, cats["Faculty"].capacity = 20, 2
        cats["Faculty"].policy, cats["Guest"].policy = CategoryPolicy.APPROVAL, CategoryPolicy.CLOSED
        make_rsvp(event, training_level="pgy1")
        for name, value in rules.items():
            setattr(cats["Resident"], name, value)
        return event.slug, {name: c.id for name, c in cats.items()}


def test_the_event_page_shows_places_per_category_and_offers_those_that_take_guests(app, client):
    slug, ids = an_event(app)
    html = client.get(f"/e/{slug}").get_data(as_text=True)
    text = page_text(html)
    assert "Resident 19 places left" in text and "Faculty 2 places left, needs approval" in text
    assert "Industry / vendor open" in text and "Guest" not in text.split("Places by category")[0][-5:]
    box = field_box(html, "category")
    assert "I'm coming as" in box and "Faculty (needs approval)" in box and "Guest" not in box.replace("guest", "")
    assert form_values(html)["category"] == ""  # the training level decides unless the guest picks


def test_a_guest_picks_a_category_and_the_page_says_what_each_would_get(app, client):
    slug, ids = an_event(app)
    html = client.get(f"/e/{slug}").get_data(as_text=True)
    # What the page's script shows by the button for the category picked.
    assert f'data-category="{ids["Resident"]}" data-outcome="You&#39;ll be confirmed."' in html
    assert f'data-category="{ids["Faculty"]}" data-outcome="Your request will await' in html
    reply = post_form(client, f"/e/{slug}", guest_fields(training_level="pgy3", category=str(ids["Faculty"])))
    assert reply.status_code == 302
    reply = post_form(client, f"/e/{slug}", guest_fields(training_level="pgy3"))
    assert reply.status_code == 302
    with db_session(app):
        chosen = db.session.scalars(sa.select(Rsvp.category_id).order_by(Rsvp.id)).all()
    assert chosen[-2:] == [ids["Faculty"], ids["Resident"]]


def test_an_address_outside_the_categorys_domains_is_told_next_to_the_field_and_nothing_is_saved(app, client):
    slug, _ = an_event(app, email_domains=["ucla.edu"], other_domains_ask=False)
    reply = post_form(client, f"/e/{slug}", guest_fields(email="ana@gmail.com", first_name="Ana"))
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "Resident places need an address at ucla.edu" in field_box(html, "email")
    assert form_values(html)["first_name"] == "Ana"  # what was typed stays
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 1


def test_an_organizer_adds_and_edits_categories_with_messages_by_the_field(app, admin):
    slug, ids = an_event(app)
    with db_session(app):
        event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == slug))
    url = f"/admin/events/{event_id}/categories"
    page = admin.get(url).get_data(as_text=True)
    assert "Guest categories" in page_text(page)
    token = csrf_token(page)
    added = admin.post(url, data={"new-csrf_token": token, "new-name": "Sponsor", "new-capacity": "4",
                                  "new-policy": "invitation", "new-badge_role": "industry",
                                  "new-training_levels": ["industry"], "new-other_domains_ask": "y"})  # fmt: skip
    assert added.status_code == 302
    bad = admin.post(f"{url}/{ids['Resident']}", data={
        f"c{ids['Resident']}-csrf_token": token, f"c{ids['Resident']}-name": "Resident",
        f"c{ids['Resident']}-policy": "open", f"c{ids['Resident']}-capacity": "0",
        f"c{ids['Resident']}-email_domains": "ucla",
    })  # fmt: skip
    assert bad.status_code == 422
    assert "is not a domain name" in field_box(bad.get_data(as_text=True), f"c{ids['Resident']}-email_domains")
    with db_session(app):
        sponsor = db.session.scalar(sa.select(GuestCategory).where(GuestCategory.name == "Sponsor"))
        resident = db.session.get(GuestCategory, ids["Resident"])
        assert (sponsor.capacity, sponsor.policy, sponsor.training_levels) == (
            4,
            CategoryPolicy.INVITATION,
            ["industry"],
        )
        assert (resident.capacity, resident.email_domains) == (20, [])  # nothing half-saved
        sponsor_id = sponsor.id
    removed = admin.post(f"{url}/{sponsor_id}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Category “Sponsor” removed." in page_text(removed.get_data(as_text=True))


def test_an_organizer_adds_a_guest_to_a_full_category_when_they_say_so_and_moves_another(app, admin):
    slug, ids = an_event(app)
    with db_session(app):
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        for _ in range(2):
            make_rsvp(event, training_level="attending")  # Faculty needs approval: pending
        db.session.get(GuestCategory, ids["Faculty"]).capacity = 0
        event_id = event.id
    url = f"/admin/events/{event_id}/guests/new"
    guest = guest_fields(first_name="Dr.", last_name="Okafor", training_level="attending")
    full = post_form(admin, url, {**guest, "source": "organizer", "category_id": str(ids["Faculty"])})
    assert full.status_code == 422
    assert "Faculty is full (0/0). Add anyway?" in page_text(full.get_data(as_text=True))
    added = post_form(admin, url, {**guest, "source": "organizer", "category_id": str(ids["Faculty"]),
                                   "confirm_over_capacity": "y"})  # fmt: skip
    assert added.status_code == 302
    page = page_text(admin.get(added.location).get_data(as_text=True))
    assert "Faculty (its rules set aside by the organizer)" in page
    with db_session(app):
        resident_id = db.session.scalar(sa.select(Rsvp.id).where(Rsvp.category_id == ids["Resident"]))
    detail = f"/admin/guests/{resident_id}"
    values = form_values(admin.get(detail).get_data(as_text=True))
    assert values["category_id"] == str(ids["Resident"])
    moved = post_form(admin, detail, {**values, "category_id": str(ids["Industry / vendor"])}, follow_redirects=True)
    text = page_text(moved.get_data(as_text=True))
    assert "Saved" in text and "category" in text and "category Resident → Industry / vendor" in text


def test_a_message_to_one_category_reaches_only_its_guests(app, admin):
    slug, ids = an_event(app)
    with db_session(app):
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        make_rsvp(event, training_level="industry", email="vendor@example.org")
        event_id = event.id
    url = f"/admin/events/{event_id}/messages"
    compose = {"segment": "confirmed", "category": str(ids["Industry / vendor"]), "subject": "Your table",
               "body": "Your table is by the window."}  # fmt: skip
    preview = post_form(admin, url, {**compose, "action": "preview"})
    assert "Send to 1 confirmed guest (Industry / vendor) now" in page_text(preview.get_data(as_text=True))
    sent = post_form(admin, url, {**compose, "confirm": f"confirmed:{ids['Industry / vendor']}:1", "action": "send"})
    assert sent.status_code == 302
    with db_session(app):
        to = db.session.scalars(sa.select(OutboxMessage.to_address).where(OutboxMessage.message_id.is_not(None))).all()
        message = db.session.scalar(sa.select(Message))
        assert to == ["vendor@example.org"] and message.category_id == ids["Industry / vendor"]
    history = page_text(admin.get(url).get_data(as_text=True))
    assert "Confirmed guests · Industry / vendor" in history


def test_ticked_guests_are_approved_moved_and_downloaded_at_once(app, admin):
    """Issue 15's bulk actions: one request for the ticked rows; a guest a rule refuses stays as
    they were and is named."""
    slug, ids = an_event(app)
    with db_session(app):
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        pending = [make_rsvp(event, training_level="attending", first_name=n, last_name="Prof") for n in ("Ada", "Bo")]
        resident = db.session.scalar(sa.select(Rsvp).where(Rsvp.category_id == ids["Resident"]))
        event_id, chosen, resident_id = event.id, [r.id for r in pending], resident.id
    url = f"/admin/events/{event_id}/guests"
    page = admin.get(url + "?status=pending").get_data(as_text=True)
    assert f'name="rsvp_ids" value="{chosen[0]}" form="picks"' in page
    approved = post_form(admin, f"{url}/bulk", {"rsvp_ids": [*map(str, chosen), str(resident_id)], "action": "approve",
                                                "back": f"{url}?status=pending"}, page=url)  # fmt: skip
    assert approved.status_code == 302 and approved.location.endswith("?status=pending")
    flashed = page_text(admin.get(approved.location).get_data(as_text=True))
    assert (
        "Done for 2 guests. Left as they were:" in flashed and "is confirmed now, so they can't be approved" in flashed
    )
    moved = post_form(admin, f"{url}/bulk", {"rsvp_ids": [str(chosen[0])], "action": f"category:{ids['Industry / vendor']}"},
                      page=url)  # fmt: skip
    assert moved.status_code == 302
    with db_session(app):
        rows = {r.id: r for r in db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(chosen)))}
        assert all(r.status.value == "confirmed" for r in rows.values())
        assert rows[chosen[0]].category_id == ids["Industry / vendor"]
    csv_text = admin.get(f"{url}.csv?rsvp_ids={chosen[1]}").get_data(as_text=True)
    assert csv_text.count("\n") == 2 and "Bo,Prof" in csv_text  # the heading and the one ticked guest
