"""Guests meeting guests: directory visibility, sharing only what was chosen, saving by badge,
mutual reveal, organizer counts, vCard/CSV round trips, the week-after e-mail, forgetting a guest."""

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
import vobject

from eventsite.extensions import db
from eventsite.models import GuestProfile, OutboxMessage, RsvpStatus, SavedContact, utcnow
from eventsite.services import DomainError, badges, contacts, rsvps
from factories import make_event, make_rsvp

DAY = dt.timedelta(days=1)


def share(rsvp, **choices):
    defaults = dict(share_contact=True, share_email=True, share_phone=True, phone="+1 310 555 0101",
                    profile_url="https://www.linkedin.com/in/example")  # fmt: skip
    return contacts.update_preferences(rsvp, **{**defaults, **choices})


def badge_url(rsvp) -> str:
    return badges.qr_payload(rsvp)


@pytest.fixture()
def event(app_ctx):
    return make_event(capacity=20)


# --- Directory ------------------------------------------------------------------------------


def test_directory_lists_only_confirmed_opted_in_guests_of_the_event_and_never_their_email(event):
    viewer = make_rsvp(event, first_name="Vera")
    listed = make_rsvp(event, first_name="Lina", badge_name="Lin", institution="UCLA", training_level="attending",
                       email="lina@example.org")  # fmt: skip
    contacts.update_preferences(listed, in_directory=True, ask_me_about="hand fellowships")
    make_rsvp(event, first_name="Quiet")  # not opted in
    other_event = make_event()
    elsewhere = make_rsvp(other_event, first_name="Elsewhere")
    contacts.update_preferences(elsewhere, in_directory=True)
    db.session.commit()

    entries = contacts.directory(event, viewer=viewer)
    assert [(e.name, e.institution, e.level, e.ask_me_about) for e in entries] == [
        ("Lin", "UCLA", "Attending / faculty", "hand fellowships")
    ]
    assert "lina@example.org" not in repr(entries)
    with pytest.raises(DomainError) as exc:
        contacts.directory(event, viewer=elsewhere)
    assert exc.value.code == "wrong_event"


def test_directory_is_for_confirmed_guests_only(app_ctx):
    event = make_event(capacity=1)
    make_rsvp(event)
    waiting = make_rsvp(event)
    assert waiting.status == RsvpStatus.WAITLISTED
    with pytest.raises(DomainError) as exc:
        contacts.directory(event, viewer=waiting)
    assert exc.value.code == "not_confirmed"


def test_cancelling_or_leaving_removes_the_entry_at_once(event):
    viewer = make_rsvp(event)
    ann, bob = make_rsvp(event, first_name="Ann"), make_rsvp(event, first_name="Bob")
    for guest in (ann, bob):
        contacts.update_preferences(guest, in_directory=True)
    assert [e.name for e in contacts.directory(event, viewer=viewer)] == ["Ann", "Bob"]
    rsvps.cancel_rsvp(ann)
    contacts.update_preferences(bob, in_directory=False)
    assert contacts.directory(event, viewer=viewer) == []


def test_organizers_can_switch_the_directory_off(event):
    viewer = make_rsvp(event)
    contacts.update_preferences(viewer, in_directory=True)
    event.directory_enabled = False
    with pytest.raises(DomainError) as exc:
        contacts.directory(event, viewer=viewer)
    assert exc.value.code == "directory_off"


def test_directory_filters_by_level_group(event):
    viewer = make_rsvp(event)
    for name, level in (("Res", "pgy3"), ("Fel", "fellow"), ("Fac", "attending"), ("Ind", "industry")):
        contacts.update_preferences(make_rsvp(event, first_name=name, training_level=level), in_directory=True)
    assert [e.name for e in contacts.directory(event, viewer=viewer, group="residents")] == ["Fel", "Res"]
    assert [e.name for e in contacts.directory(event, viewer=viewer, group="faculty")] == ["Fac"]
    assert [e.name for e in contacts.directory(event, viewer=viewer, group="industry")] == ["Ind"]
    assert contacts.directory_group_counts(event) == {
        "residents": 2,
        "faculty": 1,
        "industry": 1,
        "students": 0,
        "other": 0,
    }


# --- Opt-ins ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/x", "www.example.org", "https://", "https://a b.org"]
)
def test_profile_link_must_be_http_or_https(event, url):
    guest = make_rsvp(event)
    with pytest.raises(DomainError) as exc:
        contacts.update_preferences(guest, share_contact=True, profile_url=url)
    assert (exc.value.code, exc.value.field) == ("bad_url", "profile_url")


def test_sharing_a_phone_needs_a_number(event):
    guest = make_rsvp(event)
    with pytest.raises(DomainError) as exc:
        contacts.update_preferences(guest, share_contact=True, share_phone=True, phone="  ")
    assert exc.value.field == "phone"


# --- Saving by badge ----------------------------------------------------------------------------


def test_scanning_saves_only_the_fields_the_contact_shares(event):
    me = make_rsvp(event)
    ana = make_rsvp(event, first_name="Ana", last_name="Li", institution="USC", email="ana@example.org")
    share(ana, share_email=False, share_phone=True, phone="+1 213 555 0199", profile_url="")
    result = contacts.save_scanned(me, badge_url(ana), note="  talked about   hand fellowship ")
    assert result.created and result.saved.note == "talked about hand fellowship"
    [row] = contacts.my_contacts(me)
    assert (row.card.full_name, row.card.institution, row.card.email, row.card.phone, row.card.url) == (
        "Ana Li", "USC", "", "+1 213 555 0199", ""
    )  # fmt: skip


def test_a_guest_who_did_not_opt_in_is_not_saved(event):
    me, shy = make_rsvp(event), make_rsvp(event, first_name="Shy", badge_name="S.")
    result = contacts.save_scanned(me, badge_url(shy))
    assert result.saved is None and result.contact.display_name == "S."
    preview = contacts.preview(me, badge_url(shy))
    assert (preview.name, preview.shares, preview.institution) == ("S.", False, "")
    assert contacts.my_contacts(me) == []


def test_only_guests_of_the_same_event_and_not_oneself(event):
    me = make_rsvp(event)
    stranger = make_rsvp(make_event())
    share(stranger)
    with pytest.raises(DomainError) as exc:
        contacts.save_scanned(me, badge_url(stranger))
    assert exc.value.code == "wrong_event"
    with pytest.raises(DomainError) as exc:
        contacts.save_scanned(me, me.ticket_code)
    assert exc.value.code == "own_badge"
    with pytest.raises(DomainError) as exc:
        contacts.save_scanned(me, "not-a-code")
    assert exc.value.code == "unknown_code"


def test_a_waitlisted_guest_cannot_save_contacts(app_ctx):
    event = make_event(capacity=1)
    confirmed = make_rsvp(event)
    share(confirmed)
    waiting = make_rsvp(event)
    with pytest.raises(DomainError) as exc:
        contacts.save_scanned(waiting, badge_url(confirmed))
    assert exc.value.code == "not_confirmed"


def test_saving_twice_keeps_one_entry_and_updates_the_note(event):
    me, ana = make_rsvp(event), make_rsvp(event)
    share(ana)
    contacts.save_scanned(me, badge_url(ana), note="first")
    again = contacts.save_scanned(me, ana.ticket_code.upper())  # typed, caps lock on
    assert not again.created and again.saved.note == "first"
    contacts.save_scanned(me, badge_url(ana), note="second")
    assert [r.note for r in contacts.my_contacts(me)] == ["second"]


def test_withdrawing_a_field_withdraws_it_from_saved_cards(event):
    me, ana = make_rsvp(event), make_rsvp(event, email="ana@example.org")
    share(ana)
    contacts.save_scanned(me, badge_url(ana))
    assert contacts.my_contacts(me)[0].card.email == "ana@example.org"
    share(ana, share_email=False)
    assert contacts.my_contacts(me)[0].card.email == ""


def test_the_scanned_guest_sees_a_count_and_only_mutual_names(event):
    me = make_rsvp(event, first_name="Me")
    ana, bob = make_rsvp(event, first_name="Ana"), make_rsvp(event, first_name="Bob")
    for guest in (me, ana, bob):
        share(guest)
    contacts.save_scanned(ana, badge_url(me))
    contacts.save_scanned(bob, badge_url(me))
    assert contacts.saved_me(me) == contacts.SavedMe(count=2, mutual=[])
    contacts.save_scanned(me, badge_url(bob))
    assert contacts.saved_me(me) == contacts.SavedMe(count=2, mutual=["Bob"])
    assert [r.mutual for r in contacts.my_contacts(me)] == [True]


def test_organizer_figures_are_counts(event):
    ana, bob, cy = (make_rsvp(event) for _ in range(3))
    for guest in (ana, bob):
        share(guest)
    contacts.update_preferences(cy, in_directory=True)
    contacts.save_scanned(cy, badge_url(ana))
    contacts.save_scanned(cy, badge_url(bob))
    contacts.save_scanned(ana, badge_url(bob))
    assert contacts.event_figures(event) == contacts.EventFigures(contacts=3, savers=2, sharing=2, in_directory=1)


def test_forget_guest_removes_their_entry_and_every_contact_they_saved_or_shared(event):
    me, ana, bob = make_rsvp(event), make_rsvp(event), make_rsvp(event)
    for guest in (me, ana, bob):
        share(guest, in_directory=True)
    contacts.save_scanned(me, badge_url(ana))
    contacts.save_scanned(ana, badge_url(me))
    contacts.save_scanned(bob, badge_url(ana))
    contacts.save_scanned(bob, badge_url(me))
    db.session.commit()
    contacts.forget_guest(me)
    db.session.commit()
    assert contacts.get_profile(me) is None
    pairs = db.session.execute(sa.select(SavedContact.owner_id, SavedContact.contact_id)).all()
    assert pairs == [(bob.id, ana.id)]
    assert [e.rsvp_id for e in contacts.directory(event, viewer=ana)] == sorted([ana.id, bob.id])


# --- vCard and CSV ------------------------------------------------------------------------------

NAMES = [
    ("Zoë", "Ångström", "Karolinska Institutet; Orthopaedics, Hand"),
    ("小龙", "李", "北京协和医院"),
    ("محمد", "العلي", "مستشفى الملك فيصل التخصصي ومركز الأبحاث، قسم جراحة العظام والكسور"),
]


def test_vcard_4_round_trips_every_script_and_shared_field(event):
    me = make_rsvp(event)
    made = []
    for first, last, program in NAMES:
        guest = make_rsvp(
            event, first_name=first, last_name=last, institution=program, email=f"{len(made)}@example.org"
        )
        share(guest, phone="+1 310 555 010" + str(len(made)))
        contacts.save_scanned(me, badge_url(guest), note="talked about hand fellowship, then; sushi\\ramen")
        made.append(guest)
    text = contacts.vcard(contacts.my_contacts(me), event=event)
    raw = text.encode()
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "folded at 75 octets"
    assert text.count("VERSION:4.0") == 3 and "\n" not in text.replace("\r\n", "")
    cards = list(vobject.readComponents(text))
    assert len(cards) == 3
    for card, (first, last, program), guest in zip(cards, NAMES, made, strict=True):
        assert card.version.value == "4.0"
        assert card.fn.value == f"{first} {last}"
        assert (card.n.value.family, card.n.value.given) == (last, first)
        assert card.org.value == [program]
        assert card.email.value == guest.email
        assert card.tel.value.startswith("+1 310 555 010")
        assert card.url.value == "https://www.linkedin.com/in/example"
        assert card.note.value == f"Met at {event.title}: talked about hand fellowship, then; sushi\\ramen"


def test_vcard_carries_only_what_is_shared(event):
    me, ana = make_rsvp(event), make_rsvp(event, email="ana@example.org")
    share(ana, share_email=False, share_phone=False, profile_url="")
    contacts.save_scanned(me, badge_url(ana))
    [card] = vobject.readComponents(contacts.vcard(contacts.my_contacts(me), event=event))
    assert {"email", "tel", "url"}.isdisjoint(card.contents) and "ana@example.org" not in card.serialize()


def test_csv_round_trips_and_is_formula_safe(event):
    me = make_rsvp(event)
    evil = make_rsvp(event, first_name='=HYPERLINK("x")', last_name="Ångström", institution="@SUM(A1)")
    share(evil, phone="+1 555 0100")
    contacts.save_scanned(me, badge_url(evil), note="-2+3")
    text = contacts.contacts_csv(contacts.my_contacts(me), event=event)
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    record = dict(zip(header, row, strict=True))
    assert record["Name"] == '\'=HYPERLINK("x") Ångström'
    assert record["Program"] == "'@SUM(A1)"
    assert record["Phone"] == "'+1 555 0100"
    assert record["Note"] == "'-2+3"
    assert record["E-mail"] == evil.email


# --- The week-after e-mail ------------------------------------------------------------------------


def move_to_past(event, ended_days_ago: float) -> None:
    event.starts_at = utcnow() - dt.timedelta(days=ended_days_ago, hours=2)
    event.ends_at = utcnow() - dt.timedelta(days=ended_days_ago)


def test_follow_up_goes_once_only_to_guests_who_saved_contacts_a_week_after(app_ctx):
    event = make_event(capacity=20)
    saver, other, shy = make_rsvp(event, email="saver@example.org"), make_rsvp(event), make_rsvp(event)
    share(other)
    contacts.update_preferences(shy, in_directory=True)  # a profile, but no contacts
    contacts.save_scanned(saver, badge_url(other), note="hand fellowship")
    move_to_past(event, ended_days_ago=6)
    db.session.commit()

    assert contacts.send_followups() == 0  # not a week yet
    now = utcnow() + 1.5 * DAY
    assert contacts.send_followups(now=now) == 1
    db.session.commit()
    assert contacts.send_followups(now=now + DAY) == 0  # exactly once
    [message] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "contacts_followup")).all()
    assert message.to_address == "saver@example.org"
    assert db.session.get(GuestProfile, saver.id).followup_sent_at == now
    [attachment] = message.attachments
    assert attachment["filename"].endswith(".vcf") and attachment["mimetype"] == "text/vcard"
    [card] = vobject.readComponents(attachment["content"])
    assert card.fn.value == other.full_name
    assert "hand fellowship" in message.body_text


def test_no_follow_up_for_long_past_events(app_ctx):
    event = make_event(capacity=20)
    saver, other = make_rsvp(event), make_rsvp(event)
    share(other)
    contacts.save_scanned(saver, badge_url(other))
    move_to_past(event, ended_days_ago=40)
    assert contacts.send_followups() == 0


def test_follow_up_skips_a_guest_who_unsubscribed_from_follow_ups_and_carries_the_link(app_ctx):
    from eventsite.models import BulkKind
    from eventsite.services import opt_outs

    event = make_event(capacity=20)
    saver, quiet, other = make_rsvp(event, email="saver@example.org"), make_rsvp(event), make_rsvp(event)
    share(other)
    contacts.save_scanned(saver, badge_url(other))
    contacts.save_scanned(quiet, badge_url(other))
    opt_outs.opt_out(quiet.email_key, BulkKind.FOLLOW_UPS)
    move_to_past(event, ended_days_ago=8)
    db.session.commit()
    assert contacts.send_followups() == 1
    [message] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "contacts_followup")).all()
    assert message.to_address == "saver@example.org"
    assert message.headers["List-Unsubscribe"].strip("<>") in message.body_text
    # The guest who unsubscribed is claimed all the same: a later run still writes nothing to them.
    assert db.session.get(GuestProfile, quiet.id).followup_sent_at is not None
    assert contacts.send_followups() == 0
