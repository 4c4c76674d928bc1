"""Badge rules called directly: the QR payload and image, layout geometry, who gets a badge,
codes (re-issue, cancel), printed marks, offsets and print jobs."""

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from eventsite.extensions import db
from eventsite.models import BadgeJobStatus, BadgePrintJob, BadgeRole, RsvpAction, RsvpChange, RsvpStatus, utcnow
from eventsite.services import DomainError, badges, categories, rsvps, tickets, tokens
from factories import make_badge, make_event, make_rsvp
from helpers import decode_qr

LONG_NAME = "Maximilian Alexander Montgomery-Fitzgerald III"
#: 120 characters, as the issue asks.
LONG_PROGRAM = "David Geffen School of Medicine at UCLA, Department of Orthopaedic Surgery, Orthopaedic Surgery Residency, Westwood, CA."


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def block_boxes(fitted: badges.FittedBadge):
    return {block.kind: (block.x, block.y, block.x + block.fit.width, block.bottom) for block in fitted.blocks}


# --- QR -------------------------------------------------------------------------------------


def test_payload_is_base_url_b_and_the_ticket_code_only(app_ctx):
    rsvp = make_rsvp(make_event())
    assert badges.qr_payload(rsvp) == f"{app_ctx.config['BASE_URL']}/b/{rsvp.ticket_code}"
    assert rsvp.manage_token not in badges.qr_payload(rsvp)


@pytest.mark.no_db
def test_qr_png_decodes_to_the_payload_with_level_m_and_a_four_module_quiet_zone():
    payload = "https://events.example.org/b/" + "k" * 32
    png = badges.qr_png(payload)
    image = Image.open(io.BytesIO(png)).convert("L")
    big = image.resize((image.width * 8, image.height * 8), Image.NEAREST)
    (result,) = decode_qr(big)
    assert result.text == payload and result.ec_level == "M"
    size = image.width
    assert badges.qr_modules(png) == size
    rows = [[image.getpixel((x, y)) for x in range(size)] for y in range(size)]
    first_dark_row = next(y for y, row in enumerate(rows) if min(row) == 0)
    first_dark_col = next(x for x in range(size) if min(row[x] for row in rows) == 0)
    assert first_dark_row == first_dark_col == 4  # quiet zone: 4 white modules
    assert min(rows[size - 5]) == 0 and min(rows[size - 4]) == 255


@pytest.mark.no_db
def test_printed_qr_symbol_is_at_least_an_inch():
    fitted = badges.fit_badge(make_badge())
    png = badges.qr_png(fitted.data.payload)
    modules = badges.qr_modules(png)
    symbol = fitted.qr_size * (modules - 8) / modules
    assert symbol >= 72


# --- Geometry -------------------------------------------------------------------------------


@pytest.mark.no_db
@pytest.mark.parametrize(
    "fields",
    [
        {},
        {
            "name": LONG_NAME,
            "full_name": LONG_NAME,
            "pronouns": "they/them",
            "institution": LONG_PROGRAM,
            "level": "Attending / faculty",
        },
        {
            "name": "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewarenwohlgepflegeundsorgfaltigkeitbeschutzen"
        },
        {"full_name": LONG_NAME + " " + LONG_NAME, "pronouns": "she/her/hers, or they/them in writing"},
        {
            "event_title": "The Very Long Annual Resident and Faculty Networking Evening of Southern California Programs",
            "event_place": "Rancho Santa Margarita",
        },
        {"name": "李小龙", "full_name": "李小龙 Bruce Lee"},
        {"name": "محمد", "full_name": "محمد عبد الله", "pronouns": "هو"},
    ],
    ids=["short", "long-name-and-120-char-program", "one-long-word", "long-full-name", "long-event", "cjk", "arabic"],
)
def test_blocks_stay_inside_the_badge_and_off_the_qr_and_each_other(fields):
    fitted = badges.fit_badge(make_badge(**fields))
    qr = (fitted.qr_x, fitted.qr_y, fitted.qr_x + fitted.qr_size, fitted.qr_y + fitted.qr_size)
    boxes = block_boxes(fitted)
    for kind, box in boxes.items():
        left, top, right, bottom = box
        assert left >= badges.PAD and right <= badges.BADGE_W - badges.PAD, kind
        assert top >= badges.BAND_H and bottom <= badges.BADGE_H - 6, kind
        assert not overlaps(box, qr), kind
        block = fitted.block(kind)
        assert block.fit.width <= block.w, kind
    kinds = list(boxes)
    for i, a in enumerate(kinds):
        for b in kinds[i + 1 :]:
            assert not overlaps(boxes[a], boxes[b]), (a, b)
    # Nothing was cut: every word of every field is printed.
    printed = " ".join(" ".join(block.fit.lines) for block in fitted.blocks)
    for value in (fitted.data.name, fitted.data.institution, fitted.data.event_title):
        assert "".join(value.split()) in "".join(printed.split())


@pytest.mark.no_db
def test_long_name_and_program_shrink_then_wrap_to_two_or_three_lines():
    assert len(LONG_PROGRAM) == 120
    fitted = badges.fit_badge(make_badge(name=LONG_NAME, full_name=LONG_NAME, institution=LONG_PROGRAM))
    name, program = fitted.block("name"), fitted.block("institution")
    assert len(name.fit.lines) == 2 and name.fit.size >= 14
    assert len(program.fit.lines) in (2, 3) and program.fit.size >= 7
    assert badges.fit_badge(make_badge()).block("name").fit.size == 36  # a short name stays large


@pytest.mark.no_db
def test_characters_no_font_has_are_dropped_not_boxed():
    fitted = badges.fit_badge(make_badge(name="Sam\ue000\U0010fffd", full_name="Sam 🎉 Lee"))
    assert fitted.block("name").fit.lines == ("Sam",)
    assert "🎉" in fitted.block("full").fit.lines[0]


@pytest.mark.no_db
def test_layout_geometry_matches_the_avery_template():
    avery = badges.LAYOUTS["avery-5392"]
    assert (avery.page_w, avery.page_h) == (612, 792)
    assert avery.slot_origin(0) == (18, 72)  # 0.25 in from the left, 1 in from the top
    assert avery.slot_origin(5) == (18 + 288, 72 + 2 * 216)
    assert avery.top + 3 * badges.BADGE_H + 72 == avery.page_h  # 1 in at the bottom too
    a4 = badges.LAYOUTS["a4-6"]
    assert a4.left == pytest.approx((595.28 - 576) / 2, abs=0.01) and a4.per_page == 6


# --- Who gets a badge -----------------------------------------------------------------------


def test_guests_for_badges_are_confirmed_only_sorted_by_last_name(app_ctx):
    event = make_event(capacity=4)
    for first, last in [("Zoë", "Ørsted"), ("Ana", "Álvarez"), ("Bo", "baker"), ("Cy", "Chen"), ("Wait", "Listed")]:
        make_rsvp(event, first_name=first, last_name=last)
    db.session.commit()
    names = [r.last_name for r in badges.guests_for_badges(event)]
    assert names == ["Álvarez", "baker", "Chen", "Ørsted"]  # the fifth is waitlisted
    chen = badges.guests_for_badges(event)[2]
    badges.mark_printed([chen])
    assert [r.last_name for r in badges.guests_for_badges(event, selection="unprinted")] == [
        "Álvarez",
        "baker",
        "Ørsted",
    ]
    waitlisted = db.session.scalar(sa.select(rsvps.Rsvp).where(rsvps.Rsvp.last_name == "Listed"))
    picked = badges.guests_for_badges(event, selection="selected", rsvp_ids=[chen.id, waitlisted.id])
    assert picked == [chen]
    with pytest.raises(DomainError) as err:
        badges.guests_for_badges(event, selection="everyone")
    assert err.value.code == "bad_selection"


def test_role_band_follows_the_level_unless_an_organizer_chose_one(app_ctx):
    event = make_event()
    fellow = make_rsvp(event, training_level="fellow")
    attending = make_rsvp(event, training_level="attending")
    vendor = make_rsvp(event, training_level="industry")
    db.session.commit()
    assert badges.badge_data(fellow).role == "resident" and badges.badge_data(fellow).role_words == "Fellow"
    assert badges.badge_data(attending).role_words == "Faculty"
    assert badges.badge_data(vendor).role == "industry"
    assert badges.set_badge_role(vendor, "staff", actor="organizer:o@example.org")
    assert badges.badge_data(vendor).role_words == "Staff" and vendor.badge_role == BadgeRole.STAFF
    assert not badges.set_badge_role(vendor, BadgeRole.STAFF, actor="organizer:o@example.org")
    badges.set_badge_role(vendor, None, actor="organizer:o@example.org")
    assert badges.badge_data(vendor).role == "industry"


def test_the_band_follows_the_guests_category_and_its_words(app_ctx):
    """Issue 15: a category's band and words (a "Vendor" band for Industry / vendor); a band an
    organizer chose for one guest still wins."""
    event = make_event()
    by_name = {c.name: c for c in categories.of_event(event)}
    by_name["Industry / vendor"].badge_label = "Vendor"
    by_name["Guest"].badge_role = BadgeRole.STAFF
    rep = make_rsvp(event, training_level="industry")
    helper = make_rsvp(event, training_level="other")
    assert (badges.badge_data(rep).role, badges.badge_data(rep).role_words) == ("industry", "Vendor")
    assert (badges.badge_data(helper).role, badges.badge_data(helper).role_words) == ("staff", "Staff")
    badges.set_badge_role(rep, "faculty", actor="organizer:o@example.org")
    assert (badges.badge_data(rep).role, badges.badge_data(rep).role_words) == ("faculty", "Faculty")


def test_badge_follows_edits_and_keeps_its_code(app_ctx):
    rsvp = make_rsvp(make_event())
    code = rsvp.ticket_code
    rsvps.change_rsvp(rsvp, badge_name="Pepe", pronouns="he/him")
    data = badges.badge_data(rsvp)
    assert (data.name, data.pronouns) == ("Pepe", "he/him")
    assert data.payload.endswith("/b/" + code) and rsvp.ticket_code == code


# --- Codes ----------------------------------------------------------------------------------


def test_reissue_replaces_the_code_clears_printed_and_records_history(app_ctx):
    rsvp = make_rsvp(make_event())
    badges.mark_printed([rsvp])
    old = rsvp.ticket_code
    new = badges.reissue_ticket_code(rsvp, actor="organizer:o@example.org")
    db.session.commit()
    assert new != old and tokens.is_ticket_code(new)
    assert tickets.find_rsvp(old) is None
    assert tickets.find_rsvp(new) == rsvp
    assert rsvp.badge_printed_at is None
    change = db.session.scalars(
        sa.select(RsvpChange).where(RsvpChange.rsvp_id == rsvp.id).order_by(RsvpChange.id.desc())
    ).first()
    assert change.action == RsvpAction.EDITED and "badge code re-issued" in change.detail
    assert change.actor == "organizer:o@example.org" and old not in change.detail


def test_cancelled_rsvp_keeps_its_code_but_is_not_valid_for_entry(app_ctx):
    rsvp = make_rsvp(make_event())
    assert badges.entry_status(rsvp).valid
    rsvps.cancel_rsvp(rsvp)
    db.session.commit()
    assert tickets.find_rsvp(rsvp.ticket_code) == rsvp
    status = badges.entry_status(rsvp)
    assert not status.valid and "cancelled" in status.reason
    with pytest.raises(DomainError) as err:
        badges.reissue_ticket_code(rsvp, actor="organizer:o@example.org")
    assert err.value.code == "not_live"


@pytest.mark.parametrize("code", ["", "short", "0" * 32, "a" * 31, "a" * 33, "A" * 32, "../" * 11])
def test_junk_codes_find_nothing(app_ctx, code):
    make_rsvp(make_event())
    assert tickets.find_rsvp(code) is None


# --- Offsets and jobs -----------------------------------------------------------------------


@pytest.mark.parametrize(("x", "y", "field"), [(20.5, 0, "offset_x_mm"), (0, -21, "offset_y_mm")])
def test_offsets_are_limited_to_twenty_mm(app_ctx, x, y, field):
    event = make_event()
    with pytest.raises(DomainError) as err:
        badges.set_badge_offsets(event, x_mm=x, y_mm=y)
    assert err.value.code == "bad_offset" and err.value.field == field
    badges.set_badge_offsets(event, x_mm=-1.34, y_mm=2)
    db.session.commit()
    assert (event.badge_offset_x_mm, event.badge_offset_y_mm) == (-1.3, 2.0)


def test_print_job_freezes_codes_and_marks_only_unchanged_badges(app_ctx):
    event = make_event()
    a, b, c = (make_rsvp(event, last_name=name) for name in ("Adams", "Brown", "Clark"))
    job = badges.start_print_job(
        event, layout="avery-5392", selection="all", first_slot=5, actor="organizer:o@example.org"
    )
    db.session.commit()
    assert job.total == 3 and job.pages == 2 and job.status == BadgeJobStatus.QUEUED
    assert [i for i, _ in job.badges] == [a.id, b.id, c.id]
    badges.reissue_ticket_code(b, actor="organizer:o@example.org")  # lost while the job ran
    assert badges.finish_print_job(job, b"%PDF-1.7 the job's pages") == 2
    db.session.commit()
    assert a.badge_printed_at and c.badge_printed_at and b.badge_printed_at is None
    assert job.status == BadgeJobStatus.DONE and job.done == 3
    assert badges.job_pdf(job) == b"%PDF-1.7 the job's pages"


def test_a_job_is_claimed_once_renders_its_frozen_choices_and_says_why_it_failed(app_ctx):
    event = make_event()
    event.badge_offset_x_mm, event.badge_offset_y_mm = 1.5, -2.0
    a, b = make_rsvp(event, last_name="Adams"), make_rsvp(event, last_name="Brown")
    job = badges.start_print_job(
        event, layout="avery-5392", selection="all", first_slot=3, actor="organizer:o@example.org"
    )
    db.session.commit()
    assert badges.claim_print_job(job.id) is job and job.status == BadgeJobStatus.RUNNING
    work = badges.job_work(job)
    assert [d.rsvp_id for d in work.badges] == [a.id, b.id]
    assert (work.layout, work.offset_mm, work.first_slot) == ("avery-5392", (1.5, -2.0), 3)
    badges.record_progress(job.id, 1)
    db.session.commit()
    db.session.refresh(job)
    assert job.done == 1
    badges.fail_print_job(job, DomainError("There are no badges to print.", "no_badges"))
    assert job.status == BadgeJobStatus.FAILED and job.error == "There are no badges to print."
    assert badges.claim_print_job(job.id) is None  # finished: nobody runs it again
    other = badges.start_print_job(event, layout="single", selection="all", actor="organizer:o@example.org")
    badges.fail_print_job(other, OSError("disk full"))
    assert other.error == "OSError: disk full"
    assert badges.claim_print_job(other.id + 1) is None


def test_a_job_pdf_is_kept_a_week_and_goes_with_a_deleted_guest(app_ctx):
    event = make_event()
    kept, gone = make_rsvp(event), make_rsvp(event)
    old = badges.start_print_job(event, layout="avery-5392", selection="all", actor="organizer:o@example.org")
    badges.finish_print_job(old, b"%PDF old", now=utcnow() - badges.KEEP_OUTPUT - dt.timedelta(minutes=1))
    db.session.commit()
    assert badges.remove_expired_outputs() == 1 and badges.job_pdf(old) is None
    job = badges.start_print_job(event, layout="avery-5392", selection="all", actor="organizer:o@example.org")
    only_kept = badges.start_print_job(
        event, layout="avery-5392", selection="selected", rsvp_ids=[kept.id], actor="organizer:o@example.org"
    )
    badges.finish_print_job(job, b"%PDF both")
    badges.finish_print_job(only_kept, b"%PDF one")
    db.session.commit()
    assert badges.forget_guest_jobs(gone) == 2  # the old job listed them too
    db.session.commit()
    assert db.session.get(BadgePrintJob, job.id) is None
    assert badges.job_pdf(only_kept) == b"%PDF one"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"layout": "letter-12"}, "bad_layout"),
        ({"first_slot": 7}, "bad_slot"),
        ({"layout": "single", "first_slot": 2}, "bad_slot"),
        ({"selection": "unprinted"}, "no_guests"),
    ],
)
def test_print_job_refusals(app_ctx, kwargs, code):
    event = make_event()
    rsvp = make_rsvp(event)
    badges.mark_printed([rsvp])
    options = {"layout": "avery-5392", "selection": "all", "first_slot": 1, **kwargs}
    with pytest.raises(DomainError) as err:
        badges.start_print_job(event, actor="organizer:o@example.org", **options)
    assert err.value.code == code


def test_print_badge_needs_a_confirmed_guest(app_ctx):
    event = make_event(capacity=0)
    rsvp = make_rsvp(event)
    assert rsvp.status == RsvpStatus.WAITLISTED
    with pytest.raises(DomainError) as err:
        badges.print_badge(rsvp)
    assert err.value.code == "not_confirmed"
