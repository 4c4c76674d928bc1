"""Badge geometry: the size of one badge and where its parts go, and the sheet layouts (how many
badges a page holds and where), in points from the top-left corner. Plain numbers, no database."""

import dataclasses
import math

from eventsite.services import DomainError, ErrorCode

PT_PER_IN = 72.0
PT_PER_MM = 72 / 25.4

# Geometry of one badge, in points from its top-left corner (4 × 3 in, landscape).

BADGE_W, BADGE_H = 4 * PT_PER_IN, 3 * PT_PER_IN
#: Text keeps this far from the edges; badge holders cover a little of each side.
PAD = 14.0
BAND_H = 26.0
#: From the badge edge to the QR image (whose quiet zone is white, part of the image).
QR_EDGE = 8.0
#: Between stacked blocks of different sizes (name and full name, program and level).
GAP = 2.0


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
        raise DomainError("Please choose one of the listed layouts.", ErrorCode.BAD_LAYOUT, "layout") from None


def check_first_slot(layout: SheetLayout, first_slot: int) -> None:
    """Raises DomainError ``bad_slot`` (field first_slot) unless ``first_slot`` (1-based) is on the page."""
    if not 1 <= first_slot <= layout.per_page:
        raise DomainError(f"Start at a position from 1 to {layout.per_page}.", ErrorCode.BAD_SLOT, "first_slot")


def page_count(n: int, layout: SheetLayout, first_slot: int = 1) -> int:
    """Pages that ``n`` badges fill in ``layout`` from ``first_slot`` (1-based)."""
    return math.ceil((first_slot - 1 + n) / layout.per_page) if n else 0
