"""Badge PDFs read back as paper: pages rendered with pypdfium2, every QR decoded with zxing-cpp
and mapped to its guest, badges counted per page and placed per the layout's geometry, every
script drawn with a real font (no missing-glyph boxes), and nothing fetched or attached."""

import logging
import socket
import threading

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Rsvp
from eventsite.services import badges
from eventsite.services.badges import BADGE_H, BADGE_W, LAYOUTS, PT_PER_MM
from factories import make_badge, make_event, make_rsvp
from helpers import decode_qr, pdf_chars, pdf_fonts, pdf_pages, pdf_streams, pdf_text

DPI = 150
PX = DPI / 72  # pixels per point

SCRIPTS = {
    # last name: (first name, script's font as pdfium names it, or None for Noto Sans itself)
    "Hernández": ("José", None),
    "Ørsted": ("Zoë", None),
    "Wróbel": ("Łukasz", None),
    "Παπαδόπουλος": ("Αλέξανδρος", None),
    "Иванова": ("Александра", None),
    "李": ("小龙", "CJK"),
    "佐藤": ("花子", "CJK"),
    "김": ("민준", "CJK"),
    "عبد الله": ("محمد", "Arabic"),
    "כהן": ("שרה", "Hebrew"),
    "शर्मा": ("अर्जुन", "Devanagari"),
}


@pytest.fixture()
def guests(app_ctx):
    """Eight confirmed guests with known last names (sorted: A…H)."""
    event = make_event(capacity=None, title="Resident Networking Evening")
    names = ["Hughes", "Garcia", "Adams", "Fischer", "Baker", "Evans", "Davis", "Clark"]
    for n, last in enumerate(names):
        make_rsvp(event, first_name=f"Guest{n}", last_name=last)
    db.session.commit()
    return event


def rendered(event, **kwargs):
    people = badges.guests_for_badges(event)
    return people, badges.render_badges_pdf([badges.badge_data(r) for r in people], **kwargs)


def qr_boxes(image):
    """(payload, (left, top, right, bottom) in pt) for every QR on a page image."""
    out = []
    for result in decode_qr(image):
        pos = result.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        assert result.ec_level == "M"
        out.append((result.text, (min(xs) / PX, min(ys) / PX, max(xs) / PX, max(ys) / PX)))
    return out


def expected_symbol_box(layout, slot, offset=(0.0, 0.0)):
    """Where the QR symbol (inside its quiet zone) should be for a badge in ``slot``."""
    x, y = layout.slot_origin(slot)
    x += offset[0] * PT_PER_MM
    y += offset[1] * PT_PER_MM
    png = badges.qr_png("https://x.example/b/" + "a" * 32)
    size = badges.qr_image_size(png)
    quiet = size * 4 / badges.qr_modules(png)
    left = x + BADGE_W - badges.QR_EDGE - size + quiet
    top = y + BADGE_H - badges.QR_EDGE - size + quiet
    return left, top, left + size - 2 * quiet, top + size - 2 * quiet


@pytest.mark.parametrize(("layout", "per_page"), [("avery-5392", [6, 2]), ("a4-6", [6, 2]), ("single", [1] * 8)])
def test_every_qr_decodes_to_its_guest_in_its_slot(guests, layout, per_page):
    people, pdf = rendered(guests, layout=layout)
    sheet = LAYOUTS[layout]
    pages = pdf_pages(pdf, dpi=DPI)
    for p in pages:
        assert (p.width / PX, p.height / PX) == pytest.approx((sheet.page_w, sheet.page_h), abs=1)
    by_payload = {badges.qr_payload(r): r for r in people}
    seen = []
    for page_no, image in enumerate(pages):
        found = qr_boxes(image)
        assert len(found) == per_page[page_no]
        # Row by row, so decoded order per page follows the slots.
        found.sort(key=lambda item: (round(item[1][1]), item[1][0]))
        for slot, (payload, box) in enumerate(found):
            rsvp = by_payload[payload]  # the code maps back to exactly this guest
            seen.append(rsvp)
            expected = expected_symbol_box(sheet, slot)
            assert box == pytest.approx(expected, abs=2.5), (layout, page_no, slot)
            assert box[2] - box[0] >= 72  # at least an inch printed
    assert seen == people  # every guest once, in last-name order
    assert [r.last_name for r in seen] == sorted(r.last_name for r in people)
    for payload in by_payload:
        assert payload.startswith(guests_base_url() + "/b/")


def guests_base_url():
    from flask import current_app

    return current_app.config["BASE_URL"]


@pytest.mark.parametrize("layout", ["avery-5392", "a4-6"])
def test_nothing_prints_outside_the_inserts(guests, layout):
    """Margins stay blank (bands and text end at their badge's edge): on die-cut sheets ink
    outside the inserts would land on the carrier or smudge the next sheet."""
    _, pdf = rendered(guests, layout=layout)
    sheet = LAYOUTS[layout]
    image = pdf_pages(pdf, dpi=DPI)[0].convert("L")
    left, right = int((sheet.left - 1) * PX), int((sheet.left + 2 * BADGE_W + 1) * PX)
    top, bottom = int((sheet.top + 1) * PX), int((sheet.top + 3 * BADGE_H - 1) * PX)
    for x in list(range(0, left)) + list(range(right, image.width)):
        for y in range(top, bottom, 3):
            assert image.getpixel((x, y)) > 240, (layout, x / PX, y / PX)
    if layout == "avery-5392":  # the A4 sheet has crop marks above and below
        for y in list(range(0, int((sheet.top - 1) * PX))) + list(
            range(int((sheet.top + 3 * BADGE_H + 1) * PX), image.height)
        ):
            assert min(image.getpixel((x, y)) for x in range(0, image.width, 2)) > 240, y / PX


def test_each_badge_shows_its_guest_and_the_manage_token_never_appears(guests):
    people, pdf = rendered(guests, layout="avery-5392")
    pages = pdf_chars(pdf)
    text = "".join(pdf_text(pdf))
    for n, rsvp in enumerate(people):
        page, slot = divmod(n, 6)
        x, y = LAYOUTS["avery-5392"].slot_origin(slot)
        inside = "".join(
            c["char"]
            for c in pages[page]
            if x <= c["box"][0] and c["box"][2] <= x + BADGE_W and y <= c["box"][1] and c["box"][3] <= y + BADGE_H
        )
        assert f"{rsvp.first_name} {rsvp.last_name}" in inside
        assert "UCLA Orthopaedic Surgery" in inside and "PGY-2" in inside and "Resident Networking Evening" in inside
        assert rsvp.manage_token not in text and rsvp.email not in text


def test_offsets_and_first_slot_move_the_badges(guests):
    people, pdf = rendered(guests, layout="avery-5392", offset_mm=(4.0, -3.0), first_slot=5)
    pages = pdf_pages(pdf, dpi=DPI)
    first = sorted(qr_boxes(pages[0]), key=lambda item: (round(item[1][1]), item[1][0]))
    assert [badges.qr_payload(people[0]), badges.qr_payload(people[1])] == [p for p, _ in first]
    assert first[0][1] == pytest.approx(expected_symbol_box(LAYOUTS["avery-5392"], 4, (4.0, -3.0)), abs=2.5)
    assert len(pages) == 2 and len(first) == 2 and len(qr_boxes(pages[1])) == 6


def test_long_names_and_programs_stay_in_their_badge_and_off_the_qr(app_ctx):
    event = make_event()
    long_name = "Maximilian Alexander Montgomery-Fitzgerald III"
    program = "David Geffen School of Medicine at UCLA, Department of Orthopaedic Surgery, Orthopaedic Surgery Residency, Westwood, CA."
    assert len(program) == 120
    rsvp = make_rsvp(
        event,
        first_name=long_name,
        last_name="Montgomery-Fitzgerald",
        badge_name=long_name,
        institution=program,
        pronouns="they/them",
    )
    db.session.commit()
    pdf = badges.render_badges_pdf([badges.badge_data(rsvp)], layout="single")
    (chars,) = pdf_chars(pdf)
    (image,) = pdf_pages(pdf, dpi=DPI)
    ((payload, qr),) = qr_boxes(image)
    quiet = (qr[2] - qr[0]) * 4 / 33  # the quiet zone must stay clear too
    for c in chars:
        if c["char"].isspace():
            continue
        left, top, right, bottom = c["box"]
        assert 0 <= left and right <= BADGE_W and 0 <= top and bottom <= BADGE_H, c
        assert right <= qr[0] - quiet or bottom <= qr[1] - quiet, c  # left of or above the QR
    text = "".join(c["char"] for c in chars)
    squashed = "".join(text.split())
    for value in (long_name, program, "they/them"):
        assert "".join(value.split()) in squashed  # every character printed: nothing cut


def script_guests(event):
    people = []
    for last, (first, _font) in SCRIPTS.items():
        people.append(make_rsvp(event, first_name=first, last_name=last, institution=f"{first} {last} Hospital"))
    db.session.commit()
    return people


def test_every_script_is_drawn_with_real_glyphs(app_ctx, caplog):
    """No .notdef anywhere: WeasyPrint logs none, no font needed its missing-glyph encoding,
    each script's letters come from a Noto font that has them, and the text reads back."""
    people = script_guests(make_event())
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = badges.render_badges_pdf([badges.badge_data(r) for r in people], layout="single")
    assert not [r for r in caplog.records if "notdef" in r.getMessage()]
    assert b"WP-Encod" not in pdf_streams(pdf)  # WeasyPrint's CMap for fonts with missing glyphs
    pages = pdf_chars(pdf)
    texts = pdf_text(pdf)
    for rsvp, chars, text in zip(people, pages, texts, strict=True):
        first, script = SCRIPTS[rsvp.last_name]
        fonts = {c["font"] for c in chars if not c["char"].isspace()}
        assert all("Noto" in f for f in fonts), fonts
        letters = [c for c in chars if c["char"] in first]
        assert letters
        for c in letters:
            if script is None:  # Latin, Greek, Cyrillic: Noto Sans itself
                assert c["font"].replace("-", "").startswith("NotoSans"), (first, c)
                assert not any(other in c["font"] for other in ("CJK", "Arabic", "Hebrew", "Devanagari")), (first, c)
            else:
                assert script in c["font"], (first, c)
        squashed = "".join(text.split())
        if script == "Devanagari":
            # Drawn right (font, no .notdef, reph and conjuncts shaped), but WeasyPrint maps each
            # glyph to one piece of text, so reordered clusters copy back with stray characters:
            # check that every letter of the name is there.
            assert set(first) <= set(squashed), (first, text)
            continue
        for value in (first, f"{first}{rsvp.last_name}"):
            assert "".join(value.split()) in squashed, (value, text)


def test_arabic_letters_join(app_ctx):
    """محمد drawn with its joining forms is one connected shape; isolated letters would be four."""
    rsvp = make_rsvp(make_event(), first_name="محمد", last_name="Haddad")
    db.session.commit()
    data = badges.badge_data(rsvp)
    fitted = badges.fit_badge(data)
    name = fitted.block("name")
    pdf = badges.render_badges_pdf([data], layout="single")
    (image,) = pdf_pages(pdf, dpi=300)
    scale = 300 / 72
    crop = image.convert("L").crop(
        (int(name.x * scale), int(name.y * scale), int((name.x + name.w) * scale), int(name.bottom * scale))
    )
    assert components(crop) == 1


def components(image, threshold=128, min_pixels=20) -> int:
    """Connected dark shapes (8-neighbourhood) larger than ``min_pixels``."""
    width, height = image.size
    pixels = image.load()
    dark = {(x, y) for y in range(height) for x in range(width) if pixels[x, y] < threshold}
    count = 0
    while dark:
        stack = [dark.pop()]
        size = 0
        while stack:
            x, y = stack.pop()
            size += 1
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    n = (x + dx, y + dy)
                    if n in dark:
                        dark.remove(n)
                        stack.append(n)
        count += size >= min_pixels
    return count


def test_emoji_are_drawn_in_colour_and_unknown_symbols_left_out(app_ctx, caplog):
    """🎉 comes from Noto Color Emoji as a colour picture (PDF readers don't copy it as text);
    a private-use character no font has is left out rather than drawn as a box."""
    rsvp = make_rsvp(make_event(), first_name="Sam 🎉", last_name="Lee\ue000")
    db.session.commit()
    data = badges.badge_data(rsvp)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = badges.render_badges_pdf([data], layout="single")
    assert not [r for r in caplog.records if "notdef" in r.getMessage()]
    assert b"WP-Encod" not in pdf_streams(pdf)
    assert "Noto-Color-Emoji-Bold" in pdf_fonts(pdf)
    name = badges.fit_badge(data).block("name")
    (image,) = pdf_pages(pdf, dpi=DPI)
    crop = image.convert("RGB").crop(
        (int(name.x * PX), int(name.y * PX), int((name.x + name.w) * PX), int(name.bottom * PX))
    )
    raw = crop.tobytes()
    colourful = sum(1 for i in range(0, len(raw), 3) if max(raw[i : i + 3]) - min(raw[i : i + 3]) > 80)
    assert colourful > 100  # the emoji's colours; the rest of the name is black on white
    text = pdf_text(pdf)[0]
    assert "Sam" in text and "Lee" in text and "\ue000" not in text


class Listener:
    """A local HTTP port that counts connections: a fetch attempt would show up here."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture()
def listener():
    box = Listener()
    yield box
    box.close()


def test_markup_in_names_is_printed_as_text_and_nothing_is_fetched_or_attached(app_ctx, listener):
    hostile = [
        '<img src="file:///etc/passwd">',
        '<a rel="attachment" href="file:///etc/passwd">x</a>',
        f'<img src="http://127.0.0.1:{listener.port}/x">',
    ]
    event = make_event()
    people = [
        make_rsvp(event, first_name=h, last_name=f"Hostile{n}", institution=h[:200]) for n, h in enumerate(hostile)
    ]
    db.session.commit()
    pdf = badges.render_badges_pdf([badges.badge_data(r) for r in people], layout="avery-5392")
    text = "".join("".join(page.split()) for page in pdf_text(pdf))
    for h in hostile:
        assert "".join(h.split()) in text  # shown, escaped, as the guest typed it
    assert listener.connections == 0
    streams = pdf_streams(pdf)
    assert b"/EmbeddedFile" not in streams and b"root:" not in streams


@pytest.mark.no_db
@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.org/x.png",
        "static:../../../etc/passwd",
        "static:/etc/passwd",
        "static:css/../../__init__.py",
        "ftp://example.org/x",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_everything_but_data_and_our_static_files(url):
    fetcher = badges.StaticOnlyFetcher()
    with pytest.raises(ValueError):
        fetcher(url)


@pytest.mark.no_db
def test_fetcher_serves_data_uris_and_static_files():
    fetcher = badges.StaticOnlyFetcher()
    css = fetcher("static:css/badges-print.css")
    assert b".band" in css.read() and css.content_type == "text/css"
    assert fetcher("data:text/plain,hello%20there").read() == b"hello there"
    png = fetcher(badges.qr_data_uri("https://x.example/b/" + "a" * 32))
    assert png.read().startswith(b"\x89PNG") and png.content_type == "image/png"


@pytest.mark.no_db
def test_even_raw_markup_reaching_weasyprint_cannot_fetch_or_attach(listener, caplog):
    """Defence in depth: if a template ever let markup through, the fetcher still refuses."""
    html = (
        f'<img src="file:///etc/passwd"><img src="http://127.0.0.1:{listener.port}/x">'
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>'
        f'<link rel="stylesheet" href="http://127.0.0.1:{listener.port}/x.css">'
    )
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = badges.write_pdf(html)
    assert listener.connections == 0
    streams = pdf_streams(pdf)
    assert b"/EmbeddedFile" not in streams and b"root:" not in streams


@pytest.mark.no_db
def test_parallel_chunks_join_into_one_pdf_in_order():
    people = [
        make_badge(rsvp_id=n, payload=f"https://events.example.org/b/{n:032d}", name=f"P{n:02d}",
                   full_name=f"P{n:02d} Person{n:02d}")
        for n in range(14)
    ]  # fmt: skip
    done = []
    pdf = badges.render_badges_pdf(people, layout="avery-5392", processes=2, chunk_pages=1, progress=done.append)
    assert done == [6, 12, 14]
    payloads = []
    for image in pdf_pages(pdf, dpi=DPI):
        found = sorted(qr_boxes(image), key=lambda item: (round(item[1][1]), item[1][0]))
        payloads += [p for p, _ in found]
    assert payloads == [person.payload for person in people]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_calibration_page_outlines_every_slot_at_the_offset(app_ctx, layout):
    sheet = LAYOUTS[layout]
    pdf = badges.render_calibration_pdf(layout, offset_mm=(1.5, -2.0))
    (text,) = pdf_text(pdf)
    assert "Calibration" in text and "+1.5 mm across" in text and "-2.0 mm down" in text
    if sheet.per_page > 1:
        for n in range(1, sheet.per_page + 1):
            assert f"Position {n}" in text
    (image,) = pdf_pages(pdf, dpi=DPI)
    assert (image.width / PX, image.height / PX) == pytest.approx((sheet.page_w, sheet.page_h), abs=1)


def test_guest_rows_read_in_sql_once(app_ctx):
    """Job badges come back in the job's order with one query for the guests."""
    event = make_event()
    people = [make_rsvp(event, last_name=n) for n in ("Young", "Abbott", "Moore")]
    job = badges.start_print_job(event, layout="single", selection="all", actor="organizer:o@example.org")
    db.session.commit()
    data = badges.job_badges(job)
    order = sorted(people, key=badges.sort_key)
    assert [d.rsvp_id for d in data] == [r.id for r in order]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 3


def test_printed_text_sits_where_the_layout_put_it(app_ctx):
    """Each block's characters fall inside the box fit_badge gave it: the geometry the tests
    above check is the one on paper."""
    rsvp = make_rsvp(
        make_event(title="Resident and Faculty Networking Evening of the Southern California Programs"),
        first_name="Maximilian Alexander",
        last_name="Montgomery-Fitzgerald III",
        badge_name="Max",
        pronouns="he/him",
        institution="University of California, Los Angeles, David Geffen School of Medicine, Orthopaedics",
        training_level="pgy3",
    )
    db.session.commit()
    data = badges.badge_data(rsvp)
    fitted = badges.fit_badge(data)
    (chars,) = pdf_chars(badges.render_badges_pdf([data], layout="single"))
    ink = [c for c in chars if not c["char"].isspace()]
    for block in fitted.blocks:
        text = "".join("".join(block.fit.lines).split()) + "".join(block.suffix.split())
        inside = [
            c
            for c in ink
            if block.y - 1 <= c["box"][1] and c["box"][3] <= block.bottom + 1 and block.x - 1 <= c["box"][0]
        ]
        assert text in "".join(c["char"] for c in inside), (block.kind, text)
