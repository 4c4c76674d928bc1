"""RSVP rules called directly: places, waitlist, duplicates, refusals, history."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import EventStatus, OutboxMessage, Rsvp, RsvpAction, RsvpChange, RsvpStatus, utcnow
from eventsite.services import DomainError, rsvps
from eventsite.services.tokens import TICKET_ALPHABET
from factories import guest_details, make_event, make_rsvp
from helpers import as_sent


def statuses(event):
    return [r.status for r in db.session.scalars(sa.select(Rsvp).where(Rsvp.event_id == event.id).order_by(Rsvp.id))]


def test_places_then_waitlist_in_order(app_ctx):
    event = make_event(capacity=2)
    guests = [make_rsvp(event) for _ in range(4)]
    db.session.commit()
    assert statuses(event) == [RsvpStatus.CONFIRMED] * 2 + [RsvpStatus.WAITLISTED] * 2
    assert [rsvps.waitlist_position(g) for g in guests] == [None, None, 1, 2]


def test_full_without_waitlist_is_refused(app_ctx):
    event = make_event(capacity=1, waitlist_enabled=False)
    make_rsvp(event)
    with pytest.raises(DomainError) as err:
        make_rsvp(event)
    assert err.value.code == "event_full"


def test_same_address_any_case_gets_its_link_again_not_a_second_rsvp(app_ctx):
    event = make_event()
    first = make_rsvp(event, email="Maria.Lopez@Example.org")
    db.session.commit()
    again = rsvps.submit_rsvp(event, guest_details(email="maria.lopez@EXAMPLE.ORG"))
    db.session.commit()
    assert again.created is False and again.rsvp.id == first.id
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.rsvp_id == first.id)).all()
    assert kinds == ["confirmed", "manage_link"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 1


def test_database_allows_one_live_rsvp_per_address(app_ctx):
    event = make_event()
    first = make_rsvp(event, email="dup@example.org")
    db.session.commit()
    clone = Rsvp(
        event_id=event.id, first_name="X", last_name="Y", email="dup@example.org", email_key="dup@example.org",
        institution="Z", training_level="pgy1", status=RsvpStatus.CONFIRMED, manage_token="t" * 43, ticket_code="c" * 32, category_id=first.category_id,
    )  # fmt: skip
    db.session.add(clone)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    rsvps.cancel_rsvp(db.session.get(Rsvp, first.id))
    db.session.commit()
    again = rsvps.submit_rsvp(event, guest_details(email="dup@example.org"))
    assert again.created is True


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (dict(status=EventStatus.CANCELLED), "event_cancelled"),
        (dict(status=EventStatus.DRAFT), "event_not_published"),
        (dict(days_ahead=-1), "rsvp_closed"),
    ],
)
def test_closed_events_refuse(app_ctx, setup, code):
    event = make_event(**setup)
    with pytest.raises(DomainError) as err:
        make_rsvp(event)
    assert err.value.code == code


def test_deadline_closes_rsvps(app_ctx):
    event = make_event(rsvp_deadline=utcnow() + dt.timedelta(days=2))
    make_rsvp(event)
    with pytest.raises(DomainError) as err:
        make_rsvp(event, now=utcnow() + dt.timedelta(days=3))
    assert err.value.code == "rsvp_closed"


def test_tokens_are_separate_secrets_of_the_right_shape(app_ctx):
    event = make_event()
    a, b = make_rsvp(event), make_rsvp(event)
    assert len(a.ticket_code) == 32 and set(a.ticket_code) <= set(TICKET_ALPHABET)
    assert a.ticket_code != b.ticket_code and a.manage_token != b.manage_token
    assert a.manage_token not in (a.ticket_code, str(a.id)) and len(a.manage_token) >= 40


def test_cancel_offers_the_place_to_the_first_in_line(app_ctx):
    event = make_event(capacity=1, claim_window_hours=24)
    keeper = make_rsvp(event)
    first, second = make_rsvp(event), make_rsvp(event)
    db.session.commit()
    now = utcnow()
    assert rsvps.cancel_rsvp(keeper, now=now) is True
    db.session.commit()
    assert (first.status, second.status) == (RsvpStatus.OFFERED, RsvpStatus.WAITLISTED)
    assert first.offer_expires_at == now + dt.timedelta(hours=24)
    assert rsvps.cancel_rsvp(keeper) is False  # a second cancel changes nothing
    rsvps.claim_offer(first)
    db.session.commit()
    assert first.status == RsvpStatus.CONFIRMED and second.status == RsvpStatus.WAITLISTED


def test_a_guest_who_cancels_is_thanked_and_one_who_leaves_the_waitlist_is_told_just_that(app_ctx):
    event = make_event(capacity=1)
    holder, waiting = make_rsvp(event), make_rsvp(event)
    rsvps.cancel_rsvp(waiting)
    rsvps.cancel_rsvp(holder)

    def last_text(rsvp):
        query = sa.select(OutboxMessage).where(OutboxMessage.rsvp_id == rsvp.id).order_by(OutboxMessage.id.desc())
        message = as_sent(db.session.scalars(query).first())
        assert message.kind == "cancelled" and "organizers" not in message.body_text
        return message.body_text

    assert "is cancelled. Thanks for letting us know: your spot goes to someone on the waitlist." in last_text(holder)
    left = last_text(waiting)
    assert "You're no longer on the waitlist for" in left and "your spot goes" not in left
    assert "Changed your mind? You can RSVP again" in left


def test_offer_never_outlasts_the_start(app_ctx):
    event = make_event(capacity=1, claim_window_hours=24, days_ahead=0.25)
    keeper, waiting = make_rsvp(event), make_rsvp(event)
    rsvps.cancel_rsvp(keeper)
    assert waiting.status == RsvpStatus.OFFERED and waiting.offer_expires_at == event.starts_at


def test_unclaimed_offer_expires_and_passes_on(app_ctx):
    event = make_event(capacity=1, claim_window_hours=2)
    keeper, first, second = make_rsvp(event), make_rsvp(event), make_rsvp(event)
    rsvps.cancel_rsvp(keeper)
    db.session.commit()
    later = utcnow() + dt.timedelta(hours=3)
    assert rsvps.expire_offers(now=later) == 1
    assert rsvps.expire_offers(now=later) == 0  # idempotent
    db.session.commit()
    assert (first.status, second.status) == (RsvpStatus.CANCELLED, RsvpStatus.OFFERED)
    with pytest.raises(DomainError) as err:
        rsvps.claim_offer(first, now=later)
    assert err.value.code == "no_offer"
    actions = db.session.scalars(sa.select(RsvpChange.action).where(RsvpChange.rsvp_id == first.id)).all()
    assert actions == [RsvpAction.CREATED, RsvpAction.OFFERED, RsvpAction.EXPIRED]


def test_claim_after_the_window_is_refused_and_passes_on(app_ctx):
    event = make_event(capacity=1, claim_window_hours=1)
    keeper, first, second = make_rsvp(event), make_rsvp(event), make_rsvp(event)
    rsvps.cancel_rsvp(keeper)
    with pytest.raises(DomainError) as err:
        rsvps.claim_offer(first, now=utcnow() + dt.timedelta(hours=2))
    assert err.value.code == "offer_expired"
    assert (first.status, second.status) == (RsvpStatus.CANCELLED, RsvpStatus.OFFERED)


def test_zero_claim_window_promotes_at_once(app_ctx):
    event = make_event(capacity=1, claim_window_hours=0)
    keeper, waiting = make_rsvp(event), make_rsvp(event)
    rsvps.cancel_rsvp(keeper)
    assert waiting.status == RsvpStatus.CONFIRMED
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.rsvp_id == waiting.id)).all()
    assert kinds == ["waitlisted", "promoted"]


def test_leaving_the_waitlist_moves_others_up(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    a, b = make_rsvp(event), make_rsvp(event)
    rsvps.cancel_rsvp(a)
    assert rsvps.waitlist_position(b) == 1
    actions = db.session.scalars(sa.select(RsvpChange.action).where(RsvpChange.rsvp_id == a.id)).all()
    assert actions[-1] == RsvpAction.LEFT_WAITLIST


def test_requires_approval_makes_pending(app_ctx):
    event = make_event(requires_approval=True)
    assert make_rsvp(event).status == RsvpStatus.PENDING


def test_edit_keeps_the_badge_code_and_records_what_changed(app_ctx):
    event = make_event()
    rsvp = make_rsvp(event)
    code = rsvp.ticket_code
    changed = rsvps.change_rsvp(rsvp, badge_name="Łukasz", pronouns="he/him", first_name=rsvp.first_name)
    assert changed == ["badge_name", "pronouns"] and rsvp.ticket_code == code
    last = db.session.scalars(
        sa.select(RsvpChange).where(RsvpChange.rsvp_id == rsvp.id).order_by(RsvpChange.id.desc())
    ).first()
    assert last.action == RsvpAction.EDITED and last.detail == "badge_name, pronouns"


def test_full_unicode_names_and_addresses_round_trip(app_ctx):
    event = make_event()
    rsvp = make_rsvp(event, first_name="佐藤", last_name="花子", email="josé@exämple.org", badge_name="Zoë Ørsted")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Rsvp, rsvp.id)
    assert (stored.first_name, stored.last_name, stored.badge_name) == ("佐藤", "花子", "Zoë Ørsted")
    assert stored.email == "josé@exämple.org"


def test_capacity_raise_offers_places(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    waiting = make_rsvp(event)
    event.capacity = 2
    rsvps.fill_open_spots(event)
    assert waiting.status == RsvpStatus.OFFERED
