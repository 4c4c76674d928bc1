"""The guest's journey through the test client: listings, event page, RSVP, e-mails, manage link, waitlist."""

import datetime as dt
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, EventStatus, OutboxMessage, Rsvp, RsvpAction, RsvpChange, RsvpStatus, utcnow
from eventsite.services import rsvps
from factories import guest_fields, make_event, make_rsvp, next_year_evening
from helpers import (
    attachments,
    csrf_token,
    db_session,
    deliver,
    field_box,
    form_values,
    html_body,
    manage_link,
    page_text,
    post_form,
    read_ics,
    text_body,
)

LA = ZoneInfo("America/Los_Angeles")


def new_event(app, **overrides) -> str:
    with db_session(app):
        return make_event(**overrides).slug


def get_event(slug: str) -> Event:
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


def get_rsvp(email: str) -> Rsvp | None:
    return db.session.scalar(sa.select(Rsvp).where(Rsvp.email == email))


def rsvp_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp))


def rsvp_on_web(client, slug: str, **overrides):
    """Fill in and send the RSVP form on the event page, as a guest would."""
    return post_form(client, f"/e/{slug}", guest_fields(**overrides))


def path(url: str) -> str:
    return urlsplit(url).path


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


def subjects(mailbox, address: str) -> list[str]:
    return [m["Subject"] for m in mailbox.to(address)]


def assert_calendar(data: bytes, *, url: str, start: dt.datetime, end: dt.datetime) -> None:
    """A VEVENT at the given LA wall-clock times with its TZID and VTIMEZONE, the venue and the event page."""
    cal, vevent = read_ics(data)
    assert vevent["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert f"DTSTART;TZID=America/Los_Angeles:{start:%Y%m%dT%H%M%S}" in data.decode()
    assert vevent.decoded("DTSTART") == start.replace(tzinfo=LA)
    assert vevent.decoded("DTEND") == end.replace(tzinfo=LA)
    location = str(vevent["LOCATION"])
    assert "State Social House" in location and "8782 W. Sunset Boulevard" in location
    assert "Meet fellow residents" in str(vevent["DESCRIPTION"])
    assert str(vevent["URL"]) == url
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]


# Listings -----------------------------------------------------------------------------------


def test_home_lists_upcoming_published_events_soonest_first(app, client):
    with db_session(app):
        make_event(title="Later Evening", days_ahead=40)
        make_event(title="Sooner Evening", days_ahead=10)
        make_event(title="Draft Evening", days_ahead=5, status=EventStatus.DRAFT)
        make_event(title="Bygone Evening", days_ahead=-10)
    response = client.get("/")
    page = text(response)
    assert response.status_code == 200
    assert page.index("Sooner Evening") < page.index("Later Evening")
    assert "Draft Evening" not in page and "Bygone Evening" not in page
    assert 'href="/past"' in response.get_data(as_text=True)


def test_past_events_are_behind_the_past_link(app, client):
    with db_session(app):
        make_event(title="Older Evening", days_ahead=-40)
        make_event(title="Bygone Evening", days_ahead=-10)
        make_event(title="Draft Bygone", days_ahead=-5, status=EventStatus.DRAFT)
        make_event(title="Upcoming Evening", days_ahead=10)
    response = client.get("/past")
    page = text(response)
    assert response.status_code == 200 and "Past events" in page
    assert page.index("Bygone Evening") < page.index("Older Evening")
    assert "Draft Bygone" not in page and "Upcoming Evening" not in page


# Event page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "end", "expected"),
    [
        (
            "America/Los_Angeles",
            (2027, 9, 12, 19, 30),
            (2027, 9, 12, 21, 0),
            "Sunday, September 12, 2027 · 7:30–9:00 PM PDT",
        ),
        (
            "America/Los_Angeles",
            (2027, 12, 5, 18, 0),
            (2027, 12, 5, 20, 30),
            "Sunday, December 5, 2027 · 6:00–8:30 PM PST",
        ),
        (
            "America/Chicago",
            (2027, 10, 21, 18, 30),
            (2027, 10, 21, 20, 30),
            "Thursday, October 21, 2027 · 6:30–8:30 PM CDT",
        ),
        ("Europe/London", (2027, 7, 1, 11, 30), (2027, 7, 1, 13, 0), "Thursday, July 1, 2027 · 11:30 AM–1:00 PM BST"),
    ],
    ids=["la-summer", "la-winter", "chicago", "london-across-noon"],
)
def test_event_time_reads_in_the_events_own_zone(app, client, zone, start, end, expected):
    slug = new_event(app, timezone=zone, local_start=dt.datetime(*start), local_end=dt.datetime(*end))
    response = client.get(f"/e/{slug}")
    assert response.status_code == 200
    assert expected in text(response)


def test_event_page_shows_venue_room_address_map_and_audience(app, client):
    slug = new_event(app, audience_note="Residents only")
    response = client.get(f"/e/{slug}")
    page = text(response)
    for fact in (
        "State Social House",
        "The Attic Room",
        "8782 W. Sunset Boulevard",
        "West Hollywood, CA 90069",
        "Residents only",
    ):
        assert fact in page
    map_link = "https://www.google.com/maps/search/?api=1&amp;query=State+Social+House%2C+8782+W.+Sunset+Boulevard%2C+West+Hollywood%2C+CA+90069"
    assert f'href="{map_link}"' in response.get_data(as_text=True)


def test_description_is_markdown_and_cannot_carry_script(app, client):
    description = (
        "**What to expect**\n\n- Meet fellow residents\n- Talk with faculty\n\n"
        '<script>alert("owned")</script>\n\n'
        '[Tickets](javascript:alert(1)) and <a href="javascript:alert(2)">more</a> <img src=x onerror=alert(3)>\n\n'
        "[Society site](https://example.org/society)\n"
    )
    slug = new_event(app, description=description)
    html = client.get(f"/e/{slug}").get_data(as_text=True)
    assert "<strong>What to expect</strong>" in html
    assert "<li>Meet fellow residents</li>" in html and "<li>Talk with faculty</li>" in html
    assert re.search(r'<a href="https://example.org/society"[^>]*>Society site</a>', html)
    lowered = html.lower()
    # The page's own scripts come from /static; nothing of the description runs.
    assert "<script>" not in lowered and "owned" not in lowered
    assert all(tag.startswith('<script src="/static/') for tag in re.findall(r"<script[^>]*>", lowered))
    assert 'href="javascript' not in lowered and "onerror" not in lowered


def three_guests_and_one_who_cancelled(event):
    for _ in range(3):
        make_rsvp(event)
    rsvps.cancel_rsvp(make_rsvp(event))


@pytest.mark.parametrize(
    ("settings", "arrange", "expected", "form_shown"),
    [
        (dict(capacity=10), three_guests_and_one_who_cancelled, ["7 spots left"], True),
        (dict(capacity=2), lambda e: make_rsvp(e), ["1 spot left"], True),
        (dict(capacity=1), lambda e: make_rsvp(e), ["Join the waitlist", "The event is full"], True),
        (
            dict(capacity=1, waitlist_enabled=False),
            lambda e: make_rsvp(e),
            ["RSVPs closed", "Sorry, this event is full."],
            False,
        ),
        (
            dict(rsvp_deadline=utcnow() - dt.timedelta(hours=1)),
            None,
            ["RSVPs closed", "The RSVP deadline has passed."],
            False,
        ),
        (dict(status=EventStatus.CANCELLED), None, ["This event has been cancelled", "RSVPs closed"], False),
    ],
    ids=["spots-left", "one-spot-left", "waitlist", "full", "deadline-passed", "cancelled"],
)
def test_event_page_shows_whether_places_remain(app, client, settings, arrange, expected, form_shown):
    with db_session(app):
        event = make_event(**settings)
        if arrange:
            arrange(event)
        slug = event.slug
    response = client.get(f"/e/{slug}")
    page = text(response)
    assert response.status_code == 200
    for words in expected:
        assert words in page
    assert ('name="email"' in response.get_data(as_text=True)) is form_shown


def test_event_page_form_follows_the_organizers_changes(app, client):
    """The blank form is rendered once per event version: switching the guest list off (or on)
    shows at once, and each visitor still gets their own CSRF token."""
    slug = new_event(app)
    first = client.get(f"/e/{slug}").get_data(as_text=True)
    assert "Who's coming" in page_text(first) and 'name="in_directory"' in first
    with db_session(app):
        get_event(slug).directory_enabled = False
    second = client.get(f"/e/{slug}").get_data(as_text=True)
    assert "Who's coming" not in page_text(second) and 'name="in_directory"' not in second
    assert 'name="first_name"' in second and 'name="share_contact"' in second
    with db_session(app):
        get_event(slug).directory_enabled = True
    assert 'name="in_directory"' in client.get(f"/e/{slug}").get_data(as_text=True)
    other = app.test_client().get(f"/e/{slug}").get_data(as_text=True)
    assert csrf_token(other) != csrf_token(first)


def test_draft_event_does_not_exist_for_the_public(app, client):
    slug = new_event(app, title="Secret Draft", status=EventStatus.DRAFT)
    for url in (f"/e/{slug}", f"/e/{slug}/check-inbox"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in text(response) and "Secret Draft" not in text(response)


# RSVP ---------------------------------------------------------------------------------------


def test_rsvp_confirms_and_asks_the_guest_to_check_their_inbox(app, client, mailbox):
    slug = new_event(app)
    response = rsvp_on_web(client, slug, first_name="María", last_name="López", email="maria@example.org")
    assert response.status_code == 302 and response.headers["Location"] == f"/e/{slug}/check-inbox"
    page = text(client.get(response.headers["Location"]))
    assert "Check your inbox" in page and "maria@example.org" in page
    with db_session(app):
        rsvp = get_rsvp("maria@example.org")
        assert (rsvp.status, rsvp.first_name, rsvp.last_name) == (RsvpStatus.CONFIRMED, "María", "López")
        title = rsvp.event.title
    deliver(app)
    assert subjects(mailbox, "maria@example.org") == [f"You're confirmed: {title}"]


def test_rsvp_errors_sit_next_to_their_fields_and_keep_what_was_typed(app, client):
    slug = new_event(app)
    typed = guest_fields(
        first_name="",
        last_name="López",
        email="not-an-address",
        institution="Harbor-UCLA Medical Center",
        training_level="",
        pronouns="she/her",
        dietary_notes="No peanuts, please",
    )
    response = post_form(client, f"/e/{slug}", typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    messages = {
        "first_name": "Please enter your first name.",
        "email": "That doesn't look like an e-mail address.",
        "training_level": "Please choose your training level.",
    }
    for name, message in messages.items():
        assert message in field_box(html, name)
        assert page_text(html).count(message) == 1  # next to the field only, not repeated in a banner
    assert "Please enter your last name." not in html
    values = form_values(html)
    for name in ("last_name", "email", "institution", "pronouns", "dietary_notes"):
        assert values[name] == typed[name]
    with db_session(app):
        assert rsvp_count() == 0


def test_same_address_again_saves_no_second_rsvp_and_resends_the_link(app, mailbox):
    slug = new_event(app)
    first = rsvp_on_web(app.test_client(), slug, first_name="Maria", email="maria@example.org")
    again = rsvp_on_web(app.test_client(), slug, first_name="Impostor", email="maria@example.org")
    assert (first.status_code, first.headers["Location"]) == (again.status_code, again.headers["Location"])
    with db_session(app):
        rsvp = get_rsvp("maria@example.org")
        assert rsvp_count() == 1 and rsvp.first_name == "Maria"
        expected_link = f"{app.config['BASE_URL']}/r/{rsvp.manage_token}"
        title = rsvp.event.title
    deliver(app)
    received = mailbox.to("maria@example.org")
    assert [m["Subject"] for m in received] == [f"You're confirmed: {title}", f"Your RSVP link: {title}"]
    assert [manage_link(m, app.config["BASE_URL"]) for m in received] == [expected_link, expected_link]


def test_known_address_page_is_byte_for_byte_the_new_address_page(app):
    slug = new_event(app)
    new_client, known_client = app.test_client(), app.test_client()
    new = rsvp_on_web(new_client, slug, email="same@example.org")
    known = rsvp_on_web(known_client, slug, email="same@example.org")
    assert (new.status_code, new.headers["Location"]) == (known.status_code, known.headers["Location"])
    new_page = new_client.get(new.headers["Location"])
    known_page = known_client.get(known.headers["Location"])
    assert new_page.status_code == known_page.status_code == 200
    assert new_page.get_data() == known_page.get_data()
    with db_session(app):
        assert rsvp_count() == 1


def test_full_event_waitlists_the_guest_and_shows_their_place(app, client, mailbox):
    with db_session(app):
        event = make_event(capacity=1)
        make_rsvp(event)
        make_rsvp(event)
        slug = event.slug
    assert "Join the waitlist" in text(client.get(f"/e/{slug}"))
    assert rsvp_on_web(client, slug, email="third@example.org").status_code == 302
    deliver(app)
    [message] = mailbox.to("third@example.org")
    assert message["Subject"].startswith("You're on the waitlist")
    page = text(client.get(path(manage_link(message, app.config["BASE_URL"]))))
    assert "You're on the waitlist: #2" in page
    with db_session(app):
        assert get_rsvp("third@example.org").status == RsvpStatus.WAITLISTED


@pytest.mark.parametrize(
    ("close", "message"),
    [
        # Filled up meanwhile: the same "check your inbox" as for a known address, and the e-mail
        # says it is full (tests/web/test_rsvp_limits.py, issue 12.5).
        (lambda e: setattr(e, "rsvp_deadline", utcnow() - dt.timedelta(minutes=1)), "The RSVP deadline has passed."),
        (lambda e: setattr(e, "status", EventStatus.CANCELLED), "This event was cancelled."),
    ],
    ids=["deadline-passed", "cancelled"],
)
def test_rsvp_refused_when_the_event_closed_after_the_form_was_opened(app, client, close, message):
    slug = new_event(app, capacity=1, waitlist_enabled=False)
    token = csrf_token(client.get(f"/e/{slug}").get_data(as_text=True))
    with db_session(app):
        close(get_event(slug))
    response = client.post(f"/e/{slug}", data={**guest_fields(email="late@example.org"), "csrf_token": token})
    assert response.status_code == 422
    page = text(response)
    assert "RSVPs closed" in page and message in page
    with db_session(app):
        assert get_rsvp("late@example.org") is None


def test_rsvp_to_an_event_taken_back_to_draft_is_refused(app, client):
    slug = new_event(app)
    token = csrf_token(client.get(f"/e/{slug}").get_data(as_text=True))
    with db_session(app):
        get_event(slug).status = EventStatus.DRAFT
    response = client.post(f"/e/{slug}", data={**guest_fields(email="early@example.org"), "csrf_token": token})
    assert response.status_code == 404 and "Page not found" in text(response)
    with db_session(app):
        assert get_rsvp("early@example.org") is None


def test_honeypot_saves_nothing_and_looks_like_success(app, mailbox):
    slug = new_event(app)
    bot, person = app.test_client(), app.test_client()
    trapped = post_form(bot, f"/e/{slug}", guest_fields(email="x@example.org", website="http://spam.example"))
    with db_session(app):
        assert rsvp_count() == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    real = rsvp_on_web(person, slug, email="x@example.org")
    assert (trapped.status_code, trapped.headers["Location"]) == (real.status_code, real.headers["Location"])
    assert bot.get(trapped.headers["Location"]).get_data() == person.get(real.headers["Location"]).get_data()
    deliver(app)
    assert len(mailbox.to("x@example.org")) == 1


# E-mail and calendar ------------------------------------------------------------------------


def test_confirmation_email_carries_status_details_link_and_calendar(app, client, mailbox):
    start, end = next_year_evening()
    summary = "Meet fellow residents, faculty and innovative vendors over food and drinks."
    slug = new_event(app, local_start=start, local_end=end, summary=summary, audience_note="Residents only")
    rsvp_on_web(client, slug, first_name="Maria", email="maria@example.org")
    deliver(app)
    [message] = mailbox.to("maria@example.org")
    with db_session(app):
        rsvp = get_rsvp("maria@example.org")
        token, title = rsvp.manage_token, rsvp.event.title
    base = app.config["BASE_URL"]
    when = f"{start:%A}, September 12, {start.year} · 7:30–9:00 PM PDT"
    plain, html = text_body(message), html_body(message)
    assert message["Subject"] == f"You're confirmed: {title}"
    assert "Confirmed" in plain and when in plain and title in plain
    assert "State Social House, The Attic Room, 8782 W. Sunset Boulevard, West Hollywood, CA 90069" in plain
    assert manage_link(message, base) == f"{base}/r/{token}"
    assert "Confirmed" in html and when in html and f'href="{base}/r/{token}"' in html
    files = attachments(message)
    assert list(files) == ["event.ics"]
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert_calendar(files["event.ics"], url=f"{base}/e/{slug}", start=start, end=end)


def test_calendar_file_downloads_from_the_manage_link(app, client):
    start, end = next_year_evening(12, 5)
    with db_session(app):
        event = make_event(local_start=start, local_end=end, summary="Meet fellow residents over drinks.")
        token, slug = make_rsvp(event).manage_token, event.slug
    response = client.get(f"/r/{token}/event.ics", base_url="http://evil.example")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}.ics"'
    data = response.get_data()
    assert f"DTSTART;TZID=America/Los_Angeles:{start:%Y%m%dT193000}" in data.decode()  # winter: PST
    assert_calendar(data, url=f"{app.config['BASE_URL']}/e/{slug}", start=start, end=end)


def test_email_links_come_from_base_url_not_the_request_host(app, client, mailbox):
    slug = new_event(app)
    evil = "http://evil.example"
    form_page = client.get(f"/e/{slug}", base_url=evil).get_data(as_text=True)
    data = {**guest_fields(email="host@example.org"), "csrf_token": csrf_token(form_page)}
    assert client.post(f"/e/{slug}", data=data, base_url=evil).status_code == 302
    deliver(app)
    [message] = mailbox.to("host@example.org")
    base = app.config["BASE_URL"]
    with db_session(app):
        token = get_rsvp("host@example.org").manage_token
    ics = attachments(message)["event.ics"].decode()
    for body in (text_body(message), html_body(message), ics, message["Message-ID"]):
        assert "evil.example" not in body
    assert manage_link(message, base) == f"{base}/r/{token}"
    assert f"{base}/e/{slug}" in ics


# Manage link --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "ahead", "expected"),
    [
        (dict(), 0, "You're confirmed"),
        (dict(capacity=1), 2, "You're on the waitlist: #2"),
        (dict(requires_approval=True), 0, "Awaiting approval"),
    ],
    ids=["confirmed", "waitlisted", "pending"],
)
def test_manage_page_shows_the_guests_status(app, client, settings, ahead, expected):
    with db_session(app):
        event = make_event(**settings)
        for _ in range(ahead):
            make_rsvp(event)
        token = make_rsvp(event, first_name="Maria").manage_token
        title = event.title
    page = text(client.get(f"/r/{token}"))
    assert expected in page and title in page and "State Social House" in page


def test_guest_edits_details_and_keeps_the_badge_code(app, client):
    with db_session(app):
        rsvp = make_rsvp(make_event(), first_name="Maria", email="maria@example.org")
        token, code = rsvp.manage_token, rsvp.ticket_code
    details = dict(
        first_name="María",
        last_name="López",
        badge_name="Dr. López",
        pronouns="she/her",
        institution="Cedars-Sinai Orthopaedics",
        training_level="pgy3",
        dietary_notes="Vegetarian",
        accessibility_notes="",
    )
    response = post_form(client, f"/r/{token}", details)
    assert response.status_code == 302 and response.headers["Location"] == f"/r/{token}?saved=1"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your details were saved." in page_text(html)
    assert {k: form_values(html)[k] for k in details} == details
    with db_session(app):
        rsvp = get_rsvp("maria@example.org")
        assert (rsvp.badge_name, rsvp.training_level, rsvp.ticket_code) == ("Dr. López", "pgy3", code)
        last = db.session.scalars(
            sa.select(RsvpChange).where(RsvpChange.rsvp_id == rsvp.id).order_by(RsvpChange.id.desc())
        ).first()
        assert last.action == RsvpAction.EDITED


def test_edit_errors_sit_next_to_their_fields(app, client):
    with db_session(app):
        token = make_rsvp(make_event(), first_name="Maria", email="maria@example.org").manage_token
    typed = dict(first_name="", last_name="López", badge_name="Typed Badge", institution="", training_level="pgy3")
    response = post_form(client, f"/r/{token}", typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please enter your first name." in field_box(html, "first_name")
    assert "Please tell us your institution or program." in field_box(html, "institution")
    assert form_values(html)["badge_name"] == "Typed Badge"
    with db_session(app):
        rsvp = get_rsvp("maria@example.org")
        assert (rsvp.first_name, rsvp.badge_name) == ("Maria", "")


def test_cancel_asks_first_then_cancels_once(app, client, mailbox):
    with db_session(app):
        rsvp = make_rsvp(make_event(), email="maria@example.org")
        token, title = rsvp.manage_token, rsvp.event.title
    confirm = client.get(f"/r/{token}/cancel")
    assert confirm.status_code == 200 and "Cancel your RSVP?" in text(confirm)
    with db_session(app):
        assert get_rsvp("maria@example.org").status == RsvpStatus.CONFIRMED
    form = {"csrf_token": csrf_token(confirm.get_data(as_text=True))}
    for _ in range(2):  # a double click or a reload of the POST
        response = client.post(f"/r/{token}/cancel", data=form)
        assert response.status_code == 302 and response.headers["Location"] == f"/r/{token}"
    assert "Your RSVP is cancelled" in text(client.get(f"/r/{token}"))
    assert "Already cancelled" in text(client.get(f"/r/{token}/cancel"))
    with db_session(app):
        rsvp = get_rsvp("maria@example.org")
        actions = db.session.scalars(sa.select(RsvpChange.action).where(RsvpChange.rsvp_id == rsvp.id)).all()
        assert rsvp.status == RsvpStatus.CANCELLED and actions.count(RsvpAction.CANCELLED) == 1
    deliver(app)
    assert subjects(mailbox, "maria@example.org") == [f"You're confirmed: {title}", f"Your RSVP is cancelled: {title}"]


def test_unknown_manage_link_is_one_friendly_404_for_every_wrong_token(app, client):
    with db_session(app):
        real = make_rsvp(make_event()).manage_token
    near_miss = real[:-1] + ("A" if real[-1] != "A" else "B")
    bodies = set()
    for token in ("not-a-real-token", near_miss, "x" * 200):
        response = client.get(f"/r/{token}")
        assert response.status_code == 404
        bodies.add(response.get_data().replace(response.headers["X-Request-Id"].encode(), b"<request id>"))
        for action in ("cancel", "claim", "event.ics"):
            assert client.get(f"/r/{token}/{action}").status_code == 404
    assert len(bodies) == 1
    page = page_text(bodies.pop().decode())
    assert "This link doesn't match any RSVP" in page and "Resident Networking" in page


# Waitlist offers ----------------------------------------------------------------------------


def test_waitlist_offer_journey(app, mailbox):
    slug = new_event(app, capacity=1, claim_window_hours=24)
    base = app.config["BASE_URL"]
    alice, bob = app.test_client(), app.test_client()
    rsvp_on_web(alice, slug, email="alice@example.org")
    rsvp_on_web(bob, slug, email="bob@example.org")
    deliver(app)
    alice_link = path(manage_link(mailbox.to("alice@example.org")[0], base))
    bob_link = path(manage_link(mailbox.to("bob@example.org")[0], base))
    assert "You're on the waitlist: #1" in text(bob.get(bob_link))

    assert post_form(alice, f"{alice_link}/cancel", {}).status_code == 302
    deliver(app)
    [_, offer] = mailbox.to("bob@example.org")
    assert offer["Subject"].startswith("A spot opened up")
    claim_link = re.search(re.escape(base) + r"/r/[\w-]+/claim", text_body(offer)).group(0)
    assert claim_link == f"{base}{bob_link}/claim" and f'href="{claim_link}"' in html_body(offer)
    assert mailbox.to("alice@example.org")[-1]["Subject"].startswith("Your RSVP is cancelled")

    claim_page = bob.get(path(claim_link))
    assert claim_page.status_code == 200 and "Claim my spot" in text(claim_page)
    with db_session(app):
        assert get_rsvp("bob@example.org").status == RsvpStatus.OFFERED
    response = post_form(bob, path(claim_link), {})
    assert response.status_code == 302 and response.headers["Location"] == bob_link
    assert "You're confirmed" in text(bob.get(bob_link))
    with db_session(app):
        assert get_rsvp("bob@example.org").status == RsvpStatus.CONFIRMED
    deliver(app)
    confirmed = mailbox.to("bob@example.org")[-1]
    assert confirmed["Subject"].startswith("You're confirmed") and "event.ics" in attachments(confirmed)


@pytest.mark.parametrize("who", ["waitlisted", "confirmed"])
def test_claim_link_without_an_open_offer_changes_nothing(app, client, who):
    with db_session(app):
        event = make_event(capacity=1)
        tokens = {"confirmed": make_rsvp(event, email="holder@example.org").manage_token}
        tokens["waitlisted"] = make_rsvp(event, email="waiting@example.org").manage_token
    response = post_form(client, f"/r/{tokens[who]}/claim", {}, page=f"/r/{tokens[who]}")
    assert "There is no open offer on this RSVP." in text(response)
    with db_session(app):
        assert get_rsvp("holder@example.org").status == RsvpStatus.CONFIRMED
        assert get_rsvp("waiting@example.org").status == RsvpStatus.WAITLISTED


def offered_then_lapsed(app) -> str:
    """Capacity 1: a keeper who cancels, first@ offered a spot whose window has passed, second@ queued."""
    with db_session(app):
        event = make_event(capacity=1, claim_window_hours=24)
        keeper = make_rsvp(event)
        make_rsvp(event, email="first@example.org")
        make_rsvp(event, email="second@example.org")
        rsvps.cancel_rsvp(keeper)
        slug = event.slug
    with db_session(app):
        first = get_rsvp("first@example.org")
        assert first.status == RsvpStatus.OFFERED
        first.offer_expires_at = utcnow() - dt.timedelta(minutes=1)
    return slug


def test_lapsed_offer_passes_on_when_the_event_page_is_viewed(app, client, mailbox):
    slug = offered_then_lapsed(app)
    deliver(app)
    mailbox.clear()
    assert client.get(f"/e/{slug}").status_code == 200
    with db_session(app):
        assert get_rsvp("first@example.org").status == RsvpStatus.CANCELLED
        second = get_rsvp("second@example.org")
        assert second.status == RsvpStatus.OFFERED and second.offer_expires_at > utcnow()
    deliver(app)
    assert [s.split(":")[0] for s in subjects(mailbox, "first@example.org")] == ["Your offered spot has expired"]
    assert [s.split(":")[0] for s in subjects(mailbox, "second@example.org")] == ["A spot opened up"]


def test_claiming_a_lapsed_offer_is_refused_and_the_spot_moves_on(app, client):
    slug = new_event(app, capacity=1)
    with db_session(app):
        event = get_event(slug)
        keeper = make_rsvp(event)
        token = make_rsvp(event, email="first@example.org").manage_token
        make_rsvp(event, email="second@example.org")
        rsvps.cancel_rsvp(keeper)
    form_page = client.get(f"/r/{token}/claim").get_data(as_text=True)
    with db_session(app):
        get_rsvp("first@example.org").offer_expires_at = utcnow() - dt.timedelta(minutes=1)
    response = client.post(f"/r/{token}/claim", data={"csrf_token": csrf_token(form_page)})
    assert "Sorry, this offer has expired and the spot went to the next guest." in text(response)
    with db_session(app):
        assert get_rsvp("first@example.org").status == RsvpStatus.CANCELLED
        assert get_rsvp("second@example.org").status == RsvpStatus.OFFERED


def test_jobs_run_expires_lapsed_offers_once(app, runner, mailbox):
    offered_then_lapsed(app)
    first = runner.invoke(args=["jobs", "run"])
    assert first.exit_code == 0 and "offers expired: 1" in first.output
    with db_session(app):
        assert get_rsvp("first@example.org").status == RsvpStatus.CANCELLED
        assert get_rsvp("second@example.org").status == RsvpStatus.OFFERED
    assert subjects(mailbox, "second@example.org")[-1].startswith("A spot opened up")
    received = len(mailbox.messages)
    again = runner.invoke(args=["jobs", "run"])
    assert again.exit_code == 0 and "offers expired: 0; e-mails sent: 0" in again.output
    assert len(mailbox.messages) == received


def test_guest_leaves_the_waitlist_from_the_manage_page(app, client):
    with db_session(app):
        event = make_event(capacity=1)
        make_rsvp(event)
        leaver = make_rsvp(event, email="leaver@example.org").manage_token
        stayer = make_rsvp(event, email="stayer@example.org").manage_token
    manage = client.get(f"/r/{leaver}").get_data(as_text=True)
    assert f'href="/r/{leaver}/cancel"' in manage and "Leave the waitlist" in page_text(manage)
    assert "Leave the waitlist?" in text(client.get(f"/r/{leaver}/cancel"))
    assert post_form(client, f"/r/{leaver}/cancel", {}).status_code == 302
    with db_session(app):
        rsvp = get_rsvp("leaver@example.org")
        last = db.session.scalars(sa.select(RsvpChange.action).where(RsvpChange.rsvp_id == rsvp.id)).all()[-1]
        assert rsvp.status == RsvpStatus.CANCELLED and last == RsvpAction.LEFT_WAITLIST
    assert "You're on the waitlist: #1" in text(client.get(f"/r/{stayer}"))


# Errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("rsvp", guest_fields(email="nocsrf@example.org")),
        ("edit", dict(first_name="Changed", last_name="Resident", institution="UCLA", training_level="pgy2")),
        ("cancel", {}),
    ],
)
def test_post_without_csrf_token_is_refused_and_saves_nothing(app, client, action, data):
    with db_session(app):
        event = make_event()
        token = make_rsvp(event, first_name="Maria", email="maria@example.org").manage_token
        slug = event.slug
    url = {"rsvp": f"/e/{slug}", "edit": f"/r/{token}", "cancel": f"/r/{token}/cancel"}[action]
    response = client.post(url, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form had expired" in page_text(html) and 'class="site-header"' in html
    with db_session(app):
        rsvp = get_rsvp("maria@example.org")
        assert rsvp_count() == 1 and (rsvp.status, rsvp.first_name) == (RsvpStatus.CONFIRMED, "Maria")


def test_missing_page_is_a_404_in_the_site_style(client):
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'class="site-header"' in html and 'href="/static/css/app.css"' in html
    assert "Page not found" in page_text(html) and "See upcoming events" in page_text(html)


def test_an_unlisted_event_is_not_on_the_list_but_its_link_works(app, client, admin):
    """Issue 15: an unlisted evening is reached only by its link (and asks search engines to
    stay away); the organizer turns it on and off in the event's settings."""
    with db_session(app):
        hidden = make_event(title="Invitation Evening", listed=False)
        shown = make_event(title="Open Evening")
        hidden_slug, hidden_id = hidden.slug, hidden.id
        assert shown.listed
    index = page_text(client.get("/").get_data(as_text=True))
    assert "Open Evening" in index and "Invitation Evening" not in index
    page = client.get(f"/e/{hidden_slug}").get_data(as_text=True)
    assert '<meta name="robots" content="noindex">' in page and "Invitation Evening" in page_text(page)
    form = admin.get(f"/admin/events/{hidden_id}/edit").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="listed"[^>]*>', form).group(0)
    assert "Listed on the events page" in page_text(form) and "checked" not in box
