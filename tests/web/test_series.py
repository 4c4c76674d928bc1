"""Series (issue 17): existing events sit in one series, organizers add more, "Next in series" keeps
an event's series, and the home page lists upcoming events by series and city."""

import datetime as dt
import html
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, EventStatus, Series
from eventsite.services import events, series
from factories import make_event, make_organizer
from helpers import db_session, page_text, post_form, sign_in


def test_every_event_is_in_a_series_and_next_in_series_keeps_it(app_ctx):
    first = make_event(city="Boston")
    assert first.series.name == "Resident Networking Events"
    faculty = series.save("Faculty Dinners", "Evenings for faculty.")
    other = make_event(city="Chicago", series_id=faculty.id)
    start = other.local_starts_at.replace(tzinfo=None) + dt.timedelta(days=60)
    copy = events.copy_event(
        other, title="Next", slug="next-dinner", local_start=start, local_end=start + dt.timedelta(hours=2),
        timezone=other.timezone, venue_name="V", room="", street_address="1 Main", city="Denver", region="CO",
        postal_code="80202",
    )  # fmt: skip
    assert copy.series_id == faculty.id


def test_the_home_page_groups_upcoming_events_by_series_and_city(app, client):
    with db_session(app):
        faculty = series.save("Faculty Dinners")
        make_event(title="Boston evening", city="Boston")
        make_event(title="Second Boston evening", city="Boston", days_ahead=60)
        make_event(title="Chicago dinner", city="Chicago", series_id=faculty.id)
    text = page_text(client.get("/").get_data(as_text=True))
    resident, dinners = text.index("Resident Networking Events"), text.index("Faculty Dinners")
    assert resident < text.index("Boston evening") < text.index("Second Boston evening") < dinners
    assert dinners < text.index("Chicago dinner")
    assert text.count("Boston") >= 3  # the city heading and the two cards


def test_organizers_add_and_rename_series_and_choose_one_for_an_event(app, client):
    with db_session(app):
        make_organizer()
        event_id = make_event().id
    sign_in(client, "organizer@example.org")
    assert post_form(client, "/admin/series", {"new-name": "Faculty Dinners", "new-description": ""}).status_code == 302
    taken = post_form(client, "/admin/series", {"new-name": "faculty dinners"}, page="/admin/series")
    assert taken.status_code == 422 and "already has this name" in page_text(taken.get_data(as_text=True))
    with db_session(app):
        dinners = db.session.scalar(sa.select(Series).where(Series.name == "Faculty Dinners")).id
    page = client.get(f"/admin/events/{event_id}/edit").get_data(as_text=True)
    assert "Faculty Dinners" in page  # a second series makes the choice appear
    with db_session(app):
        assert db.session.get(Event, event_id).series_id != dinners


def khal_list(ics: bytes, workdir, name: str) -> str:
    """What khal, a command-line calendar over a vdir, shows after importing ``ics`` (as a
    subscription sync would write it) for the two years ahead."""
    cal = workdir / "cal"
    cal.mkdir(exist_ok=True)
    for old in cal.iterdir():
        old.unlink()
    for i, component in enumerate(icalendar.Calendar.from_ical(ics).walk("VEVENT")):
        one = icalendar.Calendar()
        one.add("version", "2.0")
        one.add("prodid", "-//test//EN")
        one.add_component(component)
        one.add_missing_timezones()
        (cal / f"{i}.ics").write_bytes(one.to_ical())
    config = workdir / "khal.conf"
    config.write_text(
        f"[calendars]\n[[feed]]\npath = {cal}\ntype = calendar\n[locale]\ntimeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
        "longdatetimeformat = %Y-%m-%d %H:%M\n[default]\ndefault_calendar = feed\n"
    )
    khal = Path(sys.executable).with_name("khal")
    env = {**os.environ, "XDG_DATA_HOME": str(workdir / f"data-{name}"), "TZ": "UTC"}
    done = subprocess.run(
        [khal, "-c", config, "list", "--format", "{start} {title} [{status}]", "today", "730d"],
        capture_output=True, text=True, timeout=60, env=env, check=True,
    )  # fmt: skip
    return done.stdout


def test_the_series_feed_updates_a_subscribed_calendar_when_an_event_moves(app, client, tmp_path):
    with db_session(app):
        boston = make_event(title="Boston evening", city="Boston", timezone="America/New_York")
        make_event(title="Chicago evening", city="Chicago", timezone="America/Chicago")
        make_event(title="Draft evening", city="Boston", status=EventStatus.DRAFT)
        slug, boston_id = boston.series.slug, boston.id
    first = client.get(f"/series/{slug}.ics")
    assert first.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(first.data)
    entries = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(entries) == {"Boston evening", "Chicago evening"}  # never a draft
    uid, sequence = str(entries["Boston evening"]["uid"]), int(entries["Boston evening"]["sequence"])
    before = khal_list(first.data, tmp_path, "before")
    assert "Boston evening" in before and "Chicago evening" in before
    city = icalendar.Calendar.from_ical(client.get(f"/series/{slug}/boston.ics").data)
    assert [str(e["summary"]) for e in city.walk("VEVENT")] == ["Boston evening"]
    assert client.get(f"/series/{slug}/atlantis.ics").status_code == 404

    with db_session(app):
        event = db.session.get(Event, boston_id)
        start = event.local_starts_at.replace(tzinfo=None) + dt.timedelta(days=1, hours=1)
        events.update_event(event, local_start=start, local_end=start + dt.timedelta(hours=2),
                                    timezone=event.timezone, local_deadline=None)  # fmt: skip
        new_start = event.starts_at
    moved = icalendar.Calendar.from_ical(client.get(f"/series/{slug}.ics").data)
    entry = next(e for e in moved.walk("VEVENT") if str(e["summary"]) == "Boston evening")
    assert str(entry["uid"]) == uid and int(entry["sequence"]) > sequence
    assert entry.decoded("dtstart").astimezone(dt.UTC) == new_start
    after = khal_list(client.get(f"/series/{slug}.ics").data, tmp_path, "after")
    line = next(line for line in after.splitlines() if "Boston evening" in line)
    assert new_start.strftime("%H:%M") in line and before.count("Boston evening") == after.count("Boston evening") == 1


def test_the_event_page_offers_add_to_calendar_before_rsvping(app, client):
    with db_session(app):
        event = make_event(title="Boston evening", city="Boston", timezone="America/New_York")
        slug, start = event.slug, event.starts_at
    page = client.get(f"/e/{slug}").get_data(as_text=True)
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', page).group(1)
    query = parse_qs(urlsplit(html.unescape(google)).query)
    assert query["text"] == ["Boston evening"] and query["ctz"] == ["America/New_York"]
    assert query["dates"][0].startswith(start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    assert "outlook.live.com" in page
    ics = client.get(f"/e/{slug}/event.ics?download=1")
    assert ics.mimetype == "text/calendar" and "attachment" in ics.headers["Content-Disposition"]
    assert "Boston evening" in ics.get_data(as_text=True)


def test_a_new_event_starts_from_the_series_latest_event(app_ctx):
    from eventsite.services import categories, feedback, questions

    first = make_event(city="Boston")
    categories.save(first, categories.CategoryFields(name="Medical students", capacity=5, policy=categories.CategoryPolicy.OPEN,
                                                     badge_role=None, badge_label="", training_levels=["medical_student"],
                                                     email_domains="", other_domains_ask=True))  # fmt: skip
    questions.add_question(first, "short_text", questions.QuestionFields(prompt="Your subspecialty interest?"))
    start = first.local_starts_at.replace(tzinfo=None) + dt.timedelta(days=90)
    fields = dict(title="Denver", slug="denver-new", local_start=start, local_end=start + dt.timedelta(hours=2),
                  timezone="America/Denver", venue_name="V", street_address="1 Main", city="Denver")  # fmt: skip
    like = events.create_event(like_series=True, **fields)
    assert "Medical students" in [c.name for c in categories.of_event(like)]
    assert [q.prompt for q in questions.of_event(like)] == ["Your subspecialty interest?"]
    assert [q.key for q in feedback.get_form(like).questions] == [q.key for q in feedback.get_form(first).questions]
    plain = events.create_event(**{**fields, "slug": "denver-plain"})
    assert "Medical students" not in [c.name for c in categories.of_event(plain)]
