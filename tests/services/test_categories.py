"""Guest categories (issue 15): each has its own places and waitlist under the event's overall
capacity, its own admission rule and e-mail domains; new events get the series' four."""

import dataclasses
import datetime as dt

import pytest

from eventsite.models import BadgeRole, CategoryPolicy, RsvpStatus
from eventsite.services import DomainError, categories, events, guests, rsvps
from eventsite.services.categories import CategoryFields
from factories import guest_details, make_event

pytestmark = pytest.mark.usefixtures("app_ctx")


def cat(event, name):
    return next(c for c in categories.of_event(event) if c.name == name)


def set_rules(event, which, **changes):
    category = cat(event, which)
    fields = CategoryFields(
        name=category.name, capacity=category.capacity, policy=category.policy, badge_role=category.badge_role,
        training_levels=tuple(category.levels), email_domains="\n".join(category.email_domains),
        other_domains_ask=category.other_domains_ask,
    )  # fmt: skip
    return guests.save_category(event, dataclasses.replace(fields, **changes), category)


def rsvp(event, level="pgy2", category=None, **details):
    category_id = cat(event, category).id if category else None
    return rsvps.submit_rsvp(event, guest_details(training_level=level, **details), category_id=category_id).rsvp


def test_a_new_event_has_the_series_four_and_a_guest_lands_in_the_one_of_their_level():
    event = make_event()
    names = [c.name for c in categories.of_event(event)]
    assert names == ["Resident", "Faculty", "Industry / vendor", "Guest"]
    assert rsvp(event, "pgy3").category.name == "Resident"
    assert rsvp(event, "medical_student").category.name == "Resident"
    assert rsvp(event, "attending").category.name == "Faculty"
    assert rsvp(event, "industry").category.name == "Industry / vendor"
    assert rsvp(event, "attending", category="Guest").category.name == "Guest"  # their own pick wins
    assert cat(event, "Industry / vendor").badge_role == BadgeRole.INDUSTRY


def test_each_category_keeps_to_its_places_and_the_event_to_its_capacity():
    event = make_event(capacity=4, waitlist_enabled=True)
    set_rules(event, "Faculty", capacity=1)
    assert rsvp(event, "attending").status == RsvpStatus.CONFIRMED
    second_faculty = rsvp(event, "attending")
    assert second_faculty.status == RsvpStatus.WAITLISTED  # Faculty is full, the event is not
    assert [rsvp(event, "pgy1").status for _ in range(4)] == [RsvpStatus.CONFIRMED] * 3 + [RsvpStatus.WAITLISTED]
    assert rsvps.waitlist_position(second_faculty) == 1  # each category's own queue


def test_a_freed_place_goes_to_the_queue_that_can_take_it():
    event = make_event(capacity=10, waitlist_enabled=True, claim_window_hours=0)
    set_rules(event, "Faculty", capacity=1)
    set_rules(event, "Resident", capacity=1)
    faculty, resident = rsvp(event, "attending"), rsvp(event, "pgy2")
    waiting_resident, waiting_faculty = rsvp(event, "pgy2"), rsvp(event, "attending")
    rsvps.cancel_rsvp(faculty)
    assert waiting_faculty.status == RsvpStatus.CONFIRMED  # though the resident waited longer
    assert waiting_resident.status == RsvpStatus.WAITLISTED
    set_rules(event, "Resident", capacity=2)  # more places: the queue moves at once
    assert waiting_resident.status == RsvpStatus.CONFIRMED and resident.status == RsvpStatus.CONFIRMED


def test_rules_approval_closed_and_invitation_only():
    event = make_event()
    set_rules(event, "Industry / vendor", policy=CategoryPolicy.APPROVAL)
    set_rules(event, "Guest", policy=CategoryPolicy.CLOSED)
    set_rules(event, "Faculty", policy=CategoryPolicy.INVITATION)
    assert rsvp(event, "industry").status == RsvpStatus.PENDING
    with pytest.raises(DomainError) as closed:
        rsvp(event, "other")
    with pytest.raises(DomainError) as invited:
        rsvp(event, "attending")
    assert (closed.value.code, closed.value.field) == ("category_closed", "category")
    assert invited.value.code == "invitation_only" and "invitation" in invited.value.message


def test_an_address_outside_the_listed_domains_asks_for_approval_or_is_told_which_to_use():
    event = make_event()
    set_rules(event, "Resident", email_domains="@ucla.edu, cedars-sinai.org")
    assert rsvp(event, email="ana@mednet.ucla.edu").status == RsvpStatus.CONFIRMED  # a subdomain counts
    assert rsvp(event, email="ben@gmail.com").status == RsvpStatus.PENDING  # may ask instead
    set_rules(event, "Resident", other_domains_ask=False)
    with pytest.raises(DomainError) as refused:
        rsvp(event, email="cy@gmail.com")
    assert (refused.value.code, refused.value.field) == ("not_eligible", "email")
    assert "ucla.edu, cedars-sinai.org" in refused.value.message
    with pytest.raises(DomainError) as typo:
        set_rules(event, "Resident", email_domains="ucla")
    assert (typo.value.code, typo.value.field) == ("bad_domain", "email_domains")


def test_editing_names_order_and_removal():
    event = make_event()
    with pytest.raises(DomainError) as same:
        set_rules(event, "Guest", name="resident")
    assert (same.value.code, same.value.field) == ("name_taken", "name")
    categories.move(cat(event, "Guest"), -1)
    assert [c.name for c in categories.of_event(event)][2:] == ["Guest", "Industry / vendor"]
    rsvp(event, "attending")
    with pytest.raises(DomainError) as used:
        categories.remove(cat(event, "Faculty"))
    assert used.value.code == "category_in_use"
    with pytest.raises(DomainError) as below:
        set_rules(event, "Faculty", capacity=0)
    assert (below.value.code, below.value.field) == ("places_taken", "capacity")
    categories.remove(cat(event, "Guest"))
    assert [c.name for c in categories.of_event(event)] == ["Resident", "Faculty", "Industry / vendor"]


def test_next_in_series_copies_the_categories_and_their_rules():
    event = make_event()
    set_rules(event, "Faculty", capacity=5, policy=CategoryPolicy.APPROVAL, email_domains="ucla.edu")
    start = event.local_starts_at.replace(tzinfo=None)
    copy = events.copy_event(
        event, title="Next", slug="next-one", local_start=start, local_end=start + dt.timedelta(hours=2),
        timezone=event.timezone, venue_name="V", room="", street_address="1 Main St", city="Chicago",
        region="IL", postal_code="60601",
    )  # fmt: skip
    faculty = cat(copy, "Faculty")
    assert (faculty.capacity, faculty.policy, faculty.email_domains) == (5, CategoryPolicy.APPROVAL, ["ucla.edu"])
    assert len(categories.of_event(copy)) == 4
