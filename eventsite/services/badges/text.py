"""Fitting badge text: measure with Pango, the engine WeasyPrint lays out with, and choose sizes.

WeasyPrint has no shrink-to-fit, so every text block on a badge is measured here first: same
fonts (fontconfig via WeasyPrint's FontConfiguration), same shaping (HarfBuzz), same fallback
for scripts the first family lacks. The fitter returns the font size and the exact lines, which
the template prints one per line without letting WeasyPrint wrap again, so what was measured is
what gets printed. Characters no installed font covers are dropped, never drawn as boxes.
"""

import dataclasses
import functools
import threading
import unicodedata

import cffi
from weasyprint.text import ffi as wffi
from weasyprint.text.constants import PANGO_DIRECTION, PANGO_WRAP_MODE
from weasyprint.text.fonts import FontConfiguration

_ffi = cffi.FFI()
_ffi.include(wffi.ffi)
_ffi.cdef(
    """
    int pango_layout_get_unknown_glyphs_count (PangoLayout *layout);
    int pango_layout_get_line_count (PangoLayout *layout);
    void pango_layout_get_size (PangoLayout *layout, int *width, int *height);
    """
)


def _dlopen(*names: str):
    for name in names:
        try:
            return _ffi.dlopen(name)
        except OSError:
            continue
    raise OSError(f"Pango not found (tried {', '.join(names)})")


#: The few Pango calls WeasyPrint's own bindings leave out.
_pango = _dlopen("libpango-1.0.so.0", "libpango-1.0-0", "pango-1.0", "libpango-1.0.dylib", "libpango-1.0-0.dll")
pango, gobject = wffi.pango, wffi.gobject
PANGO_SCALE = wffi.TO_UNITS
#: CSS px per pt; WeasyPrint lays out in CSS px.
PX_PER_PT = 4 / 3
#: Measure against a slightly narrower box than the printed one: rounding never pushes a line over.
SAFETY = 0.97

#: One family list for every script; Pango takes each character from the first family that has
#: it, then asks fontconfig (which finds Noto Color Emoji for emoji). The emoji font must not be
#: listed: Pango would then draw plain digits, which are emoji too (keycaps), from it.
BASE_FAMILIES = ("Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari")
CJK_FAMILY = {"ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR", "zh": "Noto Sans CJK SC"}

_RTL_BIDI = {"R", "AL"}
_LTR_BIDI = {"L"}


def families(lang: str = "") -> list[str]:
    return [*BASE_FAMILIES, CJK_FAMILY.get(lang, CJK_FAMILY["ja"]), "sans-serif"]


def script_lang(text: str) -> str:
    """A language hint for CJK glyph shapes: 'ko' for Hangul, 'ja' for kana, 'zh' for Han alone."""
    has_han = False
    for ch in text:
        name = unicodedata.name(ch, "")
        if name.startswith("HANGUL"):
            return "ko"
        if name.startswith(("HIRAGANA", "KATAKANA")):
            return "ja"
        if name.startswith("CJK UNIFIED"):
            has_han = True
    return "zh" if has_han else ""


#: Line height (× font size) for most scripts, and for those whose marks reach far above or
#: below the Latin line (Arabic, Indic, Thai…): Noto draws them taller than 1.15 allows.
LINE_HEIGHT = 1.15
TALL_LINE_HEIGHT = 1.4
_TALL_RANGES = ((0x0600, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0EFF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


def line_height_for(text: str) -> float:
    for ch in text:
        code = ord(ch)
        if any(lo <= code <= hi for lo, hi in _TALL_RANGES):
            return TALL_LINE_HEIGHT
    return LINE_HEIGHT


def is_rtl(text: str) -> bool:
    """True when the first strongly directional character is right to left (Arabic, Hebrew)."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in _RTL_BIDI:
            return True
        if bidi in _LTR_BIDI:
            return False
    return False


def clean(text: str) -> str:
    """NFC, one line, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())


@dataclasses.dataclass(frozen=True)
class Fitted:
    """A block's chosen size (pt) and its lines, measured as WeasyPrint will lay them out."""

    size: float
    lines: tuple[str, ...]
    #: Widest line at ``size``, in pt.
    width: float
    rtl: bool = False
    lang: str = ""
    #: Line height as a multiple of ``size`` (see ``line_height_for``).
    line_height: float = LINE_HEIGHT

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * self.line_height

    @property
    def text(self) -> str:
        return " ".join(self.lines)


class Measurer:
    """Pango layouts on WeasyPrint's font map; one per process, used under a lock."""

    def __init__(self, font_config: FontConfiguration | None = None):
        self.font_config = font_config or FontConfiguration()
        self.lock = threading.RLock()
        self._layouts: dict[tuple[str, bool], object] = {}
        self._descriptions: dict[tuple[str, bool], object] = {}

    def _layout(self, lang: str, rtl: bool):
        key = (lang, rtl)
        if key not in self._layouts:
            context = _ffi.gc(pango.pango_font_map_create_context(self.font_config.font_map), gobject.g_object_unref)
            pango.pango_context_set_round_glyph_positions(context, False)
            pango.pango_context_set_base_dir(context, PANGO_DIRECTION["rtl" if rtl else "ltr"])
            if lang:
                lang_p = _ffi.new("char[]", lang.encode())
                pango.pango_context_set_language(context, pango.pango_language_from_string(lang_p))
            layout = _ffi.gc(pango.pango_layout_new(context), gobject.g_object_unref)
            pango.pango_layout_set_auto_dir(layout, False)
            self._layouts[key] = (layout, context)
        return self._layouts[key][0]

    def _description(self, lang: str, bold: bool):
        key = (lang, bold)
        if key not in self._descriptions:
            desc = _ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
            family_p = _ffi.new("char[]", ",".join(families(lang)).encode())
            self._descriptions[key] = (desc, family_p)
            pango.pango_font_description_set_family(desc, family_p)
            pango.pango_font_description_set_weight(desc, 700 if bold else 400)
        return self._descriptions[key][0]

    def _set(self, text: str, size_pt: float, *, bold: bool, lang: str, rtl: bool, width_pt: float | None, wrap: str):
        layout = self._layout(lang, rtl)
        desc = self._description(lang, bold)
        pango.pango_font_description_set_absolute_size(desc, int(size_pt * PX_PER_PT * PANGO_SCALE))
        pango.pango_layout_set_font_description(layout, desc)
        encoded = text.encode()
        pango.pango_layout_set_text(layout, encoded, len(encoded))
        if width_pt is None:
            pango.pango_layout_set_width(layout, -1)
        else:
            pango.pango_layout_set_width(layout, int(width_pt * PX_PER_PT * PANGO_SCALE))
            pango.pango_layout_set_wrap(layout, PANGO_WRAP_MODE[wrap])
        return layout, encoded

    def width(self, text: str, size_pt: float, *, bold: bool = False, lang: str = "", rtl: bool = False) -> float:
        """The unwrapped width of ``text`` in pt."""
        with self.lock:
            layout, _ = self._set(text, size_pt, bold=bold, lang=lang, rtl=rtl, width_pt=None, wrap="WRAP_WORD")
            w, h = _ffi.new("int *"), _ffi.new("int *")
            _pango.pango_layout_get_size(layout, w, h)
            return w[0] / PANGO_SCALE / PX_PER_PT

    def lines(
        self,
        text: str,
        size_pt: float,
        width_pt: float,
        *,
        bold: bool = False,
        lang: str = "",
        rtl: bool = False,
        wrap: str = "WRAP_WORD",
    ) -> tuple[tuple[str, ...], float]:
        """Break ``text`` into lines of at most ``width_pt`` as Pango does; (lines, widest in pt)."""
        with self.lock:
            layout, encoded = self._set(text, size_pt, bold=bold, lang=lang, rtl=rtl, width_pt=width_pt, wrap=wrap)
            out = []
            widest = 0.0
            extents = _ffi.new("PangoRectangle *")
            for i in range(_pango.pango_layout_get_line_count(layout)):
                line = pango.pango_layout_get_line_readonly(layout, i)
                out.append(encoded[line.start_index : line.start_index + line.length].decode().strip())
                pango.pango_layout_line_get_extents(line, _ffi.NULL, extents)
                widest = max(widest, extents.width / PANGO_SCALE / PX_PER_PT)
            return tuple(line for line in out if line), widest

    @functools.lru_cache(maxsize=4096)  # noqa: B019  (one Measurer per process, kept for its life)
    def supports(self, ch: str, lang: str = "") -> bool:
        """True when some installed font has a glyph for ``ch``."""
        with self.lock:
            layout, _ = self._set(ch, 12, bold=False, lang=lang, rtl=False, width_pt=None, wrap="WRAP_WORD")
            return _pango.pango_layout_get_unknown_glyphs_count(layout) == 0

    def drop_unsupported(self, text: str, lang: str = "") -> str:
        """``text`` without the characters no font can draw (joiners and marks stay with their base)."""
        with self.lock:
            layout, _ = self._set(text, 12, bold=False, lang=lang, rtl=False, width_pt=None, wrap="WRAP_WORD")
            if _pango.pango_layout_get_unknown_glyphs_count(layout) == 0:
                return text
        kept = [
            ch for ch in text if ch == " " or unicodedata.category(ch) in ("Mn", "Me", "Cf") or self.supports(ch, lang)
        ]
        return " ".join("".join(kept).split())

    def printable(self, text: str) -> str:
        """``text`` cleaned (see ``clean``) and without characters no font can draw."""
        text = clean(text)
        return self.drop_unsupported(text, script_lang(text))

    def fit(
        self,
        text: str,
        *,
        width: float,
        max_size: float,
        min_size: float,
        min_wrapped: float | None = None,
        max_lines: int = 1,
        height: float | None = None,
        bold: bool = False,
    ) -> Fitted:
        """Size and lines for ``text`` in a box ``width`` pt wide, as large as ``max_size``.

        One line while that allows at least ``min_size``; then (with ``max_lines`` > 1) the
        largest size down to ``min_wrapped`` at which whole words fit on ``max_lines`` lines
        within ``height``; past that, words too long for the box break between letters. Text
        keeps shrinking until it fits: nothing is ever cut off or left overflowing.
        """
        text = self.printable(text)
        lang = script_lang(text)
        rtl = is_rtl(text)
        line_height = line_height_for(text)
        if not text:
            return Fitted(size=max_size, lines=(), width=0.0, rtl=rtl, lang=lang)
        min_wrapped = min_size if min_wrapped is None else min_wrapped
        if height is not None:
            max_size = min(max_size, height / line_height)  # even one line must fit the height
        box = width * SAFETY

        def allowed(size: float) -> int:
            if height is None:
                return max_lines
            return max(1, min(max_lines, int(height / (size * line_height) + 1e-6)))

        kw = {"bold": bold, "lang": lang, "rtl": rtl}
        info = {"rtl": rtl, "lang": lang, "line_height": line_height}
        # One line: width is proportional to size, so one measurement gives the size.
        natural = self.width(text, 100, **kw) / 100
        one_line = _floor_half(min(max_size, box / natural)) if natural else max_size
        if one_line >= min_size or max_lines == 1:
            one_line = max(one_line, 0.5)
            return Fitted(size=one_line, lines=(text,), width=natural * one_line, **info)
        # Several lines, words kept whole: the largest size (in half points) that fits.
        size = _floor_half(max_size)
        while size >= min_wrapped:
            if allowed(size) > 1:
                lines, widest = self.lines(text, size, box, **kw)
                if len(lines) <= allowed(size) and widest <= box:
                    return Fitted(size=size, lines=lines, width=widest, **info)
            size -= 0.5
        # Last resort: break inside words too and keep shrinking.
        size = min_wrapped
        while True:
            lines, widest = self.lines(text, size, box, wrap="WRAP_WORD_CHAR", **kw)
            if (len(lines) <= allowed(size) and widest <= box) or size <= 1:
                return Fitted(size=size, lines=lines, width=widest, **info)
            size = round(size - 0.5, 1)


def _floor_half(value: float) -> float:
    return int(value * 2) / 2


_measurer: Measurer | None = None
_measurer_lock = threading.Lock()


def measurer() -> Measurer:
    """The process's Measurer (its FontConfiguration is shared with WeasyPrint renders)."""
    global _measurer
    with _measurer_lock:
        if _measurer is None:
            _measurer = Measurer()
        return _measurer
