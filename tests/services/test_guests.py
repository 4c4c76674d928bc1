"""Organizer guest rules called directly: adding by hand, approve/decline, moves, cancel, resend,
the filtered list (search, filters, sort, pages, check-ins) and the CSV cells."""

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    CheckInResult,
    EventStatus,
    OutboxMessage,
    Rsvp,
    RsvpAction,
    RsvpChange,
    RsvpStatus,
    TrainingLevel,
    utcnow,
)
from eventsite.services import DomainError, exports, guest_list, guests, history, rsvps, spreadsheets
from eventsite.services.capacity import seats_taken
from factories import guest_details, make_event, make_rsvp
from helpers import as_sent
from seeding import seed_guests

ORGANIZER = "organizer:olivia@example.org"


def kinds(rsvp) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.rsvp_id == rsvp.id).order_by(OutboxMessage.id)
        )
    )


def last_mail(rsvp):
    """The newest e-mail to ``rsvp``, as it will read."""
    return as_sent(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.rsvp_id == rsvp.id).order_by(OutboxMessage.id.desc())
        ).first()
    )


def changes(rsvp) -> list[tuple[str, str, str]]:
    rows = db.session.scalars(sa.select(RsvpChange).where(RsvpChange.rsvp_id == rsvp.id).order_by(RsvpChange.id))
    return [(c.action.value, c.actor, c.detail) for c in rows]


def add(event, *, source="organizer", confirm_over_capacity=False, **details):
    return guests.add_guest(
        event, guest_details(**details), source=source, confirm_over_capacity=confirm_over_capacity, actor=ORGANIZER
    )


# --- adding by hand ------------------------------------------------------------------------------


def test_added_guest_is_confirmed_from_the_organizer_and_gets_the_normal_confirmation(app_ctx):
    event = make_event(capacity=5)
    outcome = add(event, first_name="Maria", last_name="Lopez", email="Maria.Lopez@Example.org")
    db.session.commit()
    rsvp = outcome.rsvp
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.source == "organizer" and rsvp.confirmed_at
    assert rsvp.email_key == "maria.lopez@example.org"
    assert kinds(rsvp) == ["confirmed"]
    message = last_mail(rsvp)
    assert message.to_address == "Maria.Lopez@example.org" and "/r/" + rsvp.manage_token in message.body_text
    assert "The organizers added you to the guest list." in message.body_text
    assert changes(rsvp) == [("created", ORGANIZER, "status confirmed, added by organizer, Resident")]
    assert outcome.over_capacity is None


def test_full_event_needs_the_organizers_confirmation_then_goes_past_capacity(app_ctx):
    event = make_event(capacity=2)
    make_rsvp(event)
    make_rsvp(event)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        add(event, email="vip@example.org")
    assert err.value.code == "over_capacity" and err.value.field == "confirm_over_capacity"
    assert err.value.message == "This event is full (2/2). Add anyway?"
    db.session.rollback()
    assert db.session.scalar(sa.select(Rsvp.id).where(Rsvp.email_key == "vip@example.org")) is None

    outcome = add(event, email="vip@example.org", confirm_over_capacity=True, source="walk_in")
    db.session.commit()
    assert outcome.rsvp.status == RsvpStatus.CONFIRMED and outcome.rsvp.source == "walk_in"
    assert outcome.over_capacity == (3, 2) and seats_taken(event) == 3
    assert changes(outcome.rsvp)[0][2] == "status confirmed, walk-in, over capacity (3/2), Resident"


def test_a_full_event_with_a_waitlist_still_confirms_a_vip_ahead_of_the_queue(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    queued = make_rsvp(event)
    outcome = add(event, confirm_over_capacity=True)
    db.session.commit()
    assert outcome.rsvp.status == RsvpStatus.CONFIRMED and queued.status == RsvpStatus.WAITLISTED


def test_adding_an_address_that_already_has_a_live_rsvp_is_refused_next_to_the_email(app_ctx):
    event = make_event()
    make_rsvp(event, first_name="Maria", last_name="Lopez", email="maria@example.org")
    db.session.commit()
    with pytest.raises(DomainError) as err:
        add(event, email="MARIA@example.org")
    assert err.value.code == "already_registered" and err.value.field == "email"
    assert "Maria Lopez already has an RSVP" in err.value.message


def test_approval_events_drafts_and_closed_rsvps_still_take_hand_added_guests(app_ctx):
    event = make_event(requires_approval=True, status=EventStatus.DRAFT, rsvp_deadline=utcnow() + dt.timedelta(days=1))
    outcome = guests.add_guest(event, guest_details(), actor=ORGANIZER, now=utcnow() + dt.timedelta(days=2))
    assert outcome.rsvp.status == RsvpStatus.CONFIRMED


def test_a_cancelled_event_takes_no_guests_and_bad_addresses_are_refused(app_ctx):
    event = make_event()
    with pytest.raises(DomainError) as err:
        add(event, email="not an address")
    assert err.value.code == "bad_email" and err.value.field == "email"
    event.status = EventStatus.CANCELLED
    with pytest.raises(DomainError) as err:
        add(event)
    assert err.value.code == "event_cancelled"


# --- approve / decline ---------------------------------------------------------------------------


def test_approve_confirms_and_queues_the_approved_email(app_ctx):
    event = make_event(requires_approval=True, capacity=3)
    rsvp = make_rsvp(event)
    db.session.commit()
    assert rsvp.status == RsvpStatus.PENDING and kinds(rsvp) == ["pending"]
    outcome = guests.approve(rsvp, actor=ORGANIZER)
    db.session.commit()
    assert rsvp.status == RsvpStatus.CONFIRMED and rsvp.confirmed_at and outcome.position is None
    assert kinds(rsvp) == ["pending", "approved"]
    message = last_mail(rsvp)
    assert message.subject == f"Your RSVP is approved: {event.title}"
    assert "approved your RSVP" in message.body_text and "Confirmed" in message.body_text
    assert changes(rsvp)[-1] == ("approved", ORGANIZER, "confirmed")


def test_approve_when_full_puts_the_guest_at_the_end_of_the_waitlist(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    first_waiting = make_rsvp(event)
    event.requires_approval = True
    pending = make_rsvp(event)
    db.session.commit()
    outcome = guests.approve(pending, actor=ORGANIZER)
    db.session.commit()
    assert pending.status == RsvpStatus.WAITLISTED and outcome.position == 2
    assert rsvps.waitlist_position(first_waiting) == 1
    assert "on the waitlist" in last_mail(pending).body_text
    assert changes(pending)[-1] == ("approved", ORGANIZER, "waitlisted (#2): the event is full")


def test_approve_when_full_without_a_waitlist_needs_confirmation(app_ctx):
    event = make_event(capacity=1, waitlist_enabled=False)
    make_rsvp(event)
    event.requires_approval = True
    pending = make_rsvp(event)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        guests.approve(pending, actor=ORGANIZER)
    assert err.value.code == "over_capacity" and "full (1/1)" in err.value.message
    db.session.rollback()
    outcome = guests.approve(pending, actor=ORGANIZER, confirm_over_capacity=True)
    db.session.commit()
    assert pending.status == RsvpStatus.CONFIRMED and outcome.over_capacity == (2, 1)
    assert changes(pending)[-1][2] == "confirmed, over capacity (2/1)"


def test_decline_sends_the_declined_email_without_a_calendar(app_ctx):
    event = make_event(requires_approval=True)
    rsvp = make_rsvp(event, first_name="Ana", last_name="Li")
    db.session.commit()
    guests.decline(rsvp, actor=ORGANIZER)
    db.session.commit()
    assert rsvp.status == RsvpStatus.DECLINED and rsvp.cancelled_at is not None and not rsvp.is_live
    message = last_mail(rsvp)
    assert message.kind == "declined" and message.attachments == []
    assert "can't offer you a place" in message.body_text and "RSVP again" not in message.body_text
    assert changes(rsvp)[-1] == ("declined", ORGANIZER, "")


@pytest.mark.parametrize("action", [guests.approve, guests.decline])
def test_only_pending_rsvps_are_approved_or_declined(app_ctx, action):
    event = make_event()
    rsvp = make_rsvp(event, first_name="Ana", last_name="Li")
    db.session.commit()
    with pytest.raises(DomainError) as err:
        action(rsvp, actor=ORGANIZER)
    assert err.value.code == "wrong_status" and "Ana Li is confirmed" in err.value.message


# --- moves ---------------------------------------------------------------------------------------


def test_moving_a_confirmed_guest_offers_the_place_to_the_queue_and_puts_them_last(app_ctx):
    event = make_event(capacity=2)
    maria = make_rsvp(event, first_name="Maria", last_name="Lopez")
    make_rsvp(event)
    first, second = make_rsvp(event), make_rsvp(event)
    db.session.commit()
    outcome = guests.move_to_waitlist(maria, actor=ORGANIZER)
    db.session.commit()
    assert maria.status == RsvpStatus.WAITLISTED and maria.confirmed_at is None
    assert first.status == RsvpStatus.OFFERED and second.status == RsvpStatus.WAITLISTED
    assert outcome.offered_to == (first,) and outcome.position == 2
    assert rsvps.waitlist_position(second) == 1 and rsvps.waitlist_position(maria) == 2
    assert kinds(maria)[-1] == "moved_to_waitlist" and kinds(first)[-1] == "offer"
    assert changes(maria)[-1] == ("moved", ORGANIZER, "confirmed → waitlisted (#2)")
    message = last_mail(maria)
    assert message.subject == f"You're now on the waitlist: {event.title}"
    assert "The organizers moved your RSVP from confirmed to the waitlist, where you're number 2 in line." in (
        message.body_text
    )
    assert "QR code won't get you in at the door" in message.body_text


def test_a_move_that_would_leave_the_place_empty_is_refused(app_ctx):
    event = make_event(capacity=2)
    maria = make_rsvp(event, first_name="Maria", last_name="Lopez")
    make_rsvp(event)
    db.session.commit()
    assert "Nobody else is waiting" in guests.waitlist_move_refusal(maria)
    with pytest.raises(DomainError) as err:
        guests.move_to_waitlist(maria, actor=ORGANIZER)
    assert err.value.code == "nobody_waiting" and "Maria Lopez's place would stay empty" in err.value.message
    db.session.rollback()
    unlimited = make_event(capacity=None)
    with pytest.raises(DomainError):
        guests.move_to_waitlist(make_rsvp(unlimited), actor=ORGANIZER)


def test_an_overbooked_event_can_move_a_guest_without_freeing_a_place(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    extra = add(event, confirm_over_capacity=True).rsvp
    assert guests.waitlist_move_refusal(extra) is None
    outcome = guests.move_to_waitlist(extra, actor=ORGANIZER)
    assert extra.status == RsvpStatus.WAITLISTED and outcome.position == 1 and outcome.offered_to == ()
    assert seats_taken(event) == 1


def test_no_waitlist_no_move(app_ctx):
    event = make_event(waitlist_enabled=False)
    rsvp = make_rsvp(event)
    with pytest.raises(DomainError) as err:
        guests.move_to_waitlist(rsvp, actor=ORGANIZER)
    assert err.value.code == "no_waitlist"


def test_confirming_a_waitlisted_guest_needs_confirmation_only_when_full(app_ctx):
    event = make_event(capacity=1)
    holder = make_rsvp(event)
    waiting = make_rsvp(event)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        guests.move_to_confirmed(waiting, actor=ORGANIZER)
    assert err.value.code == "over_capacity" and err.value.message == "This event is full (1/1). Confirm anyway?"
    db.session.rollback()
    outcome = guests.move_to_confirmed(waiting, actor=ORGANIZER, confirm_over_capacity=True)
    db.session.commit()
    assert waiting.status == RsvpStatus.CONFIRMED and waiting.waitlisted_at is None and outcome.over_capacity == (2, 1)
    assert kinds(waiting)[-1] == "moved_to_confirmed"
    assert "Good news: the organizers gave you a place, so you're off the waitlist." in last_mail(waiting).body_text
    assert changes(waiting)[-1] == ("moved", ORGANIZER, "waitlisted → confirmed, over capacity (2/1)")

    event.capacity = 5
    later = make_rsvp(event)
    later.status, later.waitlisted_at = RsvpStatus.WAITLISTED, utcnow()  # as if queued before the raise
    outcome = guests.move_to_confirmed(later, actor=ORGANIZER)  # room now: no question asked
    assert (
        later.status == RsvpStatus.CONFIRMED and outcome.over_capacity is None and holder.status == RsvpStatus.CONFIRMED
    )


def test_an_open_offer_can_be_confirmed_for_the_guest(app_ctx):
    event = make_event(capacity=1)
    holder = make_rsvp(event)
    waiting = make_rsvp(event)
    rsvps.cancel_rsvp(holder)
    assert waiting.status == RsvpStatus.OFFERED
    guests.move_to_confirmed(waiting, actor=ORGANIZER)
    assert waiting.status == RsvpStatus.CONFIRMED and waiting.offer_expires_at is None
    assert changes(waiting)[-1] == ("moved", ORGANIZER, "offered → confirmed")
    assert "the organizers confirmed the spot we offered you" in last_mail(waiting).body_text


def test_places_do_not_change_on_a_cancelled_event(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    waiting = make_rsvp(event)
    event.status = EventStatus.CANCELLED
    with pytest.raises(DomainError) as err:
        guests.move_to_confirmed(waiting, actor=ORGANIZER, confirm_over_capacity=True)
    assert err.value.code == "event_cancelled"


# --- cancel / resend -----------------------------------------------------------------------------


def test_organizer_cancel_frees_the_place_for_the_first_in_line(app_ctx):
    event = make_event(capacity=1, claim_window_hours=0)
    holder = make_rsvp(event)
    first, second = make_rsvp(event, first_name="Ana", last_name="Li"), make_rsvp(event)
    db.session.commit()
    outcome = guests.cancel_guest(holder, actor=ORGANIZER)
    db.session.commit()
    assert holder.status == RsvpStatus.CANCELLED and kinds(holder)[-1] == "cancelled_by_organizer"
    message = last_mail(holder)
    assert message.subject == f"The organizers cancelled your RSVP: {event.title}"
    for body in (message.body_text, message.body_html):
        assert "have cancelled your RSVP, so you no longer have a place at the event" in body
        assert "Your badge and its QR code are no longer valid" in body
        assert "Thanks for letting us know" not in body and "Changed your mind" not in body
    assert "please get in touch with the organizers" in message.body_text  # no address configured
    assert first.status == RsvpStatus.CONFIRMED and second.status == RsvpStatus.WAITLISTED
    assert outcome.offered_to == (first,)
    assert changes(holder)[-1] == ("cancelled", ORGANIZER, "was confirmed")
    with pytest.raises(DomainError) as err:
        guests.cancel_guest(holder, actor=ORGANIZER)
    assert err.value.code == "wrong_status"


def test_an_organizer_cancel_names_the_organizers_address_and_replies_go_there(app_ctx):
    from flask import current_app

    from eventsite.services import mail

    current_app.config["MAIL_REPLY_TO"] = "Resident Networking organizers <team@society.example.org>"
    event = make_event(capacity=1)
    holder, waiting = make_rsvp(event), make_rsvp(event)
    assert waiting.status == RsvpStatus.WAITLISTED
    guests.cancel_guest(waiting, actor=ORGANIZER)
    guests.cancel_guest(holder, actor=ORGANIZER)
    message = last_mail(holder)
    assert "please write to the organizers at team@society.example.org." in message.body_text
    assert 'href="mailto:team@society.example.org"' in message.body_html
    assert (
        mail.build_email(db.session.get(OutboxMessage, message.id))["Reply-To"]
        == "Resident Networking organizers <team@society.example.org>"
    )
    # A waitlisted guest held no place and no valid badge: the e-mail says what they lost.
    text = last_mail(waiting).body_text
    assert "so you're no longer on the waitlist and won't be offered a place" in text
    assert "QR code" not in text and "Thanks for letting us know" not in text


def test_cancelling_a_waitlisted_guest_offers_nothing(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    waiting = make_rsvp(event)
    outcome = guests.cancel_guest(waiting, actor=ORGANIZER)
    assert outcome.offered_to == () and changes(waiting)[-1][0] == "left_waitlist"


def test_resend_queues_the_current_status_and_records_it(app_ctx):
    event = make_event()
    rsvp = make_rsvp(event)
    db.session.commit()
    guests.resend_email(rsvp, actor=ORGANIZER)
    db.session.commit()
    message = last_mail(rsvp)
    assert message.kind == "resent" and message.subject == f"Your RSVP: {event.title}"
    assert "send you your RSVP details again" in message.body_text and "Confirmed" in message.body_text
    assert changes(rsvp)[-1] == ("emailed", ORGANIZER, "resent the RSVP e-mail")
    rsvps.cancel_rsvp(rsvp)
    with pytest.raises(DomainError) as err:
        guests.resend_email(rsvp, actor=ORGANIZER)
    assert err.value.code == "wrong_status"


def test_history_is_newest_first(app_ctx):
    event = make_event()
    rsvp = make_rsvp(event)
    rsvps.change_rsvp(rsvp, actor=ORGANIZER, pronouns="she/her")
    guests.resend_email(rsvp, actor=ORGANIZER)
    db.session.commit()
    assert [c.action for c in history.lines(rsvp)] == [RsvpAction.EMAILED, RsvpAction.EDITED, RsvpAction.CREATED]


# --- the list ------------------------------------------------------------------------------------


def names(page) -> list[str]:
    return [f"{r.first_name} {r.last_name}" for r in page.rows]


def listing(event, **args):
    return guest_list.guest_page(event, guest_list.GuestFilter.from_args({k: str(v) for k, v in args.items()}))


@pytest.fixture()
def crowd(app_ctx):
    """A capacity-3 event with guests from several scripts, one waitlisted and one cancelled."""
    event = make_event(capacity=3)
    other = make_event()
    t0 = utcnow() - dt.timedelta(days=3)
    people = [
        ("José", "Hernández", "UCLA Orthopaedic Surgery", "pgy3", "jose@example.org"),
        ("Zoë", "Ørsted", "Cedars-Sinai Orthopaedics", "pgy2", "zoe@example.org"),
        ("花子", "佐藤", "Keck School of Medicine of USC", "fellow", "hanako@example.org"),
        ("Maria", "Lopez", "UCLA Family Medicine", "attending", "m.lopez@example.org"),
        ("Ana", "Li", "Harbor-UCLA 100%_Club", "pgy1", "ana@example.org"),
    ]
    made = {}
    for i, (first, last, program, level, email) in enumerate(people):
        details = guest_details(
            first_name=first, last_name=last, institution=program, training_level=level, email=email
        )
        made[first] = rsvps.submit_rsvp(event, details, now=t0 + dt.timedelta(hours=i)).rsvp
    rsvps.cancel_rsvp(made["Ana"])
    make_rsvp(other, first_name="Maria", last_name="Elsewhere")
    db.session.commit()
    return event, made


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("JOSÉ", ["José Hernández"]),
        ("zoë ørsted", ["Zoë Ørsted"]),
        ("ØRSTED", ["Zoë Ørsted"]),
        ("佐藤", ["花子 佐藤"]),
        ("花子 佐藤", ["花子 佐藤"]),
        ("ucla", ["José Hernández", "Maria Lopez", "Ana Li"]),
        ("lopez ucla", ["Maria Lopez"]),
        ("M.LOPEZ@EXAMPLE", ["Maria Lopez"]),
        ("maria lopez", ["Maria Lopez"]),
        ("100%_", ["Ana Li"]),
        ("o%", []),
        ("nobody", []),
    ],
)
def test_search_by_name_email_or_program_in_any_case_and_script(crowd, q, expected):
    event, _ = crowd
    assert sorted(names(listing(event, q=q))) == sorted(expected)


def test_filter_by_status_and_level_and_sort_both_ways(crowd):
    event, made = crowd
    assert names(listing(event, status="waitlisted")) == ["Maria Lopez"]
    assert names(listing(event, status="cancelled")) == ["Ana Li"]
    assert names(listing(event, level="pgy2")) == ["Zoë Ørsted"]
    assert names(listing(event, level="pgy2", status="waitlisted")) == []
    by_name = names(listing(event))
    assert by_name == ["José Hernández", "Ana Li", "Maria Lopez", "Zoë Ørsted", "花子 佐藤"]  # by last name
    assert names(listing(event, dir="desc")) == by_name[::-1]
    assert names(listing(event, sort="rsvp_time")) == [
        "José Hernández",
        "Zoë Ørsted",
        "花子 佐藤",
        "Maria Lopez",
        "Ana Li",
    ]
    assert names(listing(event, sort="rsvp_time", dir="desc"))[0] == "Ana Li"
    assert [r.status for r in listing(event, sort="status").rows] == [RsvpStatus.CONFIRMED] * 3 + [
        RsvpStatus.WAITLISTED,
        RsvpStatus.CANCELLED,
    ]
    levels = [r.training_level for r in listing(event, sort="level").rows]
    assert levels == sorted(levels, key=list(TrainingLevel).index)
    programs = [r.institution.lower() for r in listing(event, sort="program").rows]
    assert programs == sorted(programs)


def test_unknown_filter_values_fall_back_to_defaults(crowd):
    event, _ = crowd
    f = guest_list.GuestFilter.from_args({"status": "bogus", "level": "x", "sort": "email; drop", "page": "-3"})
    assert (f.status, f.level, f.sort, f.page) == (None, None, "name", 1)
    assert guest_list.guest_page(event, f).total == 5


def test_pages_of_fifty_and_a_page_past_the_end_shows_the_last(app_ctx):
    event = make_event(capacity=None)
    seed_guests(event.id, 120, first_name=lambda i: f"G{i + 1:03d}", last_name="Same")
    db.session.commit()
    first = listing(event)
    assert (first.total, first.pages, len(first.rows), first.first, first.last) == (120, 3, 50, 1, 50)
    last = listing(event, page=99)
    assert last.page == 3 and len(last.rows) == 20 and (last.first, last.last) == (101, 120)
    assert names(last)[-1] == "G120 Same"
    assert listing(event, page=2).page_numbers() == [1, 2, 3]


def test_page_numbers_leave_gaps():
    page = guest_list.GuestPage(rows=[], positions={}, checked_in={}, total=1000, page=10, pages=20, per_page=50)
    assert page.page_numbers() == [1, None, 8, 9, 10, 11, 12, None, 20]


def test_checked_in_comes_from_a_standing_admission_and_waitlist_position_is_shown(crowd):
    event, made = crowd
    now = utcnow()
    db.session.add_all(
        [
            CheckIn(event_id=event.id, rsvp_id=made["José"].id, result=CheckInResult.ADMITTED, scanned_at=now),
            CheckIn(event_id=event.id, rsvp_id=made["Zoë"].id, result=CheckInResult.ADMITTED, undone_at=now),
            CheckIn(event_id=event.id, rsvp_id=made["花子"].id, result=CheckInResult.REJECTED, reason="wrong_event"),
        ]
    )
    db.session.commit()
    page = listing(event)
    assert set(page.checked_in) == {made["José"].id}
    assert page.positions == {made["Maria"].id: 1}
    assert guest_list.checked_in_at(made["José"]) is not None and guest_list.checked_in_at(made["Zoë"]) is None


def test_filter_args_keep_only_what_differs_from_the_defaults():
    f = guest_list.GuestFilter.from_args({"q": "  maria   lopez ", "status": "confirmed", "dir": "desc", "page": "3"})
    assert f.q == "maria lopez"
    assert f.args() == {"q": "maria lopez", "status": "confirmed", "dir": "desc", "page": 3}
    assert f.args(page=1, sort="level") == {"q": "maria lopez", "status": "confirmed", "sort": "level", "dir": "desc"}


# --- CSV cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Maria", "Maria"),
        ("a=b", "a=b"),
        ("", ""),
        (7, 7),
    ],
)
def test_formula_cells_are_neutralised(value, expected):
    assert spreadsheets.neutralise(value) == expected


def test_csv_lines_start_with_the_bom_and_the_header(crowd):
    event, _ = crowd
    lines = list(exports.guest_csv(event, guest_list.GuestFilter()))
    assert lines[0].startswith("\ufeffRSVP id,First name,Last name")
    table = list(csv.reader(io.StringIO("".join(lines).removeprefix("\ufeff"))))
    assert len(table) == 6 and all(len(row) == len(exports.COLUMNS) for row in table)
