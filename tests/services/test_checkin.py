"""Door check-in called directly: verdicts, every scan recorded, nonces, undo, door links, races."""

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, DoorLink, Event, EventStatus, RsvpStatus, utcnow
from eventsite.services import DomainError, checkin, doors, rsvps
from eventsite.services.checkin import scanning
from eventsite.services.links import base_url
from factories import make_event, make_rsvp


def scans(event) -> list[CheckIn]:
    return list(db.session.scalars(sa.select(CheckIn).where(CheckIn.event_id == event.id).order_by(CheckIn.id)))


def test_confirmed_guest_is_admitted_by_url_or_bare_code_and_second_scan_is_amber(app_ctx):
    event = make_event()
    guest = make_rsvp(event, badge_name="Mo", dietary_notes="vegan", accessibility_notes="step-free")
    door = doors.create_door_link(event, label="Door 2")
    db.session.commit()

    first = checkin.check_in(event, f"{base_url()}/b/{guest.ticket_code}", door=door, nonce="n1")
    db.session.commit()
    assert (first.result, first.colour, first.reason) == ("admitted", "green", "")
    assert (
        first.guest.name == "Mo"
        and first.guest.institution == "UCLA Orthopaedic Surgery"
        and first.guest.level == "PGY-2"
    )
    assert (first.guest.dietary_notes, first.guest.accessibility_notes) == ("vegan", "step-free")

    again = checkin.check_in(event, f"  {guest.ticket_code.upper()}\n", nonce="n2")
    db.session.commit()
    assert (again.result, again.colour, again.reason) == ("rejected", "amber", "already_checked_in")
    assert again.previous_at == first.scanned_at and again.previous_door == "Door 2"
    rows = scans(event)
    assert [(r.result, r.reason, r.door, r.door_link_id) for r in rows] == [
        (CheckInResult.ADMITTED, "", "Door 2", door.id),
        (CheckInResult.REJECTED, "already_checked_in", "Organizer", None),
    ]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (RsvpStatus.CANCELLED, "cancelled"),
        (RsvpStatus.WAITLISTED, "waitlisted"),
        (RsvpStatus.PENDING, "pending"),
        (RsvpStatus.OFFERED, "offered"),
        (RsvpStatus.DECLINED, "declined"),
    ],
)
def test_guests_without_a_confirmed_place_are_red_and_recorded(app_ctx, status, reason):
    event = make_event()
    guest = make_rsvp(event)
    guest.status = status
    db.session.commit()
    verdict = checkin.check_in(event, guest.ticket_code, nonce="x")
    db.session.commit()
    assert (verdict.colour, verdict.reason) == ("red", reason)
    assert verdict.message  # says what to do next
    assert [(r.result, r.reason, r.rsvp_id) for r in scans(event)] == [(CheckInResult.REJECTED, reason, guest.id)]


def test_cancelled_rsvp_through_the_service_is_red(app_ctx):
    event = make_event()
    guest = make_rsvp(event)
    rsvps.cancel_rsvp(guest)
    db.session.commit()
    assert checkin.check_in(event, guest.ticket_code).reason == "cancelled"


@pytest.mark.parametrize(
    "scanned",
    ["", "   ", "hello", "a" * 32, "https://evil.example/b/" + "a" * 32, "x" * 5000, "\x00\ud800", "/b/"],
)
def test_unknown_codes_are_red_and_recorded_without_a_guest(app_ctx, scanned):
    event = make_event()
    make_rsvp(event)
    db.session.commit()
    verdict = checkin.check_in(event, scanned)
    db.session.commit()
    assert (verdict.colour, verdict.reason, verdict.guest) == ("red", "unknown_code", None)
    assert [(r.reason, r.rsvp_id) for r in scans(event)] == [("unknown_code", None)]


def test_another_events_badge_reveals_nothing_about_that_guest(app_ctx):
    event, other = make_event(), make_event()
    stranger = make_rsvp(other, first_name="Secret", badge_name="Secret")
    db.session.commit()
    verdict = checkin.check_in(event, f"{base_url()}/b/{stranger.ticket_code}")
    db.session.commit()
    assert (verdict.colour, verdict.reason, verdict.guest) == ("red", "wrong_event", None)
    assert "Secret" not in repr(verdict)
    assert [(r.reason, r.rsvp_id) for r in scans(event)] == [("wrong_event", None)]
    assert scans(other) == []
    assert all(s.name == "" for s in checkin.door_stats(event).last_scans)


def test_cancelled_event_admits_nobody(app_ctx):
    event = make_event()
    guest = make_rsvp(event)
    event.status = EventStatus.CANCELLED
    db.session.commit()
    assert checkin.check_in(event, guest.ticket_code).reason == "event_cancelled"


def test_same_nonce_returns_the_first_verdict_and_records_nothing_new(app_ctx):
    event = make_event()
    guest = make_rsvp(event)
    db.session.commit()
    first = checkin.check_in(event, guest.ticket_code, nonce="phone-1-0001")
    db.session.commit()
    again = checkin.check_in(event, guest.ticket_code, nonce="phone-1-0001")
    db.session.commit()
    assert again.replayed and (again.result, again.check_in_id) == ("admitted", first.check_in_id)
    red = checkin.check_in(event, "junk", nonce="phone-1-0002")
    db.session.commit()
    assert checkin.check_in(event, "junk", nonce="phone-1-0002").check_in_id == red.check_in_id
    assert len(scans(event)) == 2
    with pytest.raises(DomainError) as err:
        checkin.check_in(make_event(), guest.ticket_code, nonce="phone-1-0001")
    assert err.value.code == "nonce_reused"
    with pytest.raises(DomainError) as err:
        checkin.check_in(event, guest.ticket_code, nonce="n" * 65)
    assert err.value.code == "bad_nonce"


def test_device_time_is_kept_and_received_time_is_ours(app_ctx):
    event = make_event()
    guest = make_rsvp(event)
    db.session.commit()
    now = utcnow()
    earlier = now - dt.timedelta(minutes=20)
    checkin.check_in(event, guest.ticket_code, scanned_at=earlier, now=now)
    db.session.commit()
    [row] = scans(event)
    assert row.scanned_at == earlier.replace(microsecond=row.scanned_at.microsecond) or row.scanned_at == earlier
    assert row.received_at >= row.scanned_at
    with pytest.raises(DomainError):
        checkin.check_in(event, guest.ticket_code, scanned_at=dt.datetime(2026, 1, 1))


def test_undo_lets_the_guest_in_again_and_only_at_the_same_door(app_ctx):
    event = make_event()
    guest = make_rsvp(event)
    door1, door2 = doors.create_door_link(event, label="Door 1"), doors.create_door_link(event, label="Door 2")
    db.session.commit()
    first = checkin.check_in(event, guest.ticket_code, door=door1)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        checkin.undo_check_in(event, first.check_in_id, door=door2)
    assert err.value.code == "not_found"
    checkin.undo_check_in(event, first.check_in_id, door=door1)
    db.session.commit()
    assert checkin.door_stats(event).checked_in == 0
    assert checkin.check_in(event, guest.ticket_code, door=door2).colour == "green"
    db.session.commit()
    red = checkin.check_in(event, "junk", door=door2)
    with pytest.raises(DomainError) as err:
        checkin.undo_check_in(event, red.check_in_id, door=door2)
    assert err.value.code == "not_admitted"


def test_door_link_window_pin_and_revoke(app_ctx):
    event = make_event()
    db.session.commit()
    link = doors.create_door_link(event, label="  Door   1 ", pin="4321")
    db.session.commit()
    assert link.label == "Door 1" and link.pin_hash and "4321" not in link.pin_hash
    assert (link.valid_from, link.valid_until) == (
        event.starts_at - dt.timedelta(hours=2),
        event.ends_at + dt.timedelta(hours=2),
    )
    assert doors.check_pin(link, "4321") and not doors.check_pin(link, "1234") and not doors.check_pin(link, None)
    assert doors.door_url(link) == f"{base_url()}/door/{link.token}"
    with pytest.raises(DomainError) as err:
        doors.open_door_link(link.token, now=utcnow())  # event is 30 days ahead
    assert err.value.code == "door_not_yet_open"
    during = event.starts_at
    assert doors.open_door_link(link.token, now=during).id == link.id
    with pytest.raises(DomainError) as err:
        doors.open_door_link(link.token, now=link.valid_until)
    assert err.value.code == "door_expired"
    doors.revoke_door_link(link)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        doors.open_door_link(link.token, now=during)
    assert err.value.code == "door_revoked"
    with pytest.raises(DomainError) as err:
        doors.open_door_link(link.token[:-1] + "?", now=during)
    assert err.value.code == "door_not_found"
    for kwargs, code in [
        ({"label": ""}, "bad_label"),
        ({"label": "D", "pin": "12"}, "bad_pin"),
        ({"label": "D", "pin": "abcd"}, "bad_pin"),
    ]:
        with pytest.raises(DomainError) as err:
            doors.create_door_link(event, **kwargs)
        assert err.value.code == code
    with pytest.raises(DomainError) as err:
        doors.create_door_link(event, label="D", valid_from=event.ends_at, valid_until=event.starts_at)
    assert err.value.code == "bad_window"


def test_search_by_name_only_and_at_least_three_letters(app_ctx):
    event, other = make_event(), make_event()
    make_rsvp(event, first_name="Zoë", last_name="Alvarez", email="zoe@example.org")
    make_rsvp(event, first_name="Sam", last_name="Lee", badge_name="Sammy")
    make_rsvp(other, first_name="Zoë", last_name="Other")
    db.session.commit()
    assert [h.guest.full_name for h in checkin.search_guests(event, "ZOË")] == ["Zoë Alvarez"]
    assert [h.guest.name for h in checkin.search_guests(event, "samm")] == ["Sammy"]
    assert checkin.search_guests(event, "example.org") == []  # never searches e-mails
    assert checkin.search_guests(event, "100%") == []
    with pytest.raises(DomainError) as err:
        checkin.search_guests(event, " zo ")
    assert err.value.code == "query_too_short"


def test_door_stats(app_ctx):
    event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
    guests = [make_rsvp(event) for _ in range(3)]
    walk_in = make_rsvp(event)
    walk_in.source = "walk_in"
    door = doors.create_door_link(event, label="Door 1")
    db.session.commit()
    for g in [*guests[:2], walk_in]:
        checkin.check_in(event, g.ticket_code, door=door)
    checkin.check_in(event, "junk", door=door)
    db.session.commit()
    stats = checkin.door_stats(event)
    assert (stats.checked_in, stats.confirmed, stats.walk_ins) == (3, 4, 1)
    assert sum(n for _, n in stats.per_quarter) == 3
    assert [s.reason for s in stats.last_scans] == ["unknown_code", "", "", ""]


@pytest.mark.slow
def test_ten_doors_scanning_one_badge_at_once_admit_it_once(app):
    """Ten threads, each its own app context, session and transaction, released together."""
    with app.app_context(), writing():
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        guest = make_rsvp(event)
        links = [doors.create_door_link(event, label=f"Door {i}") for i in range(10)]
        db.session.commit()
        event_id, code, door_ids = event.id, guest.ticket_code, [d.id for d in links]
        db.session.remove()

    barrier = threading.Barrier(10, timeout=20)
    results: list = [None] * 10

    def scan(i: int) -> None:
        try:
            with app.app_context(), writing():
                barrier.wait()  # before the first query: on SQLite that query's BEGIN IMMEDIATE takes the lock
                ev = db.session.get(Event, event_id)
                door = db.session.get(DoorLink, door_ids[i])
                verdict = checkin.check_in(ev, code, door=door, nonce=f"door-{i}")
                db.session.commit()
                results[i] = verdict
                db.session.remove()
        except BaseException as exc:  # reported in the test's thread
            barrier.abort()
            results[i] = exc

    started = time.perf_counter()
    threads = [threading.Thread(target=scan, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.perf_counter() - started
    errors = [r for r in results if not isinstance(r, checkin.Verdict)]
    assert not errors, errors
    assert sorted(r.colour for r in results) == ["amber"] * 9 + ["green"]
    winner = next(r for r in results if r.admitted)
    assert winner.guest is not None and winner.previous_door == ""
    with app.app_context():
        rows = db.session.scalars(sa.select(CheckIn).where(CheckIn.event_id == event_id)).all()
        assert len(rows) == 10
        assert sum(r.result == CheckInResult.ADMITTED for r in rows) == 1
        assert {r.reason for r in rows if r.result == CheckInResult.REJECTED} == {"already_checked_in"}
        assert {r.previous_door for r in results if not r.admitted} == {winner_door(rows)}
        db.session.remove()
    print(f"10 concurrent scans: 1 admitted, 9 already_checked_in in {elapsed * 1000:.0f} ms")


def winner_door(rows) -> str:
    return next(r.door for r in rows if r.result == CheckInResult.ADMITTED)


def test_a_lost_race_is_caught_in_a_savepoint_and_reported_amber(app_ctx, monkeypatch):
    """Both doors saw no admission; the database's partial unique index refuses the second."""
    event = make_event()
    guest = make_rsvp(event)
    db.session.commit()
    checkin.check_in(event, guest.ticket_code, by="Door A")
    monkeypatch.setattr(scanning, "standing_admission_before_insert", lambda rsvp_id: None)
    verdict = checkin.check_in(event, guest.ticket_code, by="Door B", nonce="late")
    db.session.commit()  # the transaction survived the failed insert
    assert (verdict.colour, verdict.previous_door) == ("amber", "Door A")
    assert [(r.result, r.door) for r in scans(event)] == [
        (CheckInResult.ADMITTED, "Door A"),
        (CheckInResult.REJECTED, "Door B"),
    ]
