"""Badges through the test client: what a scanned QR shows, the guest's badge on the manage page
and as a PDF, and the organizer's printing (background job, progress, download), single badges,
re-issued codes, offsets and calibration."""

import re
import time

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.jobs import print_jobs
from eventsite.models import (
    BadgeJobStatus,
    BadgePrintJob,
    Event,
    Organizer,
    OrganizerRole,
    Rsvp,
    RsvpChange,
    RsvpStatus,
)
from eventsite.services import badges, rsvps
from factories import make_event, make_rsvp
from helpers import csrf_token, db_session, decode_qr, page_text, pdf_pages, pdf_text, post_form


@pytest.fixture()
def app_config(app_config, tmp_path):
    """Render jobs in their thread (worker processes are tested in tests/pdf)."""
    return {**app_config, "BADGE_RENDER_PROCESSES": 0, "BADGE_CHUNK_PAGES": 1}


@pytest.fixture(autouse=True)
def _join_job_threads(app):
    yield
    print_jobs.wait_for_all(app)


@pytest.fixture()
def event_id(app):
    with db_session(app):
        event = make_event(capacity=3, title="Resident Networking Evening")
        for first, last, level in [
            ("Zoë", "Ørsted", "fellow"),
            ("Ana", "Álvarez", "attending"),
            ("Bo", "Baker", "pgy2"),
            ("Wait", "Listed", "pgy1"),
        ]:
            make_rsvp(
                event,
                first_name=first,
                last_name=last,
                training_level=level,
                pronouns="she/her" if first == "Ana" else "",
            )
        db.session.flush()
        return event.id


def guest(app, last_name: str) -> Rsvp:
    with app.app_context():
        rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.last_name == last_name))
        db.session.expunge(rsvp)
        return rsvp


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


# --- /b/<code> --------------------------------------------------------------------------------


def test_a_scanned_badge_shows_strangers_only_the_badge_name_and_event(app, client, event_id):
    ana = guest(app, "Álvarez")
    with db_session(app):
        rsvp = db.session.get(Rsvp, ana.id)
        rsvps.change_rsvp(rsvp, badge_name="Annie")
    response = client.get(f"/b/{ana.ticket_code}")
    assert response.status_code == 200
    page = text(response)
    html = response.get_data(as_text=True)
    assert "Annie" in page and "Resident Networking Evening" in page
    for private in (ana.email, ana.manage_token, "Álvarez", "UCLA", "she/her", "Confirmed", "/admin"):
        assert private not in html, private
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_an_organizer_sees_the_check_in_view_with_a_link_to_the_guest(app, admin, event_id):
    ana = guest(app, "Álvarez")
    page = admin.get(f"/b/{ana.ticket_code}").get_data(as_text=True)
    assert "Ana Álvarez" in page_text(page) and "Confirmed" in page_text(page) and "Valid for entry" in page_text(page)
    assert f'href="/admin/guests/{ana.id}"' in page or f"/admin/events/{event_id}/badges/guests/{ana.id}" in page


def test_unknown_replaced_and_cancelled_codes(app, client, admin, event_id):
    response = client.get("/b/" + "a" * 32)
    assert response.status_code == 404 and "isn't valid" in text(response)
    assert client.get("/b/%3Cscript%3E").status_code == 404
    bo = guest(app, "Baker")
    with db_session(app):
        rsvps.cancel_rsvp(db.session.get(Rsvp, bo.id))
    public = app.test_client()
    response = public.get(f"/b/{bo.ticket_code}")
    assert response.status_code == 200 and "Not valid for entry" in text(response)
    assert "cancelled" not in text(response).lower()  # the reason is for organizers
    assert "This RSVP was cancelled" in text(admin.get(f"/b/{bo.ticket_code}"))


# --- The guest's badge --------------------------------------------------------------------------


def test_manage_page_shows_the_badge_the_door_qr_what_it_holds_and_the_pdf(app, client, event_id):
    zoe = guest(app, "Ørsted")
    html = client.get(f"/r/{zoe.manage_token}").get_data(as_text=True)
    page = page_text(html)
    payload = f"{app.config['BASE_URL']}/b/{zoe.ticket_code}"
    assert "Your badge" in page and "FELLOW" in page.upper() and "Zoë Ørsted" in page
    assert f"holds only the web address {payload}" in page
    assert f'href="/r/{zoe.manage_token}/badge.pdf"' in html
    uris = re.findall(r'class="door-qr" src="data:image/png;base64,([^"]+)"', html)
    assert len(uris) == 1
    import base64

    from PIL import Image

    png = Image.open(__import__("io").BytesIO(base64.b64decode(uris[0])))
    (result,) = decode_qr(png.resize((png.width * 8, png.height * 8), Image.NEAREST))
    assert result.text == payload  # the QR is the badge code, never the manage link


def test_the_badge_pdf_is_one_4x3_page_whose_qr_is_the_badge_code(app, client, event_id):
    zoe = guest(app, "Ørsted")
    response = client.get(f"/r/{zoe.manage_token}/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    (image,) = pdf_pages(response.data, dpi=150)
    assert abs(image.width - 600) <= 1 and abs(image.height - 450) <= 1  # 4 × 3 in
    (result,) = decode_qr(image)
    assert result.text == f"{app.config['BASE_URL']}/b/{zoe.ticket_code}"
    assert zoe.manage_token not in response.get_data(as_text=False).decode("latin-1")


def test_no_badge_until_confirmed_and_none_for_a_wrong_link(app, client, event_id):
    waiting = guest(app, "Listed")
    assert waiting.status == RsvpStatus.WAITLISTED
    assert "Your badge" not in text(client.get(f"/r/{waiting.manage_token}"))
    assert client.get(f"/r/{waiting.manage_token}/badge.pdf").status_code == 404
    assert client.get("/r/not-a-token/badge.pdf").status_code == 404


def test_editing_the_badge_name_and_pronouns_updates_the_badge_and_keeps_the_code(app, client, event_id):
    bo = guest(app, "Baker")
    url = f"/r/{bo.manage_token}"
    form = {
        "first_name": "Bo", "last_name": "Baker", "badge_name": "Bobby", "pronouns": "he/him",
        "institution": "UCLA Orthopaedic Surgery", "training_level": "pgy2", "dietary_notes": "", "accessibility_notes": "",
    }  # fmt: skip
    assert post_form(client, url, form).status_code == 302
    page = text(client.get(url))
    assert "Bobby" in page and "Bo Baker · he/him" in page
    pdf = client.get(f"{url}/badge.pdf").data
    assert "Bobby" in pdf_text(pdf)[0] and "he/him" in pdf_text(pdf)[0]
    assert guest(app, "Baker").ticket_code == bo.ticket_code
    (result,) = decode_qr(pdf_pages(pdf)[0])
    assert result.text.endswith(bo.ticket_code)


# --- Organizer: printing a whole event ----------------------------------------------------------


def wait_for_job(client, event_id: int, job_id: int, timeout: float = 60) -> dict:
    """Poll the status endpoint as the job page does, until the job has finished."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        status = client.get(f"/admin/events/{event_id}/badges/jobs/{job_id}.json").get_json()
        seen.append(status["done"])
        if status["status"] in ("done", "failed"):
            status["seen"] = seen
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {timeout}s")


def status_of(client, url: str) -> int:
    """GET ``url`` and close the response (a sent file stays open until then)."""
    response = client.get(url)
    response.close()
    return response.status_code


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    response.close()
    return data


def job_id_from(response) -> int:
    return int(re.search(r"/badges/jobs/(\d+)$", response.headers["Location"]).group(1))


def print_badges(admin, event_id: int, layout: str = "single", selection: str = "all") -> tuple[int, dict]:
    """Ask for a print job from the badges page, as the organizer does; its id and its status
    once finished."""
    response = post_form(
        admin,
        f"/admin/events/{event_id}/badges/print",
        {"layout": layout, "selection": selection, "first_slot": "1"},
        page=f"/admin/events/{event_id}/badges",
    )
    assert response.status_code == 302, response.status_code
    job_id = job_id_from(response)
    return job_id, wait_for_job(admin, event_id, job_id)


def test_print_every_confirmed_badge_in_the_background_then_download(app, admin, event_id):
    page = admin.get(f"/admin/events/{event_id}/badges")
    assert page.status_code == 200
    listing = text(page)
    assert listing.index("Álvarez, Ana") < listing.index("Baker, Bo") < listing.index("Ørsted, Zoë")
    assert "Listed" not in listing  # waitlisted: no badge
    job_id, status = print_badges(admin, event_id, "avery-5392")
    assert status["status"] == "done" and status["total"] == 3 and status["pages"] == 1
    job_page = admin.get(f"/admin/events/{event_id}/badges/jobs/{job_id}")
    assert "Download the PDF" in text(job_page) and "marked as printed" in text(job_page)
    pdf = download(admin, status["download_url"])
    payloads = sorted(r.text for r in decode_qr(pdf_pages(pdf)[0]))
    expected = sorted(f"{app.config['BASE_URL']}/b/{guest(app, n).ticket_code}" for n in ("Álvarez", "Baker", "Ørsted"))
    assert payloads == expected
    with app.app_context():
        printed = db.session.scalars(sa.select(Rsvp.last_name).where(Rsvp.badge_printed_at.is_not(None))).all()
    assert set(printed) == {"Álvarez", "Baker", "Ørsted"}
    assert "Printed (3)" in text(admin.get(f"/admin/events/{event_id}/badges"))
    assert "Baker, Bo" not in text(admin.get(f"/admin/events/{event_id}/badges?printed=no"))
    refused = post_form(
        admin,
        f"/admin/events/{event_id}/badges/print",
        {"layout": "avery-5392", "selection": "unprinted", "first_slot": "1"},
        page=f"/admin/events/{event_id}/badges",
    )
    assert refused.status_code == 422 and "printed already" in text(refused)


def crowd(app, n: int) -> int:
    """An event with ``n`` confirmed guests; its id."""
    with db_session(app):
        event = make_event(capacity=None)
        for i in range(n):
            make_rsvp(event, first_name=f"Guest{i}", last_name=f"Zed{i:02d}")
        db.session.flush()
        return event.id


def test_progress_is_reported_chunk_by_chunk_and_the_page_works_without_javascript(app, admin):
    event_id = crowd(app, 13)
    with db_session(app):
        job = badges.start_print_job(
            db.session.get(Event, event_id), layout="single", selection="all", actor="organizer:organizer@example.org"
        )
        job_id = job.id
    page = admin.get(f"/admin/events/{event_id}/badges/jobs/{job_id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page  # queued: refreshes itself
    assert "Waiting to start" in page_text(page) and 'src="/static/js/badge_job.js"' in page
    print_jobs.run_job(app, job_id)  # what the background thread does
    with app.app_context():
        job = db.session.get(BadgePrintJob, job_id)
        assert job.status == BadgeJobStatus.DONE and job.done == job.total == 13 and job.pages == 13
    done = admin.get(f"/admin/events/{event_id}/badges/jobs/{job_id}").get_data(as_text=True)
    assert "http-equiv" not in done


def test_progress_json_moves_while_the_job_runs(app, admin):
    event_id = crowd(app, 15)
    _, status = print_badges(admin, event_id)
    assert status["status"] == "done" and status["total"] == 15
    assert status["seen"] == sorted(status["seen"])  # never goes backwards


def test_ticked_rows_only_and_a_partly_used_sheet(app, admin, event_id):
    ana, zoe, waiting = guest(app, "Álvarez"), guest(app, "Ørsted"), guest(app, "Listed")
    page = f"/admin/events/{event_id}/badges"
    html = admin.get(page).get_data(as_text=True)
    response = admin.post(
        f"/admin/events/{event_id}/badges/print",
        data={
            "csrf_token": csrf_token(html),
            "layout": "avery-5392",
            "selection": "selected",
            "first_slot": "3",
            "rsvp_ids": [str(zoe.id), str(ana.id), str(waiting.id)],
        },
    )
    assert response.status_code == 302
    status = wait_for_job(admin, event_id, job_id_from(response))
    assert status["total"] == 2  # the waitlisted guest gets no badge
    (image,) = pdf_pages(download(admin, status["download_url"]))
    found = sorted(decode_qr(image), key=lambda r: r.position.top_left.y)
    assert [r.text.rsplit("/", 1)[1] for r in found] == [ana.ticket_code, zoe.ticket_code]
    assert found[0].position.top_left.y / 150 * 72 > 72 + 216  # position 3: second row
    nothing = admin.post(
        f"/admin/events/{event_id}/badges/print",
        data={"csrf_token": csrf_token(html), "layout": "avery-5392", "selection": "selected", "first_slot": "1"},
    )
    assert nothing.status_code == 422 and "Tick at least one" in text(nothing)


def test_downloads_check_rights_at_download_time(app, admin, event_id):
    _, status = print_badges(admin, event_id)
    assert status_of(admin, status["download_url"]) == 200
    with app.app_context():
        other = make_event()
        db.session.commit()
        other_id = other.id
    wrong_event = status["download_url"].replace(f"/events/{event_id}/", f"/events/{other_id}/")
    assert status_of(admin, wrong_event) == 404
    with db_session(app):
        db.session.scalar(sa.select(Organizer)).role = OrganizerRole.DOOR  # rights taken away
    assert status_of(admin, status["download_url"]) == 404  # a door member not given this event: it is not theirs
    assert status_of(app.test_client(), status["download_url"]) == 302


def test_a_post_without_csrf_token_is_refused(admin, event_id):
    response = admin.post(
        f"/admin/events/{event_id}/badges/print", data={"layout": "single", "selection": "all", "first_slot": "1"}
    )
    assert response.status_code == 400


# --- One guest's badge ------------------------------------------------------------------------


def test_print_this_badge_returns_the_pdf_and_marks_it_printed(app, admin, event_id):
    bo = guest(app, "Baker")
    page = f"/admin/events/{event_id}/badges/guests/{bo.id}"
    assert "Bo Baker's badge" in text(admin.get(page))
    response = post_form(admin, f"{page}/print", {"layout": "single", "first_slot": "1"}, page=page)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (result,) = decode_qr(pdf_pages(response.data)[0])
    assert result.text.endswith("/b/" + bo.ticket_code)
    assert guest(app, "Baker").badge_printed_at is not None
    waiting = guest(app, "Listed")
    url = f"/admin/events/{event_id}/badges/guests/{waiting.id}"
    refused = post_form(admin, f"{url}/print", {"layout": "single", "first_slot": "1"}, page=url, follow_redirects=True)
    assert "Only confirmed guests get a badge" in text(refused)
    assert admin.get(f"/admin/events/{event_id + 99}/badges/guests/{bo.id}").status_code == 404


def test_reissue_needs_confirmation_then_the_old_code_stops_working(app, admin, client, event_id):
    zoe = guest(app, "Ørsted")
    url = f"/admin/events/{event_id}/badges/guests/{zoe.id}/reissue"
    assert "stops working at once" in text(admin.get(url))
    unconfirmed = post_form(admin, url, {})
    assert unconfirmed.status_code == 422 and "Tick the box" in text(unconfirmed)
    assert app.test_client().get(f"/b/{zoe.ticket_code}").status_code == 200
    assert post_form(admin, url, {"confirm": "y"}).status_code == 302
    assert app.test_client().get(f"/b/{zoe.ticket_code}").status_code == 404
    new_code = guest(app, "Ørsted").ticket_code
    assert app.test_client().get(f"/b/{new_code}").status_code == 200
    with app.app_context():
        details = db.session.scalars(sa.select(RsvpChange.detail).where(RsvpChange.rsvp_id == zoe.id)).all()
    assert any("badge code re-issued" in d for d in details)


def test_colour_band_can_be_set_by_an_organizer(app, admin, event_id):
    bo = guest(app, "Baker")
    page = f"/admin/events/{event_id}/badges/guests/{bo.id}"
    post_form(admin, f"{page}/role", {"role": "staff"}, page=page)
    assert "STAFF" in text(admin.get(page)).upper()
    pdf = admin.get(f"/r/{bo.manage_token}/badge.pdf").data
    assert "STAFF" in pdf_text(pdf)[0]


# --- Offsets and calibration --------------------------------------------------------------------


def test_offsets_are_saved_and_checked(app, admin, event_id):
    page = f"/admin/events/{event_id}/badges"
    ok = post_form(
        admin, f"/admin/events/{event_id}/badges/offsets", {"offset_x_mm": "1.5", "offset_y_mm": "-2"}, page=page
    )
    assert ok.status_code == 302
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.badge_offset_x_mm, event.badge_offset_y_mm) == (1.5, -2.0)
    bad = post_form(
        admin, f"/admin/events/{event_id}/badges/offsets", {"offset_x_mm": "25", "offset_y_mm": "x"}, page=page
    )
    assert bad.status_code == 422
    assert "Between −20 and 20 mm" in text(bad)
    calibration = admin.get(f"/admin/events/{event_id}/badges/calibration.pdf?layout=avery-5392")
    assert calibration.mimetype == "application/pdf" and "+1.5 mm across" in pdf_text(calibration.data)[0]
    assert admin.get(f"/admin/events/{event_id}/badges/calibration.pdf?layout=nope").status_code == 404


# --- The guest screens' badge bits --------------------------------------------------------------


def test_guest_list_rows_can_be_ticked_for_printing(app, admin, event_id):
    ana, bo, waiting = guest(app, "Álvarez"), guest(app, "Baker"), guest(app, "Listed")
    html = admin.get(f"/admin/events/{event_id}/guests").get_data(as_text=True)
    # Every row can be ticked (issue 15's bulk actions); the print button prints the confirmed ones.
    assert f'name="rsvp_ids" value="{ana.id}" form="picks"' in html
    assert f'name="rsvp_ids" value="{waiting.id}" form="picks"' in html
    assert f'formaction="/admin/events/{event_id}/badges/print"' in html
    response = admin.post(
        f"/admin/events/{event_id}/badges/print",
        data={
            "csrf_token": csrf_token(html),
            "selection": "selected",
            "first_slot": "1",
            "layout": "single",
            "rsvp_ids": [str(bo.id), str(waiting.id)],
        },
    )
    status = wait_for_job(admin, event_id, job_id_from(response))
    assert status["total"] == 1  # the waitlisted guest has no badge before confirmation
    (result,) = decode_qr(pdf_pages(download(admin, status["download_url"]))[0])
    assert result.text.endswith(bo.ticket_code)


def test_guest_page_offers_print_this_badge_and_reissue(app, admin, event_id):
    bo = guest(app, "Baker")
    page = f"/admin/guests/{bo.id}"
    html = admin.get(page).get_data(as_text=True)
    assert "Print this badge" in html and "Re-issue code" in html and "Not printed yet" in page_text(html)
    response = post_form(
        admin,
        f"/admin/events/{event_id}/badges/guests/{bo.id}/print",
        {"layout": "avery-5392", "first_slot": "1"},
        page=page,
    )
    assert response.mimetype == "application/pdf"
    assert "✓ Printed" in text(admin.get(page))
    assert f'href="/admin/events/{event_id}/badges/guests/{bo.id}/reissue"' in admin.get(page).get_data(as_text=True)


def test_a_job_that_fails_says_why_and_marks_nothing(app, admin, event_id, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("eventsite.services.badges.print_jobs.render_badges_pdf", broken)  # where a job renders
    job_id, status = print_badges(admin, event_id)
    assert status["status"] == "failed" and status["download_url"] is None and "disk full" in status["error"]
    page = text(admin.get(f"/admin/events/{event_id}/badges/jobs/{job_id}"))
    assert "could not be made" in page and "disk full" in page
    assert status_of(admin, f"/admin/events/{event_id}/badges/jobs/{job_id}/badges.pdf") == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Rsvp.badge_printed_at.is_not(None))) == 0
