"""Small helpers shared by tests: forms with their CSRF token, mail delivery, e-mail parsing."""

import contextlib
import os
import re
import types
from html.parser import HTMLParser

import sqlalchemy as sa

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.jobs import deliver_outbox
from eventsite.models import OutboxMessage
from eventsite.services import mail

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, *, page: str | None = None, follow_redirects: bool = False):
    """POST ``data`` to ``url`` with the CSRF token read from ``page`` (default: ``url``), as a browser would."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(html)}, follow_redirects=follow_redirects)


def deliver(app):
    """Run outbox delivery once (tests use MAIL_DELIVERY=manual)."""
    with app.app_context():
        return deliver_outbox()


def as_sent(message: OutboxMessage):
    """An outbox row as its e-mail will read: a guest e-mail queued with a recipe is rendered
    (as the deliverer would now), so a test can read it before delivery; call in an app context."""
    made = mail.contents(message)
    fields = ("id", "kind", "rsvp_id", "to_address", "subject", "headers", "status")
    return types.SimpleNamespace(
        **{f: getattr(message, f) for f in fields},
        body_text=made.text,
        body_html=made.html,
        attachments=made.attachments,
    )


def text_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_body(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}


def manage_link(message, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/r/[A-Za-z0-9_\-]+", text_body(message))
    assert match, "no manage link in the e-mail"
    return match.group(0)


def outbox_token(path: str, to: str | None = None) -> str:
    """The token of the newest link under ``path`` ("/join/", "/reset-password/") in the outbox,
    optionally of a message to ``to``; call inside an app context."""
    query = sa.select(OutboxMessage.body_text).order_by(OutboxMessage.id.desc())
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    for body in db.session.scalars(query):
        found = re.search(re.escape(path) + r"([A-Za-z0-9_-]+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no {path} link in the outbox")


@contextlib.contextmanager
def db_session(app):
    """Arrange or inspect data outside any request: an app context whose writes take the lock; commits at the end."""
    with app.app_context(), writing():
        yield db.session
        db.session.commit()


class _Page(HTMLParser):
    """Reads a rendered page the way a person sees it: visible text, field boxes, form values."""

    VOID = {"input", "br", "img", "hr", "meta", "link"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.skip = 0
        self.boxes: list[dict] = []  # {"names": set, "text": [...]} for each div.field
        self.open_boxes: list[tuple[int, dict]] = []
        self.div_depth = 0
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "title"):
            self.skip += 1
        if tag == "div":
            self.div_depth += 1
            if "field" in (a.get("class") or "").split():
                box = {"names": set(), "text": []}
                self.boxes.append(box)
                self.open_boxes.append((self.div_depth, box))
        name = a.get("name")
        if name and tag in ("input", "select", "textarea"):
            for _, box in self.open_boxes:
                box["names"].add(name)
            if tag == "input":
                self.values[name] = a.get("value") or ""
            elif tag == "select":
                self.select = name
                self.values.setdefault(name, "")
            else:
                self.textarea = name
                self.values[name] = ""
        if tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self.skip -= 1
        elif tag == "div":
            if self.open_boxes and self.open_boxes[-1][0] == self.div_depth:
                self.open_boxes.pop()
            self.div_depth -= 1
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            if not self.values[self.textarea]:  # browsers drop the newline that opens a textarea
                data = data.removeprefix("\r\n").removeprefix("\n")
            self.values[self.textarea] += data
        if self.skip:
            return
        self.text.append(data)
        for _, box in self.open_boxes:
            box["text"].append(data)


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _squash(parts) -> str:
    return " ".join("".join(parts).split())


def page_text(html: str) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    return _squash(_read(html).text)


def field_box(html: str, name: str) -> str:
    """The text of the `.field` container (label, hint, error) that holds the control ``name``."""
    boxes = [b for b in _read(html).boxes if name in b["names"]]
    assert len(boxes) == 1, f"expected one field box for {name!r}, found {len(boxes)}"
    return _squash(boxes[0]["text"])


def form_values(html: str) -> dict[str, str]:
    """What the page's form controls hold: input values, textarea text, the selected option."""
    return _read(html).values


def read_ics(data: bytes):
    """Parse an iCalendar file; return (calendar, its one VEVENT)."""
    import icalendar

    cal = icalendar.Calendar.from_ical(data)
    vevents = cal.walk("VEVENT")
    assert len(vevents) == 1, f"expected one VEVENT, found {len(vevents)}"
    return cal, vevents[0]


ORGANIZER_PASSWORD = "correct horse battery staple"


def sign_in(client, email: str, password: str = ORGANIZER_PASSWORD, *, next_url: str | None = None):
    """Sign in through the real /login form; returns the response (a redirect on success)."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return post_form(client, url, {"email": email, "password": password})


def sign_in_page(page, email: str = "organizer@example.org", password: str = ORGANIZER_PASSWORD) -> None:
    """In a browser (Playwright): fill in and send the sign-in form ``page`` shows, as the organizer does."""
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


# --- PDFs and QR codes, read back the way a printer and a phone would (badges) -----------------


def pdf_pages(data: bytes, dpi: int = 150) -> list:
    """Each page of a PDF rendered to a PIL image at ``dpi`` (pypdfium2)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in pdf]
    finally:
        pdf.close()


def decode_qr(image) -> list:
    """Every QR code in ``image`` (PNG bytes or a PIL image): zxing-cpp results, with ``.text``,
    ``.ec_level`` and ``.position`` (corner points in pixels)."""
    import io

    import zxingcpp
    from PIL import Image

    if isinstance(image, bytes | bytearray):
        image = Image.open(io.BytesIO(image))
    return list(zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode))


def pdf_text(data: bytes) -> list[str]:
    """The text of each page of a PDF, as a reader would copy it (pypdfium2)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for page in pdf:
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
        return out
    finally:
        pdf.close()


def pdf_chars(data: bytes) -> list[list[dict]]:
    """Every character of each page: {"char", "font", "box": (left, top, right, bottom) in pt from
    the page's top-left}. ``font`` is the embedded font that drew it (pypdfium2)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(data)
    pages = []
    try:
        for page in pdf:
            height = page.get_height()
            textpage = page.get_textpage()
            chars = []
            buffer = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            pending_high = None
            for i in range(textpage.count_chars()):
                code = raw.FPDFText_GetUnicode(textpage.raw, i)
                if 0xD800 <= code < 0xDC00:  # UTF-16 high surrogate: the character is the pair
                    pending_high = code
                    continue
                if pending_high is not None and 0xDC00 <= code < 0xE000:
                    code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
                pending_high = None
                length = raw.FPDFText_GetFontInfo(textpage.raw, i, buffer, 256, ctypes.byref(flags))
                font = buffer.raw[: max(length - 1, 0)].decode(errors="replace").split("+", 1)[-1]  # no subset tag
                left, bottom, right, top = textpage.get_charbox(i)
                chars.append({"char": chr(code), "font": font, "box": (left, height - top, right, height - bottom)})
            pages.append(chars)
            textpage.close()
        return pages
    finally:
        pdf.close()


def pdf_streams(data: bytes) -> bytes:
    """The PDF's bytes followed by every stream it holds, decompressed (to look for markers
    inside compressed object streams)."""
    import re
    import zlib

    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def pdf_fonts(data: bytes) -> set[str]:
    """Names of the fonts the PDF's text is drawn with (subset tags removed), from every page."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(data)
    names = set()
    try:
        buffer = ctypes.create_string_buffer(256)
        for page in pdf:
            for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT]):
                font = raw.FPDFTextObj_GetFont(obj.raw)
                length = raw.FPDFFont_GetBaseFontName(font, buffer, 256)
                names.add(buffer.raw[: max(length - 1, 0)].decode(errors="replace").split("+", 1)[-1])
        return names
    finally:
        pdf.close()


def tampered(token: str) -> str:
    """``token`` with one character of its signature changed (not the last one, whose low bits
    base64 may ignore): a forgery that can never verify by chance."""
    i = len(token) - 6
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]


def cli_env(app, **extra) -> dict:
    """The environment of a `flask --app wsgi …` subprocess that uses the test's database and
    mailbox (``extra``: more variables)."""

    return dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test",
        BASE_URL=app.config["BASE_URL"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(app.config["MAIL_PORT"]),
        **extra,
    )
