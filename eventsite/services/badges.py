"""Badges: the QR code, what a badge shows, sheet layouts, and the PDF.

The PDF follows the guide: a Jinja template (templates/badges/sheet.html) renders HTML and
WeasyPrint turns it into bytes, with a URL fetcher that serves only ``data:`` URIs and our own
static files. Every position is absolute and computed here in points, and every text block is
measured beforehand (``badge_text``), so the layout is known before WeasyPrint runs: nothing
overflows, overlaps the QR or gets cut, and tests can check positions against the geometry.

Large batches are split into chunks of whole pages that worker processes render in parallel;
the chunks are then joined into one PDF. The rendering functions take plain ``BadgeData``
(no database, no app context), so they run the same in a request, a job thread or a worker.
"""

import base64
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import gc
import io
import math
import mimetypes
import multiprocessing
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote_to_bytes

import jinja2
import qrcode
import qrcode.constants
import sqlalchemy as sa
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

from eventsite.extensions import db
from eventsite.models import (
    BadgeJobOutput,
    BadgeJobStatus,
    BadgePrintJob,
    BadgeRole,
    Event,
    Rsvp,
    RsvpAction,
    RsvpStatus,
    TrainingLevel,
    utcnow,
)
from eventsite.services import DomainError, history, links, tokens
from eventsite.services.badge_text import Fitted, measurer

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = PACKAGE_DIR.parent / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

PT_PER_IN = 72.0
PT_PER_MM = 72 / 25.4

# ---------------------------------------------------------------------------------------------
# Geometry of one badge, in points from its top-left corner (4 × 3 in, landscape).

BADGE_W, BADGE_H = 4 * PT_PER_IN, 3 * PT_PER_IN
#: Text keeps this far from the edges; badge holders cover a little of each side.
PAD = 14.0
BAND_H = 26.0
#: The QR symbol itself (without its quiet zone): 1.1 in, above the 1 in minimum, for quick scans.
QR_SYMBOL_PT = 80.0
QR_QUIET_MODULES = 4
#: From the badge edge to the QR image (whose quiet zone is white, part of the image).
QR_EDGE = 8.0
#: Between stacked blocks of different sizes (name and full name, program and level).
GAP = 2.0

ROLE_COLOURS = {
    BadgeRole.RESIDENT: "#1f5aa6",
    BadgeRole.FACULTY: "#1d6b43",
    BadgeRole.INDUSTRY: "#a64600",
    BadgeRole.STAFF: "#5a2d82",
    BadgeRole.GUEST: "#4d5866",
}
LEVEL_ROLES = {
    TrainingLevel.ATTENDING: BadgeRole.FACULTY,
    TrainingLevel.INDUSTRY: BadgeRole.INDUSTRY,
    TrainingLevel.OTHER: BadgeRole.GUEST,
}  # every other level is a trainee: resident band


@dataclasses.dataclass(frozen=True)
class SheetLayout:
    """Where badges go on a page; lengths in points, origin top-left."""

    key: str
    label: str
    description: str
    page_w: float
    page_h: float
    cols: int
    rows: int
    left: float
    top: float
    #: Grey cut lines and crop marks, for plain paper cut by hand.
    cut_guides: bool = False

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def slot_origin(self, slot: int) -> tuple[float, float]:
        """Top-left corner of ``slot`` (0-based, row by row) before any printer offset."""
        row, col = divmod(slot, self.cols)
        return self.left + col * BADGE_W, self.top + row * BADGE_H


#: Avery 5392 and 74459 (one sheet, one template): US Letter, 2 × 3 inserts of 4 × 3 in with no
#: gutters, 1 in top and bottom margins, 0.25 in side margins: 8.5 = 0.25 + 2 × 4 + 0.25 and
#: 11 = 1 + 3 × 3 + 1. Other tools that print on it use the same grid (ICPC Tools' badge PDFs:
#: 72 pt top, 18 pt left, no spacing). Printers still drift: hence the per-event offset.
LAYOUTS = {
    "avery-5392": SheetLayout(
        "avery-5392",
        "Avery 5392 / 74459 name badge inserts",
        "US Letter, 6 per sheet (2 × 3), 4 × 3 in each",
        page_w=8.5 * PT_PER_IN,
        page_h=11 * PT_PER_IN,
        cols=2,
        rows=3,
        left=0.25 * PT_PER_IN,
        top=1.0 * PT_PER_IN,
    ),
    "a4-6": SheetLayout(
        "a4-6",
        "A4 sheet of 6, cut by hand",
        "A4, 6 per sheet (2 × 3), 4 × 3 in each, centred, with cut lines",
        page_w=210 * PT_PER_MM,
        page_h=297 * PT_PER_MM,
        cols=2,
        rows=3,
        left=(210 * PT_PER_MM - 2 * BADGE_W) / 2,
        top=(297 * PT_PER_MM - 3 * BADGE_H) / 2,
        cut_guides=True,
    ),
    "single": SheetLayout(
        "single",
        "One badge per page",
        "4 × 3 in pages, for badge printers",
        page_w=BADGE_W,
        page_h=BADGE_H,
        cols=1,
        rows=1,
        left=0.0,
        top=0.0,
    ),
}
DEFAULT_LAYOUT = "avery-5392"
MAX_OFFSET_MM = 20.0


def get_layout(key: str) -> SheetLayout:
    """The layout called ``key``. Raises DomainError ``bad_layout`` (field layout)."""
    try:
        return LAYOUTS[key]
    except KeyError:
        raise DomainError("Please choose one of the listed layouts.", "bad_layout", "layout") from None


# ---------------------------------------------------------------------------------------------
# The QR code: BASE_URL/b/<ticket_code>, error correction M, 4-module quiet zone.


def qr_payload(rsvp: Rsvp) -> str:
    """What every badge QR encodes, and nothing else. Printed on paper: never change the format."""
    return f"{links.base_url()}/b/{rsvp.ticket_code}"


@lru_cache(maxsize=4096)
def qr_png(payload: str) -> bytes:
    """The QR code as a 1-bit PNG, one pixel per module, quiet zone included (error correction M).

    Made with the ``qrcode`` package, as the stack prescribes; it costs about 6 ms a code, mostly
    choosing the mask, so codes are cached per payload.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=QR_QUIET_MODULES)
    code.add_data(payload)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("1")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def qr_modules(png: bytes) -> int:
    """Width of a QR PNG from ``qr_png`` in modules, quiet zone included."""
    return int.from_bytes(png[16:20], "big")  # IHDR width


def qr_data_uri(payload: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(payload)).decode()


def qr_image_size(png: bytes) -> float:
    """Printed size (pt) of the whole QR image so that the symbol is QR_SYMBOL_PT wide."""
    total = qr_modules(png)
    return QR_SYMBOL_PT * total / (total - 2 * QR_QUIET_MODULES)


# ---------------------------------------------------------------------------------------------
# What a badge shows.


@dataclasses.dataclass(frozen=True)
class BadgeData:
    """One badge's content, plain values only (picklable for worker processes)."""

    rsvp_id: int
    payload: str
    name: str
    full_name: str
    pronouns: str
    program: str
    level: str
    role: str
    role_words: str
    event_title: str
    event_place: str
    event_date: str


def badge_role(rsvp: Rsvp) -> BadgeRole:
    """The organizer's choice, else the band that follows from the training level."""
    return rsvp.badge_role or LEVEL_ROLES.get(rsvp.training_level, BadgeRole.RESIDENT)


def role_words(role: BadgeRole, level: TrainingLevel) -> str:
    """The role in words for the band (colour is never the only signal)."""
    if role == BadgeRole.RESIDENT:
        return {TrainingLevel.MEDICAL_STUDENT: "Medical student", TrainingLevel.FELLOW: "Fellow"}.get(level, "Resident")
    return {BadgeRole.FACULTY: "Faculty", BadgeRole.INDUSTRY: "Industry", BadgeRole.STAFF: "Staff"}.get(role, "Guest")


def badge_data(rsvp: Rsvp, event: Event | None = None) -> BadgeData:
    """The badge of ``rsvp`` as plain data (needs an app context for BASE_URL)."""
    event = event or rsvp.event
    start = event.local_starts_at
    role = badge_role(rsvp)
    return BadgeData(
        rsvp_id=rsvp.id,
        payload=qr_payload(rsvp),
        name=rsvp.display_name,
        full_name=rsvp.full_name,
        pronouns=rsvp.pronouns,
        program=rsvp.institution,
        level=rsvp.training_level.label,
        role=role.value,
        role_words=role_words(role, rsvp.training_level),
        event_title=event.title,
        event_place=event.city,
        event_date=f"{start:%a, %b} {start.day}, {start.year}",
    )


@dataclasses.dataclass(frozen=True)
class Block:
    """One piece of text on the badge (name, program, ...): its box in points and fitted lines."""

    kind: str
    x: float
    y: float
    w: float
    fit: Fitted
    bold: bool = False
    #: Pronouns printed after the full name on the same line (muted).
    suffix: str = ""

    @property
    def height(self) -> float:
        return self.fit.height

    @property
    def bottom(self) -> float:
        return self.y + self.height


def _stack(pieces: list[tuple[str, Fitted, bool, str]], *, x: float, y: float, w: float, gap: float = 0) -> list[Block]:
    """Blocks one under the other from ``y``, ``gap`` apart (pieces with no text are left out)."""
    blocks = []
    for kind, fitted, bold, suffix in pieces:
        if fitted.lines:
            blocks.append(Block(kind, x, y, w, fitted, bold=bold, suffix=suffix))
            y = blocks[-1].bottom + gap
    return blocks


@dataclasses.dataclass(frozen=True)
class FittedBadge:
    """A badge laid out: every block placed and sized, and the QR's box, in points."""

    data: BadgeData
    blocks: tuple[Block, ...]
    qr_uri: str
    qr_x: float
    qr_y: float
    qr_size: float
    colour: str
    band_h: float = BAND_H
    pad: float = PAD

    @property
    def width(self) -> float:
        return BADGE_W

    def block(self, kind: str) -> Block | None:
        return next((b for b in self.blocks if b.kind == kind), None)


def fit_badge(data: BadgeData) -> FittedBadge:
    """Lay out one badge: sizes from the longest text down, lines from Pango, QR bottom-right.

    Upper part, full width: the name (large), then full name and pronouns. Lower left, beside
    the QR: program and training level from the top, event title and place/date from the
    bottom. Each block shrinks (then wraps) to its box; the program gets what room is left.
    """
    m = measurer()
    png = qr_png(data.payload)
    qr_size = qr_image_size(png)
    qr_x, qr_y = BADGE_W - QR_EDGE - qr_size, BADGE_H - QR_EDGE - qr_size
    width = BADGE_W - 2 * PAD

    def height(fits) -> float:
        return sum(f.height for f in fits)

    # Upper part: full name and pronouns are small and fitted first; the name gets the rest.
    top = BAND_H + 7
    upper_room = qr_y - 4 - top
    full_name, pronouns = m.printable(data.full_name), m.printable(data.pronouns)
    if full_name.casefold() == m.printable(data.name).casefold():
        full_name = ""  # the large name already is the full name: print it once
    together = m.fit(
        f"{full_name} · {pronouns}" if pronouns and full_name else full_name or pronouns,
        width=width,
        max_size=11,
        min_size=9,
    )
    if not full_name:
        under = [("pronouns", together, False, "")] if pronouns else []
    elif together.size >= 9:
        suffix = f" · {pronouns}" if pronouns else ""
        under = [("full", dataclasses.replace(together, lines=(full_name,)), False, suffix)]
    else:
        under = [
            ("full", m.fit(full_name, width=width, max_size=11, min_size=9, min_wrapped=7.5, max_lines=2), False, "")
        ]
        if pronouns:
            under.append(("pronouns", m.fit(pronouns, width=width, max_size=10, min_size=8), False, ""))
    name_h = min(46.0, upper_room - height(f for _, f, _, _ in under) - 2 * GAP)
    name = m.fit(
        data.name, width=width, max_size=36, min_size=22, min_wrapped=12, max_lines=2, height=name_h, bold=True
    )
    upper = _stack([("name", name, True, ""), *under], x=PAD, y=top, w=width, gap=GAP)

    # Lower left: the event anchored at the bottom, then the program in what room remains.
    low_w = qr_x - PAD - 6
    bottom = BADGE_H - 12
    place_text = f"{data.event_place} · {data.event_date}" if data.event_place else data.event_date
    place = m.fit(place_text, width=low_w, max_size=8.5, min_size=7, min_wrapped=6.5, max_lines=2)
    title = m.fit(data.event_title, width=low_w, max_size=8.5, min_size=7.5, min_wrapped=6.5, max_lines=2, bold=True)
    event_y = bottom - height([title, place])
    low_top = max(upper[-1].bottom + 5, top + 46 + 13)  # the lower part lines up across badges
    level = m.fit(data.level, width=low_w, max_size=9.5, min_size=7, bold=True)
    room = event_y - 5 - low_top - height([level]) - GAP
    program = m.fit(data.program, width=low_w, max_size=10, min_size=9, min_wrapped=7, max_lines=3, height=room)
    return FittedBadge(
        data=data,
        blocks=(
            *upper,
            *_stack([("program", program, False, ""), ("level", level, True, "")], x=PAD, y=low_top, w=low_w, gap=GAP),
            *_stack([("title", title, True, ""), ("place", place, False, "")], x=PAD, y=event_y, w=low_w),
        ),
        qr_uri=qr_data_uri(data.payload),
        qr_x=qr_x,
        qr_y=qr_y,
        qr_size=qr_size,
        colour=ROLE_COLOURS[BadgeRole(data.role)],
    )


# ---------------------------------------------------------------------------------------------
# HTML → PDF.


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's only door to resources: ``data:`` URIs and ``static:<path>`` files from our
    static folder. ``file:``, ``http(s):``, anything else (and so any redirect) is refused."""

    def __init__(self, static_dir: Path = STATIC_DIR):
        super().__init__(allowed_protocols=("data", "static"), allow_redirects=False, fail_on_errors=False)
        self.static_dir = Path(static_dir).resolve()

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            meta, sep, payload = url[5:].partition(",")
            if not sep:
                raise ValueError("malformed data: URI")
            mime, *params = meta.split(";")
            body = base64.b64decode(payload) if "base64" in params else unquote_to_bytes(payload)
            return URLFetcherResponse(url, body, {"Content-Type": mime or "text/plain"})
        if url.startswith("static:"):
            path = (self.static_dir / url[len("static:") :].lstrip("/")).resolve()
            if not path.is_relative_to(self.static_dir) or not path.is_file():
                raise ValueError(f"not one of our static files: {url}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        raise ValueError(f"refused to fetch {url[:80]!r}: badges load only data: URIs and our static files")


@lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    """The badge templates outside Flask (worker processes have no app); autoescaped like Flask's."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclasses.dataclass(frozen=True)
class PlacedBadge:
    page: int
    x: float
    y: float
    badge: FittedBadge


def _place(
    badges: Sequence[BadgeData], layout: SheetLayout, offset: tuple[float, float], first_slot: int
) -> list[tuple[int, float, float, BadgeData]]:
    """(page, x, y, data) for each badge, filling slots row by row from ``first_slot`` (1-based)."""
    dx, dy = offset[0] * PT_PER_MM, offset[1] * PT_PER_MM
    out = []
    for i, data in enumerate(badges):
        page, slot = divmod(first_slot - 1 + i, layout.per_page)
        x, y = layout.slot_origin(slot)
        out.append((page, x + dx, y + dy, data))
    return out


def page_count(n: int, layout: SheetLayout, first_slot: int = 1) -> int:
    return math.ceil((first_slot - 1 + n) / layout.per_page) if n else 0


def render_html(placed: Sequence[tuple[int, float, float, BadgeData]], layout: SheetLayout, pages: int) -> str:
    """The sheet document for badges already placed on ``pages`` pages (page numbers from 0)."""
    by_page: list[list[PlacedBadge]] = [[] for _ in range(pages)]
    for page, x, y, data in placed:
        by_page[page].append(PlacedBadge(page, x, y, fit_badge(data)))
    return (
        _jinja()
        .get_template("badges/sheet.html")
        .render(layout=layout, pages=by_page, badge_w=BADGE_W, badge_h=BADGE_H)
    )


@contextlib.contextmanager
def _no_gc():
    """Pause the cyclic garbage collector: WeasyPrint allocates hundreds of thousands of objects
    per chunk and the collector's passes over them cost about a quarter of the render time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_pdf(html: str) -> bytes:
    m = measurer()
    with m.lock, _no_gc():  # Pango and fontconfig objects are shared with the measurer: one render at a time
        return HTML(string=html, url_fetcher=StaticOnlyFetcher()).write_pdf(font_config=m.font_config)


@dataclasses.dataclass(frozen=True)
class _Chunk:
    layout: str
    pages: int
    placed: tuple[tuple[int, float, float, BadgeData], ...]


def _render_chunk(chunk: _Chunk) -> bytes:
    """One chunk of whole pages to PDF bytes (runs in a worker process or in place)."""
    with _no_gc():
        return write_pdf(render_html(chunk.placed, LAYOUTS[chunk.layout], chunk.pages))


def _render_chunk_in_worker(chunk: _Chunk) -> bytes:
    try:
        return _render_chunk(chunk)
    finally:
        gc.collect()  # the chunk's cycles, once, instead of many passes during the render


def _warm_worker() -> None:
    measurer()  # load fontconfig once per worker, before the first chunk arrives
    gc.freeze()  # modules and fonts: never worth scanning again


def badge_pool(processes: int = 2) -> concurrent.futures.ProcessPoolExecutor:
    """Worker processes for ``render_badges_pdf(pool=...)``; the caller shuts them down.

    Spawned, never forked: the web process runs threads, and a fork would copy their locks.
    """
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_worker
    )


def _chunks(placed, layout: SheetLayout, pages: int, chunk_pages: int) -> list[_Chunk]:
    out = []
    for start in range(0, pages, chunk_pages):
        stop = min(start + chunk_pages, pages)
        part = tuple((p - start, x, y, d) for p, x, y, d in placed if start <= p < stop)
        out.append(_Chunk(layout.key, stop - start, part))
    return out


_pdfium_lock = threading.Lock()


def join_pdfs(parts: Iterable[bytes]) -> bytes:
    """One PDF from several, pages in order (pdfium; it is not thread-safe, hence the lock)."""
    import pypdfium2 as pdfium  # lazy: pdfium's native library loads only for a print job that joins PDFs

    with _pdfium_lock:
        out = pdfium.PdfDocument.new()
        sources = []
        for part in parts:
            source = pdfium.PdfDocument(part)
            out.import_pages(source)
            sources.append(source)
        buffer = io.BytesIO()
        out.save(buffer)
        for source in sources:
            source.close()
        out.close()
        return buffer.getvalue()


def render_badges_pdf(
    badges: Sequence[BadgeData],
    *,
    layout: str = DEFAULT_LAYOUT,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    first_slot: int = 1,
    processes: int = 0,
    chunk_pages: int = 10,
    progress: Callable[[int], None] | None = None,
    pool: concurrent.futures.Executor | None = None,
) -> bytes:
    """The PDF of ``badges`` in ``layout``, in the order given.

    ``offset_mm`` shifts every badge (+x right, +y down) to match a printer; ``first_slot``
    (1-based) starts on a partly used sheet. With ``processes`` > 1 and more than one chunk of
    ``chunk_pages`` pages, chunks render in that many worker processes and are joined.
    ``progress(done)`` is called with the number of badges finished after each chunk. A
    ``pool`` from ``badge_pool`` is used as it is (kept warm by the caller) instead of starting one.
    Raises DomainError ``bad_layout``, ``bad_slot``, ``no_badges``.
    """
    sheet = get_layout(layout)
    if not 1 <= first_slot <= sheet.per_page:
        raise DomainError(f"Start at a position from 1 to {sheet.per_page}.", "bad_slot", "first_slot")
    if not badges:
        raise DomainError("There are no badges to print.", "no_badges")
    pages = page_count(len(badges), sheet, first_slot)
    chunks = _chunks(_place(badges, sheet, offset_mm, first_slot), sheet, pages, chunk_pages)
    if pool is None and (processes <= 1 or len(chunks) == 1):
        return _collect(chunks, map(_render_chunk, chunks), progress)
    if pool is not None:
        return _collect(chunks, pool.map(_render_chunk_in_worker, chunks), progress)
    with badge_pool(min(processes, len(chunks))) as own_pool:
        return _collect(chunks, own_pool.map(_render_chunk_in_worker, chunks), progress)


def _collect(chunks: list[_Chunk], parts: Iterable[bytes], progress: Callable[[int], None] | None) -> bytes:
    """The rendered chunks, in order, as one PDF; progress reported as each arrives."""
    done, out = 0, []
    for chunk, part in zip(chunks, parts, strict=True):
        out.append(part)
        done += len(chunk.placed)
        if progress:
            progress(done)
    return out[0] if len(out) == 1 else join_pdfs(out)


def render_calibration_pdf(layout: str, *, offset_mm: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """A page with every slot of ``layout`` outlined, a centre cross and mm scales, shifted by
    ``offset_mm``: print it on plain paper and hold it against a badge sheet. Raises ``bad_layout``."""
    sheet = get_layout(layout)
    slots = [sheet.slot_origin(i) for i in range(sheet.per_page)]
    dx, dy = offset_mm[0] * PT_PER_MM, offset_mm[1] * PT_PER_MM
    html = (
        _jinja()
        .get_template("badges/calibration.html")
        .render(
            layout=sheet,
            slots=[(x + dx, y + dy) for x, y in slots],
            offset=offset_mm,
            badge_w=BADGE_W,
            badge_h=BADGE_H,
            mm=PT_PER_MM,
        )
    )
    return write_pdf(html)


# ---------------------------------------------------------------------------------------------
# Domain: who gets a badge, codes, printed marks, offsets, print jobs.


def sort_key(rsvp: Rsvp) -> tuple:
    """Last name, then first name, ignoring case and accents (Ørsted with the Os, Á with the As)."""

    def plain(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ø", "o").replace("ł", "l")

    return (plain(rsvp.last_name), plain(rsvp.first_name), rsvp.id)


SELECTIONS = ("all", "unprinted", "selected")


def guests_for_badges(event: Event, *, selection: str = "all", rsvp_ids: Iterable[int] = ()) -> list[Rsvp]:
    """Confirmed guests of ``event`` by last name: all, those not printed yet, or ``rsvp_ids``.

    Raises DomainError ``bad_selection`` (field selection).
    """
    if selection not in SELECTIONS:
        raise DomainError("Please choose which badges to print.", "bad_selection", "selection")
    query = sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
    if selection == "unprinted":
        query = query.where(Rsvp.badge_printed_at.is_(None))
    elif selection == "selected":
        query = query.where(Rsvp.id.in_(sorted(set(rsvp_ids))))
    return sorted(db.session.scalars(query), key=sort_key)


@dataclasses.dataclass(frozen=True)
class EntryStatus:
    valid: bool
    #: Why not, in words for the page; "" when valid.
    reason: str = ""


def entry_status(rsvp: Rsvp) -> EntryStatus:
    """Whether this badge admits its holder: a confirmed RSVP to an event that still takes place."""
    if rsvp.event.is_cancelled:
        return EntryStatus(False, "The event was cancelled.")
    if rsvp.status == RsvpStatus.CONFIRMED:
        return EntryStatus(True)
    reasons = {
        RsvpStatus.CANCELLED: "This RSVP was cancelled.",
        RsvpStatus.DECLINED: "This RSVP was declined.",
        RsvpStatus.WAITLISTED: "This guest is on the waitlist, not confirmed.",
        RsvpStatus.OFFERED: "This guest has been offered a place but has not claimed it.",
        RsvpStatus.PENDING: "This RSVP is awaiting approval.",
    }
    return EntryStatus(False, reasons.get(rsvp.status, "This RSVP is not confirmed."))


def reissue_ticket_code(rsvp: Rsvp, *, actor: str) -> str:
    """Give ``rsvp`` a new badge code (lost badge): the old one stops working at once, and the
    badge counts as not printed. Recorded in the history. Returns the new code.
    Raises DomainError ``not_live`` for a cancelled or declined RSVP."""

    if not rsvp.is_live:
        raise DomainError("This RSVP is no longer live, so its badge can't be re-issued.", "not_live")
    rsvp.ticket_code = tokens.new_ticket_code()
    rsvp.badge_printed_at = None
    history.record(rsvp, RsvpAction.EDITED, actor, "badge code re-issued (the old badge no longer scans)")
    db.session.flush()
    return rsvp.ticket_code


def set_badge_role(rsvp: Rsvp, role: BadgeRole | str | None, *, actor: str) -> bool:
    """Choose the badge's colour band (None: follow the training level). Returns whether it changed."""
    role = BadgeRole(role) if role else None
    if rsvp.badge_role == role:
        return False
    rsvp.badge_role = role

    history.record(rsvp, RsvpAction.EDITED, actor, f"badge role {role.value if role else 'from training level'}")
    db.session.flush()
    return True


def mark_printed(rsvps: Iterable[Rsvp], *, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    count = 0
    for rsvp in rsvps:
        rsvp.badge_printed_at = now
        count += 1
    db.session.flush()
    return count


def set_badge_offsets(event: Event, *, x_mm: float, y_mm: float) -> None:
    """Store the printer offset for ``event``'s badges. Raises DomainError ``bad_offset``
    (field offset_x_mm or offset_y_mm) outside ±20 mm."""
    for field, value in (("offset_x_mm", x_mm), ("offset_y_mm", y_mm)):
        if not -MAX_OFFSET_MM <= value <= MAX_OFFSET_MM:
            raise DomainError(f"Use a shift between −{MAX_OFFSET_MM:g} and {MAX_OFFSET_MM:g} mm.", "bad_offset", field)
    event.badge_offset_x_mm = round(x_mm, 1)
    event.badge_offset_y_mm = round(y_mm, 1)
    db.session.flush()


def start_print_job(
    event: Event,
    *,
    layout: str,
    selection: str,
    rsvp_ids: Iterable[int] = (),
    first_slot: int = 1,
    actor: str,
) -> BadgePrintJob:
    """Queue a PDF of the chosen guests' badges (rendered by ``eventsite.jobs.print_jobs``).

    The guests and their current codes are frozen into the job. Raises DomainError
    ``bad_layout``, ``bad_selection``, ``bad_slot``, ``no_guests``.
    """
    sheet = get_layout(layout)
    if not 1 <= first_slot <= sheet.per_page:
        raise DomainError(f"Start at a position from 1 to {sheet.per_page}.", "bad_slot", "first_slot")
    guests = guests_for_badges(event, selection=selection, rsvp_ids=rsvp_ids)
    if not guests:
        message = {
            "unprinted": "Every confirmed guest's badge has been printed already.",
            "selected": "Tick at least one confirmed guest to print.",
        }.get(selection, "There are no confirmed guests yet.")
        raise DomainError(message, "no_guests", "selection")
    job = BadgePrintJob(
        event_id=event.id,
        requested_by=actor,
        layout=sheet.key,
        selection=selection,
        first_slot=first_slot,
        badges=[[r.id, r.ticket_code] for r in guests],
        total=len(guests),
        pages=page_count(len(guests), sheet, first_slot),
    )
    db.session.add(job)
    db.session.flush()
    return job


def job_badges(job: BadgePrintJob) -> list[BadgeData]:
    """The job's badges in its order, as they read now (codes checked when marking printed)."""
    ids = [rsvp_id for rsvp_id, _code in job.badges]
    by_id = {r.id: r for r in db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(ids)))}
    event = job.event
    return [badge_data(by_id[i], event) for i in ids if i in by_id]


def finish_print_job(job: BadgePrintJob, pdf: bytes, *, now: dt.datetime | None = None) -> int:
    """Store the job's ``pdf``, mark the job done and its guests' badges printed (those whose
    code is unchanged since the job began); returns how many were marked. PDFs older than
    KEEP_OUTPUT go at the same time (and in ``jobs run``)."""
    now = now or utcnow()
    remove_expired_outputs(now=now)
    db.session.add(BadgeJobOutput(job_id=job.id, pdf=pdf, created_at=now))
    codes = dict((rsvp_id, code) for rsvp_id, code in job.badges)
    guests = db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(list(codes)))).all()
    marked = mark_printed([r for r in guests if r.ticket_code == codes[r.id]], now=now)
    job.status = BadgeJobStatus.DONE
    job.done = job.total
    job.finished_at = job.updated_at = now
    db.session.flush()
    return marked


def fail_print_job(job: BadgePrintJob, message: str, *, now: dt.datetime | None = None) -> None:
    job.status = BadgeJobStatus.FAILED
    job.error = message[:2000]
    job.finished_at = job.updated_at = now or utcnow()
    db.session.flush()


#: Finished PDFs are kept this long.
KEEP_OUTPUT = dt.timedelta(days=7)


def job_pdf(job: BadgePrintJob) -> bytes | None:
    """The finished job's PDF, or None (not done, or removed after KEEP_OUTPUT)."""
    return db.session.scalar(sa.select(BadgeJobOutput.pdf).where(BadgeJobOutput.job_id == job.id))


def remove_expired_outputs(*, now: dt.datetime | None = None) -> int:
    """Delete PDFs made more than KEEP_OUTPUT ago (the jobs stay, saying the file is gone)."""
    cutoff = (now or utcnow()) - KEEP_OUTPUT
    result = db.session.execute(sa.delete(BadgeJobOutput).where(BadgeJobOutput.created_at < cutoff))
    return result.rowcount


def forget_guest_jobs(rsvp: Rsvp) -> int:
    """Delete every print job of the guest's event that holds their badge, with its PDF (for
    a guest's data deletion: the PDF shows their name). Returns how many jobs went."""
    jobs = db.session.scalars(sa.select(BadgePrintJob).where(BadgePrintJob.event_id == rsvp.event_id)).all()
    doomed = [job.id for job in jobs if any(rsvp_id == rsvp.id for rsvp_id, _code in job.badges)]
    if doomed:
        db.session.execute(sa.delete(BadgeJobOutput).where(BadgeJobOutput.job_id.in_(doomed)))
        db.session.execute(
            sa.delete(BadgePrintJob).where(BadgePrintJob.id.in_(doomed)).execution_options(synchronize_session="fetch")
        )
    return len(doomed)


#: A running job whose progress has not moved for this long died with its process.
STALE_JOB = dt.timedelta(minutes=5)


def is_stale(job: BadgePrintJob, now: dt.datetime | None = None) -> bool:
    return not job.is_finished and (now or utcnow()) - job.updated_at > STALE_JOB


def recent_jobs(event: Event, limit: int = 5) -> list[BadgePrintJob]:
    return list(
        db.session.scalars(
            sa.select(BadgePrintJob)
            .where(BadgePrintJob.event_id == event.id)
            .order_by(BadgePrintJob.id.desc())
            .limit(limit)
        )
    )


@dataclasses.dataclass(frozen=True)
class BadgeList:
    """Confirmed guests for the organizer's badge page, by last name, with printed counts."""

    rows: list[Rsvp]
    confirmed: int
    printed: int

    @property
    def unprinted(self) -> int:
        return self.confirmed - self.printed


def badge_list(event: Event, *, printed: bool | None = None) -> BadgeList:
    """Confirmed guests of ``event``; only printed (True) or unprinted (False) ones if asked."""
    everyone = guests_for_badges(event)
    done = sum(1 for r in everyone if r.badge_printed_at is not None)
    rows = everyone if printed is None else [r for r in everyone if (r.badge_printed_at is not None) == printed]
    return BadgeList(rows=rows, confirmed=len(everyone), printed=done)


def print_badge(rsvp: Rsvp, *, layout: str = "single", first_slot: int = 1) -> bytes:
    """One guest's badge as a PDF for an organizer (walk-in, lost badge), at the event's printer
    shift, marked as printed. Raises DomainError ``not_confirmed``, ``bad_layout``, ``bad_slot``."""
    if rsvp.status != RsvpStatus.CONFIRMED:
        raise DomainError("Only confirmed guests get a badge.", "not_confirmed")
    event = rsvp.event
    pdf = render_badges_pdf(
        [badge_data(rsvp, event)],
        layout=layout,
        first_slot=first_slot,
        offset_mm=(event.badge_offset_x_mm, event.badge_offset_y_mm),
    )
    mark_printed([rsvp])
    return pdf
