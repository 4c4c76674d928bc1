"""Badge PDFs: HTML → PDF through WeasyPrint, and the worker processes for large batches.

A Jinja template (templates/badges/sheet.html) renders HTML and WeasyPrint turns it into bytes,
with a URL fetcher that serves only ``data:`` URIs and our own static files. Every position is
absolute and computed beforehand (``layouts``, ``design``), and every text block is measured
(``text``), so the layout is known before WeasyPrint runs: nothing overflows, overlaps the QR or
gets cut, and tests can check positions against the geometry.

Large batches are split into chunks of whole pages that worker processes render in parallel;
the chunks are then joined into one PDF. Everything here takes plain ``BadgeData`` (no
database, no app context). ``write_pdf`` is the one door to WeasyPrint for other PDFs too.
"""

import base64
import concurrent.futures
import contextlib
import dataclasses
import gc
import io
import mimetypes
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote_to_bytes

import jinja2
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

from eventsite.services import DomainError, ErrorCode
from eventsite.services.badges.design import BadgeData, FittedBadge, fit_badge
from eventsite.services.badges.layouts import (
    BADGE_H,
    BADGE_W,
    DEFAULT_LAYOUT,
    LAYOUTS,
    PT_PER_MM,
    SheetLayout,
    check_first_slot,
    get_layout,
    page_count,
)
from eventsite.services.badges.text import measurer

PACKAGE_DIR = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = PACKAGE_DIR.parent / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


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
    check_first_slot(sheet, first_slot)
    if not badges:
        raise DomainError("There are no badges to print.", ErrorCode.NO_BADGES)
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
