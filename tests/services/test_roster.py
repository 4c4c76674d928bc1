"""The offline roster: no e-mails or names in the clear, each guest readable only with their own code."""

import base64
import json

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from eventsite.extensions import db
from eventsite.models import RsvpStatus
from eventsite.services import checkin, doors, roster
from factories import make_event, make_rsvp


def build(event, **kw):
    return roster.build_roster(
        event, valid_until=None, badge_prefix="https://x/b/", local_time=lambda t: "7:42 PM", **kw
    )


def test_roster_holds_no_email_or_name_and_opens_one_guest_per_code(app_ctx):
    event = make_event()
    ana = make_rsvp(
        event,
        first_name="Anastasia",
        last_name="Lopezova",
        badge_name="Ana",
        email="ana.l@example.org",
        dietary_notes="Vegetarian",
    )
    cy = make_rsvp(event, first_name="Cyrus", last_name="Kimball", email="cy.k@example.org")
    cy.status = RsvpStatus.CANCELLED
    make_rsvp(make_event(), first_name="Stranger")
    db.session.commit()

    payload = build(event).payload
    text = json.dumps(payload)
    for secret in (
        "ana.l@example.org",
        "cy.k@example.org",
        "@",
        "Anastasia",
        "Lopezova",
        "Cyrus",
        "Vegetarian",
        ana.ticket_code,
        cy.ticket_code,
    ):
        assert secret not in text
    # Only live guests: the cancelled one is not in the roster at all (issue 12.4).
    assert payload["count"] == 1 and len(payload["entries"]) == 1

    details = roster.open_entry(payload, ana.ticket_code)
    assert (details["name"], details["full_name"], details["status"], details["dietary_notes"]) == (
        "Ana",
        "Anastasia Lopezova",
        "confirmed",
        "Vegetarian",
    )
    assert details["checked_in_at"] is None
    assert "email" not in details
    assert roster.open_entry(payload, cy.ticket_code) is None
    assert roster.open_entry(payload, "a" * 32) is None


def test_an_entry_cannot_be_opened_with_another_code_or_moved_to_another_lookup(app_ctx):
    event = make_event()
    ana, ben = make_rsvp(event), make_rsvp(event)
    db.session.commit()
    payload = build(event).payload
    salt = roster.unb64(payload["salt"])
    ana_lookup = roster.lookup_for(ana.ticket_code, salt)
    ben_lookup = roster.lookup_for(ben.ticket_code, salt)
    ana_entry = next(e for e in payload["entries"] if e["lookup"] == ana_lookup)
    iv, data = roster.unb64(ana_entry["iv"]), roster.unb64(ana_entry["data"])
    with pytest.raises(InvalidTag):  # ben's key
        AESGCM(roster.key_for(ben.ticket_code, salt)).decrypt(iv, data, roster.associated_data(event.id, ana_lookup))
    with pytest.raises(InvalidTag):  # right key, entry moved under ben's index
        AESGCM(roster.key_for(ana.ticket_code, salt)).decrypt(iv, data, roster.associated_data(event.id, ben_lookup))


def test_salt_differs_per_event_so_lookups_do_not_link_events(app_ctx):
    one, two = make_event(), make_event()
    db.session.flush()
    code = "abcdefghjkmnpqrstuvwxyz234567892"
    assert roster.lookup_for(code, roster.event_salt(one)) != roster.lookup_for(code, roster.event_salt(two))
    assert len(base64.urlsafe_b64decode(build(one).payload["salt"] + "=")) == 32


def test_version_changes_with_an_admission_and_a_current_version_skips_the_work(app_ctx):
    event = make_event()
    ana = make_rsvp(event)
    door = doors.create_door_link(event, label="Door 2")
    db.session.commit()
    first = build(event)
    again = build(event, known_version=first.version)
    assert again.payload is None and again.version == first.version
    assert build(event).payload["entries"] != first.payload["entries"]  # fresh IVs every download

    checkin.check_in(event, ana.ticket_code, door=door)
    db.session.commit()
    after = build(event, known_version=first.version)
    assert after.version != first.version
    details = roster.open_entry(after.payload, ana.ticket_code)
    assert (details["checked_in_at_local"], details["checked_in_door"]) == ("7:42 PM", "Door 2")
