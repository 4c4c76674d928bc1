"""Every template a browser is served is written for the Content-Security-Policy.

The policy blocks inline scripts, on* event handlers, javascript: URLs and style="" attributes.
tests/browser/test_csp.py catches them on the pages it visits; this reads every template, so a
page nobody added to the browser test is caught too. Templates that only ever become PDFs or
e-mails are exempt (they are never served as a web page).
"""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: Rendered only by WeasyPrint into PDFs, or sent as e-mail: never served by the app.
NOT_SERVED = (
    "emails/",
    "badges/sheet.html",
    "badges/calibration.html",
    "badges/_cut_guides.html",
    "admin/feedback_poster.html",  # the poster PDF only
    "admin/vendor_sheet.html",  # the vendor sheet PDF only
)
#: Serves both: the on-paper branch keeps inline geometry for WeasyPrint's speed, the on-screen
#: branch writes a nonce'd stylesheet instead (checked in a browser by test_csp.py).
PAPER_AND_SCREEN = ("badges/_badge.html",)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)


def served_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if not name.startswith(NOT_SERVED):
            yield name, path.read_text()


def test_served_templates_have_no_inline_script_or_style():
    problems = []
    seen = 0
    for name, text in served_templates():
        seen += 1
        checks = [(INLINE_SCRIPT, "inline <script>"), (HANDLER, "on* handler"), (JS_URL, "javascript: URL")]
        if name not in PAPER_AND_SCREEN:
            checks += [(STYLE_ATTR, 'style="" attribute'), (STYLE_BLOCK, "<style> without the CSP nonce")]
        for pattern, what in checks:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"templates/{name}:{line}: {what}; use a class in eventsite/static/css or a JS file")
    assert seen > 30, "templates not found"
    assert not problems, "\n".join(problems)


def test_the_check_sees_what_it_should():
    assert STYLE_ATTR.search('<p class="x" style="color:red">')
    assert HANDLER.search('<button onclick="go()">')
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/door.js" defer></script>')
    assert STYLE_BLOCK.search("<style>p{}</style>") and not STYLE_BLOCK.search('<style nonce="{{ n }}">')
    assert JS_URL.search('<a href="javascript:void(0)">')
