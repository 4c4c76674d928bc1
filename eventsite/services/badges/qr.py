"""The badge QR code: what it encodes (BASE_URL/b/<ticket_code>, printed on paper, so the format
never changes) and its image (error correction M, 4-module quiet zone) and printed size."""

import base64
import io
from functools import lru_cache

import qrcode
import qrcode.constants

from eventsite.models import Rsvp
from eventsite.services import links

#: The QR symbol itself (without its quiet zone): 1.1 in, above the 1 in minimum, for quick scans.
QR_SYMBOL_PT = 80.0
QR_QUIET_MODULES = 4


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
