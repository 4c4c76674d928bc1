"""Guests' personal data, called directly: a guest deleting their own (what goes, what stays,
the figures before and after, a dead badge code and link), and the retention job."""

import datetime as dt

import pytest
import sqlalchemy as sa

from crowd import at_once
from eventsite.database import writing
from eventsite.extensions import db
from eventsite.jobs import run_jobs
from eventsite.models import (
    CheckIn,
    CheckInResult,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    RsvpAction,
    RsvpChange,
    RsvpStatus,
    Segment,
    utcnow,
)
from eventsite.services import DomainError, checkin, event_figures, guest_list, mail, messages, people, privacy, rsvps
from factories import make_event, make_rsvp
from helpers import db_session

PERSONAL = ("first_name", "last_name", "badge_name", "pronouns", "email", "institution", "dietary_notes",
            "accessibility_notes")  # fmt: skip


def figures(event) -> tuple:
    d = event_figures.dashboard(event)
    return d.counts.confirmed, d.counts.offered, d.counts.waitlisted, d.cancelled, d.checked_in


def history(rsvp) -> list[tuple[str, str, str]]:
    rows = db.session.scalars(sa.select(RsvpChange).where(RsvpChange.rsvp_id == rsvp.id).order_by(RsvpChange.id))
    return [(c.action.value, c.actor, c.detail) for c in rows]


def outbox(rsvp_id) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.rsvp_id == rsvp_id)))


def personal_guest(event, **kw):
    return make_rsvp(
        event,
        first_name="Zoë",
        last_name="Ng",
        badge_name="Zo",
        pronouns="she/her",
        email="Zoe.Ng@Example.org",
        institution="Cedars-Sinai Orthopaedics",
        dietary_notes="nut allergy",
        accessibility_notes="step-free access",
        **kw,
    )


def test_deleting_a_confirmed_place_cancels_it_passes_it_on_and_removes_the_personal_data(app_ctx):
    event = make_event(capacity=2, claim_window_hours=0)
    zoe = personal_guest(event)
    make_rsvp(event)
    waiting = make_rsvp(event)
    db.session.commit()
    # Zoë's first e-mail went out; a later one is still waiting in the outbox.
    sent = outbox(zoe.id)[0]
    sent.status, sent.sent_at = OutboxStatus.SENT, utcnow()
    rsvps.change_rsvp(zoe, pronouns="she/they")
    mail.queue_guest_message(zoe, "updated")
    db.session.commit()
    old_code, old_token, zoe_id = zoe.ticket_code, zoe.manage_token, zoe.id
    assert figures(event) == (2, 0, 1, 0, 0)

    deletion = privacy.delete_own_data(zoe)
    db.session.commit()

    assert deletion.cancelled and deletion.event_slug == event.slug
    zoe = db.session.get(Rsvp, zoe_id)
    assert zoe.status == RsvpStatus.CANCELLED and zoe.anonymised_at is not None
    assert {name: getattr(zoe, name) for name in PERSONAL} == {
        "first_name": "Anonymised", "last_name": "guest", "badge_name": "", "pronouns": "", "email": "",
        "institution": "", "dietary_notes": "", "accessibility_notes": "",
    }  # fmt: skip
    assert "zoe" not in zoe.email_key.casefold() and zoe.training_level.value == "pgy2"
    # The waitlisted guest got the place through the normal cancel path.
    db.session.refresh(waiting)
    assert waiting.status == RsvpStatus.CONFIRMED
    assert figures(event) == (2, 0, 0, 1, 0)
    # Unsent mail is gone; the sent one keeps its row but nothing personal.
    rows = outbox(zoe_id)
    assert [(m.status, m.to_address, m.body_text, m.attachments) for m in rows] == [(OutboxStatus.SENT, "", "", [])]
    # The badge code is unknown at the door, the manage link finds nothing.
    assert rsvps.find_by_manage_token(old_token) is None
    assert rsvps.find_by_manage_token(zoe.manage_token) is not None  # only the new, never-shown secret
    verdict = checkin.check_in(event, old_code)
    assert verdict.reason == "unknown_code"
    assert checkin.check_in(event, zoe.ticket_code).reason == "unknown_code"
    assert checkin.check_in_guest(event, zoe.id).reason == "unknown_code"
    assert checkin.search_guests(event, "anonymised") == []
    assert history(zoe)[-2:] == [
        ("cancelled", "guest", "was confirmed"),
        ("anonymised", "guest", "deleted by the guest"),
    ]
    # Nobody can find Zoë any more; deleting twice is refused.
    assert people.people_page(people.PeopleFilter(q="zoe")).total == 0
    assert guest_list.guest_page(event, guest_list.GuestFilter(q="ng")).total == 0
    with pytest.raises(DomainError) as exc:
        privacy.delete_own_data(zoe)
    assert exc.value.code == "already_deleted"


def test_deleting_after_the_event_keeps_status_and_check_in_so_the_figures_stay(app_ctx):
    event = make_event(days_ahead=-3, capacity=5)
    now_then = event.starts_at - dt.timedelta(days=2)
    came = personal_guest(event, now=now_then)
    no_show = make_rsvp(event, email="noshow@example.org", now=now_then)
    db.session.add(CheckIn(event_id=event.id, rsvp_id=came.id, result=CheckInResult.ADMITTED))
    db.session.commit()
    before = figures(event)
    person_before = people.people_page(people.PeopleFilter()).total

    assert not privacy.delete_own_data(came).cancelled
    assert not privacy.delete_own_data(no_show).cancelled
    db.session.commit()

    assert figures(event) == before == (2, 0, 0, 0, 1)
    assert came.status == no_show.status == RsvpStatus.CONFIRMED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn).where(CheckIn.rsvp_id == came.id)) == 1
    assert people.people_page(people.PeopleFilter()).total == person_before - 2
    # Counted as checked in, but no longer someone an organizer's message can reach.
    assert messages.segment_counts(event)[Segment.CHECKED_IN] == 0
    assert mail.queue_guest_message(came, "resent") is None


def test_deleting_from_the_waitlist_leaves_it(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    waiting = make_rsvp(event)
    db.session.commit()
    assert waiting.status == RsvpStatus.WAITLISTED
    assert privacy.delete_own_data(waiting).cancelled
    db.session.commit()
    assert history(waiting)[-2][0] == "left_waitlist" and figures(event)[2] == 0


# --- retention -----------------------------------------------------------------------------------


def retention_world():
    long_ago = make_event(days_ahead=-100)
    recent = make_event(days_ahead=-10)
    ahead = make_event(days_ahead=10)
    made = {}
    for name, event in (("long_ago", long_ago), ("recent", recent), ("ahead", ahead)):
        made[name] = make_rsvp(event, email=f"{name}@example.org", now=event.starts_at - dt.timedelta(days=5))
    db.session.add(CheckIn(event_id=long_ago.id, rsvp_id=made["long_ago"].id, result=CheckInResult.ADMITTED))
    db.session.commit()
    return long_ago, made


def test_retention_is_off_by_default_and_then_anonymises_only_past_events_beyond_the_period(app_ctx):
    long_ago, made = retention_world()
    assert privacy.settings().retention_days is None
    assert run_jobs().anonymised == 0
    assert all(r.anonymised_at is None for r in made.values())

    privacy.set_retention(30, actor="organizer:o@example.org")
    db.session.commit()
    assert privacy.due_for_retention() == 1
    before = figures(long_ago)
    report = run_jobs()
    db.session.expire_all()
    assert report.anonymised == 1
    assert [made[k].anonymised_at is not None for k in ("long_ago", "recent", "ahead")] == [True, False, False]
    old = made["long_ago"]
    assert (old.first_name, old.email, old.status) == ("Anonymised", "", RsvpStatus.CONFIRMED)
    assert figures(long_ago) == before
    assert history(old)[-1] == ("anonymised", "system", "retention: 30 days after the event")

    # Safe to run twice: nothing more, and one history line.
    assert run_jobs().anonymised == 0
    actions = [a for a, *_ in history(old)]
    assert actions.count(RsvpAction.ANONYMISED.value) == 1


def test_retention_works_in_batches_until_done(app_ctx):
    event = make_event(days_ahead=-400, capacity=None)
    for _ in range(5):
        make_rsvp(event, now=event.starts_at - dt.timedelta(days=1))
    privacy.set_retention(365, actor="organizer:o@example.org")
    db.session.commit()
    assert privacy.apply_retention_batch(limit=2) == 2
    assert privacy.apply_retention_batch(limit=2) == 2
    assert privacy.apply_retention_batch(limit=2) == 1
    assert privacy.apply_retention_batch(limit=2) == 0
    db.session.commit()
    left = db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.anonymised_at.is_(None)))
    assert left == 0


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_retention_out_of_range_is_refused(app_ctx, days):
    with pytest.raises(DomainError) as exc:
        privacy.set_retention(days, actor="organizer:o@example.org")
    assert (exc.value.code, exc.value.field) == ("bad_retention", "retention_days")


def test_retention_can_be_turned_off_again(app_ctx):
    privacy.set_retention(30, actor="organizer:o@example.org")
    privacy.set_retention(None, actor="organizer:o@example.org")
    db.session.commit()
    assert privacy.settings().retention_days is None and privacy.due_for_retention() == 0


def test_two_retention_runs_at_once_anonymise_each_guest_once(app):
    with db_session(app):
        event = make_event(days_ahead=-400, capacity=None)
        for _ in range(12):
            make_rsvp(event, now=event.starts_at - dt.timedelta(days=1))
        privacy.set_retention(30, actor="organizer:o@example.org")

    def run() -> int:
        total = 0
        with app.app_context():
            while True:
                with writing():
                    n = privacy.apply_retention_batch(limit=3)
                    db.session.commit()
                total += n
                if n == 0:
                    return total

    assert sum(at_once(run, 2)) == 12
    with db_session(app):
        lines = db.session.execute(
            sa.select(RsvpChange.rsvp_id, sa.func.count())
            .where(RsvpChange.action == RsvpAction.ANONYMISED)
            .group_by(RsvpChange.rsvp_id)
        ).all()
        assert len(lines) == 12 and {n for _, n in lines} == {1}


def test_deleting_removes_the_guests_contacts_both_ways_and_directory_entry_but_not_the_figures(app_ctx):
    from eventsite.models import GuestProfile, SavedContact
    from eventsite.services import contacts

    event = make_event(days_ahead=2)
    leaving, friend, other = personal_guest(event), make_rsvp(event), make_rsvp(event)
    for guest in (leaving, friend, other):
        contacts.update_preferences(guest, in_directory=True, share_contact=True)
    contacts.save_contact(leaving, friend, note="hand fellowship")
    contacts.save_contact(friend, leaving)
    contacts.save_contact(other, friend)
    db.session.commit()
    before = contacts.event_figures(event)
    assert (before.contacts, before.savers) == (3, 3)

    privacy.delete_own_data(leaving)
    db.session.commit()

    rows = db.session.execute(sa.select(SavedContact.owner_id, SavedContact.contact_id)).all()
    assert rows == [(other.id, friend.id)]  # saved by them and of them: gone
    assert db.session.scalar(sa.select(GuestProfile).where(GuestProfile.rsvp_id == leaving.id)) is None
    listed = {e.rsvp_id for e in contacts.directory(event, viewer=friend)}
    assert other.id in listed and leaving.id not in listed
    after = contacts.event_figures(event)
    assert (after.contacts, after.savers) == (3, 3)  # the evening's result is not rewritten
    assert contacts.saved_me(friend).count == 1


def test_nobody_can_write_personal_details_back_into_a_deleted_rsvp(app_ctx):
    event = make_event(days_ahead=5)
    guest = personal_guest(event)
    db.session.commit()
    privacy.delete_own_data(guest)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        rsvps.change_rsvp(guest, actor="organizer:o@example.org", first_name="Zoë")
    assert err.value.code == "anonymised"
    assert guest.first_name != "Zoë"


def test_the_overview_counts_a_deleted_guest_under_data_deleted(app_ctx):
    event = make_event(days_ahead=-1)
    now_then = event.starts_at - dt.timedelta(days=2)
    gone = personal_guest(event, now=now_then)
    make_rsvp(event, institution="UCLA", now=now_then)
    db.session.commit()
    privacy.delete_own_data(gone)
    db.session.commit()
    assert sorted(event_figures.dashboard(event).by_institution) == [("Data deleted", 1), ("UCLA", 1)]


def test_a_series_with_its_own_period_is_anonymised_by_it_and_the_others_by_the_sites(app_ctx):
    from eventsite.models import Series
    from eventsite.services import series

    short = Series(name="Fellowship fair", slug="fellowship-fair")
    db.session.add(short)
    db.session.flush()
    kept_longer = make_event(days_ahead=-40, capacity=None)  # the default series: the site's 30 days
    by_series = make_event(days_ahead=-40, capacity=None, series_id=short.id)
    site_rsvp = make_rsvp(kept_longer, now=kept_longer.starts_at - dt.timedelta(days=1))
    series_rsvp = make_rsvp(by_series, now=by_series.starts_at - dt.timedelta(days=1))
    with pytest.raises(DomainError) as bad:
        privacy.set_series_retention(short, 0)
    assert bad.value.field == "retention_days"
    privacy.set_series_retention(short, 60)  # longer than the site's
    privacy.set_retention(30, actor="organizer:o@example.org")
    db.session.commit()
    assert privacy.due_for_retention() == 1
    assert run_jobs().anonymised == 1
    db.session.expire_all()
    assert site_rsvp.anonymised_at is not None and series_rsvp.anonymised_at is None
    # The site keeps data; the series still anonymises by its own period.
    privacy.set_retention(None, actor="organizer:o@example.org")
    privacy.set_series_retention(short, 10)
    db.session.commit()
    assert run_jobs().anonymised == 1
    db.session.expire_all()
    assert series_rsvp.anonymised_at is not None
    assert history(series_rsvp)[-1] == ("anonymised", "system", "retention: 10 days after the event")
    assert series.all_series()[-1].retention_days == 10
