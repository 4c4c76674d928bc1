"""Walk-ins at the door: confirmed and admitted at once, even when full; idempotent by nonce."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import CheckIn, Event, OutboxMessage, Rsvp, RsvpStatus, utcnow
from eventsite.services import DomainError, checkin, doors, walk_ins
from factories import make_event, make_rsvp
from helpers import tampered


def outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def test_walk_in_is_confirmed_and_admitted_even_when_the_event_is_full(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    door = doors.create_door_link(event, label="Door 1")
    db.session.commit()
    mails = outbox_count()

    done = walk_ins.register_walk_in(
        event, first_name=" Dana ", last_name="Reyes", training_level="pgy1", nonce="w1", door=door
    )
    db.session.commit()
    rsvp = done.rsvp
    assert (rsvp.status, rsvp.source, rsvp.full_name, rsvp.email) == (RsvpStatus.CONFIRMED, "walk_in", "Dana Reyes", "")
    assert (done.verdict.colour, done.verdict.guest.name, done.verdict.guest.walk_in) == ("green", "Dana", True)
    assert done.over_capacity == (2, 1)
    assert outbox_count() == mails  # no address, no mail
    row = db.session.scalar(sa.select(CheckIn).where(CheckIn.rsvp_id == rsvp.id))
    assert (row.result, row.door, row.nonce) == ("admitted", "Door 1", "w1")
    stats = checkin.door_stats(event)
    assert (stats.walk_ins, stats.checked_in, stats.confirmed) == (1, 1, 2)


def test_same_nonce_returns_the_same_walk_in_and_creates_nothing(app_ctx):
    event = make_event()
    db.session.commit()
    first = walk_ins.register_walk_in(event, first_name="Eli", training_level="attending", nonce="w2")
    db.session.commit()
    again = walk_ins.register_walk_in(event, first_name="Eli", training_level="attending", nonce="w2")
    db.session.commit()
    assert again.replayed and again.rsvp.id == first.rsvp.id and again.verdict.colour == "green"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 1
    two = walk_ins.register_walk_in(event, first_name="Eli", training_level="attending", nonce="w3")
    db.session.commit()
    assert two.rsvp.id != first.rsvp.id  # two people may share a name; only the nonce says "same request"


def test_nonce_of_a_scan_is_not_a_walk_in(app_ctx):
    event = make_event()
    guest = make_rsvp(event)
    db.session.commit()
    checkin.check_in(event, guest.ticket_code, nonce="n1")
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        walk_ins.register_walk_in(event, first_name="Eli", training_level="pgy2", nonce="n1")
    assert exc.value.code == "nonce_reused"


def test_with_an_email_the_guest_gets_the_usual_mail_and_an_existing_rsvp_is_refused(app_ctx):
    event = make_event()
    make_rsvp(event, first_name="Fay", last_name="Ngo", email="fay@example.org")
    db.session.commit()
    mails = outbox_count()
    done = walk_ins.register_walk_in(
        event, first_name="Gus", training_level="industry", email="Gus@Example.org", institution="Acme", nonce="w4"
    )
    db.session.commit()
    assert (done.rsvp.email, done.rsvp.institution) == ("Gus@example.org", "Acme")
    assert outbox_count() == mails + 1
    with pytest.raises(DomainError) as exc:
        walk_ins.register_walk_in(event, first_name="Fay", training_level="pgy1", email="FAY@example.org", nonce="w5")
    assert (exc.value.code, exc.value.field) == ("already_registered", "email")
    # The door learns the address is taken, not whose it is (issue 12.4).
    assert "Fay" not in exc.value.message and "Ngo" not in exc.value.message


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"first_name": "  "}, "bad_first_name", "first_name"),
        ({"first_name": "x" * 101}, "bad_first_name", "first_name"),
        ({"training_level": "wizard"}, "bad_training_level", "training_level"),
        ({"email": "not-an-address"}, "bad_email", "email"),
        ({"nonce": "has space"}, "bad_nonce", "nonce"),
    ],
)
def test_invalid_input_names_its_field(app_ctx, fields, code, field):
    event = make_event()
    db.session.commit()
    args = {"first_name": "Hal", "training_level": "pgy3", "nonce": "w6", **fields}
    with pytest.raises(DomainError) as exc:
        walk_ins.register_walk_in(event, **args)
    assert (exc.value.code, exc.value.field) == (code, field)


def test_badge_token_names_one_walk_in_and_lapses(app_ctx):
    event = make_event(starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30))
    door = doors.create_door_link(event, label="Door 1")
    regular = make_rsvp(event)
    db.session.commit()
    done = walk_ins.register_walk_in(event, first_name="Ivy", training_level="fellow", nonce="w7", door=door)
    db.session.commit()
    token = walk_ins.badge_token(done.rsvp, door)
    assert walk_ins.rsvp_for_badge_token(token) == done.rsvp
    assert walk_ins.rsvp_for_badge_token(tampered(token)) is None
    assert walk_ins.rsvp_for_badge_token(walk_ins.badge_token(regular, door)) is None  # not a walk-in
    later = dt.datetime.now(dt.UTC) + walk_ins.BADGE_LINK_MAX_AGE
    assert walk_ins.rsvp_for_badge_token(token, now=later) == done.rsvp  # age is the signature's job
    doors.revoke_door_link(door)
    db.session.commit()
    assert walk_ins.rsvp_for_badge_token(token) is None


@pytest.mark.slow
def test_five_retries_of_one_walk_in_at_once_register_one_guest(app):
    """A phone on bad signal fires the same POST several times; the event lock plus the nonce
    on the admission make every retry return the first walk-in."""
    with app.app_context(), writing():
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        db.session.commit()
        event_id = event.id
        db.session.remove()

    barrier = threading.Barrier(5, timeout=20)
    results: list = [None] * 5

    def register(i: int) -> None:
        try:
            with app.app_context(), writing():
                barrier.wait()
                ev = db.session.get(Event, event_id)
                done = walk_ins.register_walk_in(ev, first_name="Jo", training_level="pgy4", nonce="same-tap")
                db.session.commit()
                results[i] = (done.rsvp.id, done.replayed)
                db.session.remove()
        except BaseException as exc:
            barrier.abort()
            results[i] = exc

    threads = [threading.Thread(target=register, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, tuple) for r in results), results
    assert len({rsvp_id for rsvp_id, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False, True, True, True, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1
        db.session.remove()
