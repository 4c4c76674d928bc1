"""Guests meeting guests in the browser's shoes: opt-ins at RSVP and on the manage page, the
directory, the Meet page, /b/<code> with a guest session, My contacts, organizer counts."""

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import vobject

from eventsite.extensions import db
from eventsite.models import Event, Rsvp, SavedContact, utcnow
from eventsite.services import contacts, privacy, rsvps, tokens
from factories import guest_fields, make_event, make_organizer, make_rsvp
from helpers import attachments, csrf_token, db_session, deliver, form_values, page_text, post_form, sign_in

SHARE = dict(share_contact="y", share_email="y", share_phone="y", phone="+1 310 555 0101",
             profile_url="https://www.doximity.com/pub/ana")  # fmt: skip


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


def setup_guests(app, n: int = 3, **event_overrides):
    """An event with ``n`` confirmed guests; returns (event id, [(rsvp id, manage token, ticket code)])."""
    with db_session(app):
        event = make_event(capacity=20, **event_overrides)
        guests = [
            make_rsvp(event, first_name=f"Guest{i}", badge_name=f"G{i}", email=f"g{i}@example.org") for i in range(n)
        ]
        db.session.flush()
        return event.id, [(g.id, g.manage_token, g.ticket_code) for g in guests]


def opt_in(client, token: str, **choices):
    return post_form(client, f"/r/{token}/networking", choices, page=f"/r/{token}")


# --- Opt-ins ------------------------------------------------------------------------------------


def test_rsvp_form_takes_the_networking_options(app, client):
    with db_session(app):
        slug = make_event().slug
    fields = guest_fields(first_name="Ana", email="ana@example.org")
    response = post_form(
        client, f"/e/{slug}", {**fields, "in_directory": "y", "ask_me_about": "hand fellowships", **SHARE}
    )
    assert response.status_code == 302
    with db_session(app):
        rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.email == "ana@example.org"))
        profile = contacts.get_profile(rsvp)
        assert (profile.in_directory, profile.ask_me_about, profile.share_contact, profile.share_email) == (
            True, "hand fellowships", True, True
        )  # fmt: skip


def test_rsvp_form_rejects_a_non_http_link_next_to_its_field_and_saves_nothing(app, client):
    with db_session(app):
        slug = make_event().slug
    fields = guest_fields(email="bad@example.org")
    response = post_form(client, f"/e/{slug}", {**fields, **SHARE, "profile_url": "javascript:alert(1)"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "starting with https://" in html and '<details class="more" open>' in html
    with db_session(app):
        assert db.session.scalar(sa.select(Rsvp).where(Rsvp.email == "bad@example.org")) is None


def test_manage_page_saves_opt_ins_and_leaving_the_directory_removes_the_entry(app, client):
    _, [(_, me, _), (_, other, _), _] = setup_guests(app)
    response = opt_in(client, other, in_directory="y", ask_me_about="research years")
    assert response.status_code == 302
    assert "G1" in text(client.get(f"/r/{me}/guests")) and "research years" in text(client.get(f"/r/{me}/guests"))
    opt_in(client, other)  # nothing ticked: leaves
    assert "G1" not in text(client.get(f"/r/{me}/guests"))


def test_manage_page_shows_a_bad_link_error_and_keeps_the_rest(app, client):
    _, [(_, me, _), *_] = setup_guests(app, 1)
    response = opt_in(client, me, share_contact="y", profile_url="ftp://example.org")
    assert response.status_code == 422
    assert "starting with https://" in text(response)


# --- Directory ----------------------------------------------------------------------------------


def test_directory_shows_no_email_is_for_confirmed_guests_and_vanishes_on_cancel(app, client):
    _, [(_, me, _), (listed_id, listed, _), _] = setup_guests(app)
    opt_in(client, listed, in_directory="y")
    page = client.get(f"/r/{me}/guests")
    assert page.status_code == 200 and "G1" in text(page)
    assert "@example.org" not in page.get_data(as_text=True)
    with db_session(app):
        rsvps.cancel_rsvp(db.session.get(Rsvp, listed_id))
    assert "G1" not in text(client.get(f"/r/{me}/guests"))
    assert client.get(f"/r/{listed}/guests").status_code == 404  # a cancelled guest sees nothing


def test_directory_of_another_event_or_when_switched_off_is_not_shown(app, client):
    event_id, [(_, me, _)] = setup_guests(app, 1)
    assert client.get(f"/r/{me}/guests").status_code == 200
    with db_session(app):
        db.session.get(Event, event_id).directory_enabled = False
    assert client.get(f"/r/{me}/guests").status_code == 404
    manage = client.get(f"/r/{me}").get_data(as_text=True)
    assert f"/r/{me}/guests" not in manage and "Who's coming" not in page_text(manage)


def test_directory_filter_by_level(app, client):
    with db_session(app):
        event = make_event(capacity=20)
        me = make_rsvp(event)
        for name, level in (("Rosa", "pgy2"), ("Kimura", "attending"), ("Vendorina", "industry")):
            contacts.update_preferences(make_rsvp(event, badge_name=name, training_level=level), in_directory=True)
        token = me.manage_token
    faculty = text(client.get(f"/r/{token}/guests?level=faculty"))
    assert "Kimura" in faculty and "Rosa" not in faculty and "Vendorina" not in faculty
    assert "Vendorina" in text(client.get(f"/r/{token}/guests?level=industry"))


def test_organizer_switches_the_directory_off_in_the_event_form(app, admin):
    with db_session(app):
        event = make_event()
        event_id = event.id
    html = admin.get(f"/admin/events/{event_id}/edit").get_data(as_text=True)
    values = {k: v for k, v in form_values(html).items() if k != "directory_enabled" and v not in ("", None)}
    assert "directory_enabled" in form_values(html)  # ticked by default
    response = admin.post(f"/admin/events/{event_id}/edit", data=values)
    assert response.status_code == 302, text(response)
    with db_session(app):
        assert db.session.get(Event, event_id).directory_enabled is False


# --- Meet page and /b/<code> ------------------------------------------------------------------------


def test_meet_page_saves_a_scanned_badge_with_a_note(app, client):
    _, [(me_id, me, _), (ana_id, ana, ana_code), _] = setup_guests(app)
    opt_in(client, ana, **SHARE)
    page = client.get(f"/r/{me}/meet")
    assert page.status_code == 200 and "js/scanner.js" in page.get_data(as_text=True)
    lookup = client.get(f"/r/{me}/meet/lookup", query_string={"code": f"{app.config['BASE_URL']}/b/{ana_code}"})
    assert lookup.get_json() == {
        "name": "G1",
        "shares": True,
        "already_saved": False,
        "program": "UCLA Orthopaedic Surgery",
    }
    url = f"{app.config['BASE_URL']}/b/{ana_code}"
    response = post_form(
        client, f"/r/{me}/meet", {"code": url, "note": "talked about hand fellowship"}, follow_redirects=True
    )
    assert "Saved to your contacts" in text(response) and "talked about hand fellowship" in text(response)
    with db_session(app):
        assert db.session.execute(
            sa.select(SavedContact.owner_id, SavedContact.contact_id, SavedContact.note)
        ).all() == [(me_id, ana_id, "talked about hand fellowship")]


def test_meet_saves_nothing_for_a_guest_who_does_not_share_and_shows_only_the_badge_name(app, client):
    _, [(_, me, _), (_, _, shy_code), _] = setup_guests(app)
    assert client.get(f"/r/{me}/meet/lookup", query_string={"code": shy_code}).get_json() == {
        "name": "G1", "shares": False, "already_saved": False, "program": ""
    }  # fmt: skip
    response = post_form(client, f"/r/{me}/meet", {"code": shy_code}, follow_redirects=True)
    assert "G1" in text(response) and "hasn't chosen to share" in text(response)
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedContact)) == 0


def test_meet_refuses_badges_of_other_events_and_waitlisted_guests(app, client):
    _, [(_, me, _)] = setup_guests(app, 1)
    with db_session(app):
        other = make_rsvp(make_event())
        contacts.update_preferences(other, share_contact=True)
        other_code = other.ticket_code
        full = make_event(capacity=1)
        make_rsvp(full)
        waiting = make_rsvp(full).manage_token
    response = post_form(client, f"/r/{me}/meet", {"code": other_code})
    assert response.status_code == 422 and "another event" in text(response)
    assert client.get(f"/r/{me}/meet/lookup", query_string={"code": other_code}).status_code == 404
    assert client.get(f"/r/{waiting}/meet").status_code == 404


def test_badge_page_offers_save_contact_only_to_a_guest_session_of_that_event(app, client):
    _, [(me_id, me, _), (ana_id, ana, ana_code), _] = setup_guests(app)
    opt_in(app.test_client(), ana, **SHARE)
    stranger = app.test_client()
    assert "Save contact" not in text(stranger.get(f"/b/{ana_code}"))
    assert stranger.post(f"/b/{ana_code}/save").status_code in (400, 403)  # no CSRF, no session

    client.get(f"/r/{me}")  # the guest opens their own link on this phone
    page = client.get(f"/b/{ana_code}")
    assert "Save contact" in text(page)
    response = post_form(
        client, f"/b/{ana_code}/save", {"note": "ortho trauma"}, page=f"/b/{ana_code}", follow_redirects=True
    )
    assert "Saved to your contacts" in text(response)
    with db_session(app):
        assert db.session.execute(
            sa.select(SavedContact.owner_id, SavedContact.contact_id, SavedContact.note)
        ).all() == [(me_id, ana_id, "ortho trauma")]


def test_badge_page_of_a_guest_who_does_not_share_offers_nothing(app, client):
    _, [(_, me, _), (_, _, shy_code), _] = setup_guests(app)
    client.get(f"/r/{me}")
    page = text(client.get(f"/b/{shy_code}"))
    assert "G1" in page and "Save contact" not in page and "hasn't chosen to share" in page


# --- My contacts, the scanned guest's view, organizer counts ------------------------------------------


def test_my_contacts_lists_edits_notes_and_downloads_vcard_and_csv(app, client):
    _, [(_, me, _), (_, ana, ana_code), _] = setup_guests(app)
    opt_in(client, ana, **SHARE)
    post_form(client, f"/r/{me}/meet", {"code": ana_code, "note": "first"})
    with db_session(app):
        [saved_id] = db.session.scalars(sa.select(SavedContact.id)).all()
    post_form(
        client, f"/r/{me}/contacts/{saved_id}/note", {"note": "Zoë's lab; hand fellowship"}, page=f"/r/{me}/contacts"
    )
    page = text(client.get(f"/r/{me}/contacts"))
    assert "Guest1 Resident" in page and "g1@example.org" in page and "+1 310 555 0101" in page

    vcf = client.get(f"/r/{me}/contacts.vcf")
    assert vcf.mimetype == "text/vcard" and "attachment" in vcf.headers["Content-Disposition"]
    [card] = vobject.readComponents(vcf.get_data(as_text=True))
    assert card.fn.value == "Guest1 Resident" and card.email.value == "g1@example.org"
    assert card.note.value.endswith(": Zoë's lab; hand fellowship")

    body = client.get(f"/r/{me}/contacts.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert (row["Name"], row["E-mail"], row["Profile link"], row["Note"]) == (
        "Guest1 Resident", "g1@example.org", "https://www.doximity.com/pub/ana", "Zoë's lab; hand fellowship"
    )  # fmt: skip


def test_scanned_guest_sees_a_count_not_who_unless_mutual(app, client):
    _, [(_, me, me_code), (_, ana, ana_code), (_, bob, _)] = setup_guests(app)
    opt_in(client, me, **SHARE)
    opt_in(client, ana, **SHARE)
    post_form(client, f"/r/{ana}/meet", {"code": me_code})
    post_form(client, f"/r/{bob}/meet", {"code": me_code})
    page = text(client.get(f"/r/{me}"))
    assert "2 guests saved your contact" in page and "G1" not in page and "G2" not in page
    post_form(client, f"/r/{me}/meet", {"code": ana_code})
    page = text(client.get(f"/r/{me}"))
    assert "You saved each other: G1" in page and "G2" not in page


def test_organizer_dashboard_shows_counts_never_names(app, client):
    event_id, [(_, me, me_code), (_, ana, ana_code), _] = setup_guests(app)
    opt_in(client, me, **SHARE)
    opt_in(client, ana, **SHARE)
    post_form(client, f"/r/{ana}/meet", {"code": me_code, "note": "secret note"})
    post_form(client, f"/r/{me}/meet", {"code": ana_code})
    with db_session(app):
        make_organizer()
    admin = app.test_client()
    sign_in(admin, "organizer@example.org")
    page = text(admin.get(f"/admin/events/{event_id}"))
    squashed = page.replace(" ", "")
    assert "2contactssavedbyscanningbadges" in squashed and "2guestswhosavedatleastone" in squashed
    assert "secret note" not in page


def test_week_after_job_mails_the_vcard_once(app, client, mailbox):
    from eventsite.jobs import run_jobs

    event_id, [(_, me, _), (_, ana, ana_code), _] = setup_guests(app)
    opt_in(client, ana, **SHARE)
    post_form(client, f"/r/{me}/meet", {"code": ana_code, "note": "李小龙 fan"})
    with db_session(app):
        event = db.session.get(Event, event_id)
        event.starts_at = utcnow() - dt.timedelta(days=7, hours=3)
        event.ends_at = utcnow() - dt.timedelta(days=7, hours=1)
    deliver(app)  # the confirmations
    mailbox.clear()
    with app.app_context():
        assert run_jobs().contact_followups_queued == 1
        assert run_jobs().contact_followups_queued == 0
    deliver(app)
    [message] = mailbox.to("g0@example.org")
    assert message["Subject"].startswith("The 1 person you met at")
    assert mailbox.to("g1@example.org") == [] and mailbox.to("g2@example.org") == []
    files = attachments(message)
    [name] = files
    [card] = vobject.readComponents(files[name].decode())
    assert card.fn.value == "Guest1 Resident" and "李小龙 fan" in card.note.value


@pytest.mark.parametrize("how", ["new_link", "deleted", "deleted_after_the_event"])
def test_a_browser_that_held_an_old_link_can_no_longer_act_as_the_guest(app, client, how):
    """Issue 12.6: what the session remembers is bound to the manage link it was opened with."""
    event_id, [(me_id, me, _), (ana_id, ana, ana_code), _] = setup_guests(app)
    opt_in(app.test_client(), ana, **SHARE)
    client.get(f"/r/{me}")
    token = csrf_token(client.get(f"/b/{ana_code}").get_data(as_text=True))
    with db_session(app):
        guest = db.session.get(Rsvp, me_id)
        if how == "new_link":  # e.g. an e-mail change confirmed from another device
            guest.manage_token = tokens.new_token()
            new = guest.manage_token
        else:
            if how == "deleted_after_the_event":  # the evening is over: the RSVP keeps its status
                event = db.session.get(Event, event_id)
                event.starts_at, event.ends_at = utcnow() - dt.timedelta(hours=5), utcnow() - dt.timedelta(hours=3)
            privacy.delete_own_data(guest)
            new = None
    page = client.get(f"/b/{ana_code}").get_data(as_text=True)
    assert "Save contact" not in page_text(page)
    if new:
        assert new not in page
    refused = client.post(f"/b/{ana_code}/save", data={"note": "x", "csrf_token": token})
    assert refused.status_code == 403
    with db_session(app):
        assert db.session.scalars(sa.select(SavedContact)).all() == []


def khard_list(cards: list[str], workdir) -> subprocess.CompletedProcess:
    """What khard, a command-line address book over a vdir (one .vcf a card, as a CardDAV sync
    leaves them), lists from ``cards``."""
    book = workdir / "book"
    book.mkdir()
    for i, card in enumerate(cards):
        (book / f"{i}.vcf").write_text(card, newline="")
    config = workdir / "khard.conf"
    config.write_text(f"[addressbooks]\n[[saved]]\npath = {book}\n[general]\ndefault_action = list\n")
    khard = Path(sys.executable).with_name("khard")
    return subprocess.run(
        [khard, "-c", config, "list", "--parsable"], capture_output=True, text=True, timeout=60, check=True
    )


def test_my_contacts_vcard_opens_in_an_address_book_and_a_new_download_updates_the_same_cards(app, client, tmp_path):
    _, [(_, me, _), (_, ana, ana_code), (_, bob, bob_code)] = setup_guests(app)
    for token, code in ((ana, ana_code), (bob, bob_code)):
        opt_in(client, token, **SHARE)
        post_form(client, f"/r/{me}/meet", {"code": code})

    def download() -> list:
        return list(vobject.readComponents(client.get(f"/r/{me}/contacts.vcf").get_data(as_text=True)))

    first = download()
    listed = khard_list([card.serialize() for card in first], tmp_path)
    assert "no UID" not in listed.stderr, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert sorted(name for _, name, _ in rows) == ["Guest1 Resident", "Guest2 Resident"]
    uids = [uid for uid, _, _ in rows]
    assert len(set(uids)) == 2 and all(uid.startswith("urn:uuid:") for uid in uids)
    # The same guest is the same card in the next download (an address book updates, not duplicates);
    # the UID says nothing about the RSVP behind it.
    assert {card.fn.value: card.uid.value for card in download()} == {card.fn.value: card.uid.value for card in first}
    with db_session(app):
        ids = {str(i) for i in db.session.scalars(sa.select(Rsvp.id))}
    assert not any(uid.rsplit("-", 1)[-1] in ids for uid in uids)
