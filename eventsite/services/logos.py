"""Vendor logos (issue 16): an uploaded file is read with Pillow, checked, and re-encoded; the
uploaded bytes are never stored or served.

- PNG, JPEG and WebP are accepted, judged by their content; a file whose name says another
  type than its content (a JPEG called .png) is refused, so an organizer notices a wrong file.
- SVG is refused: it is a document that can carry scripts and external references, and a
  sanitiser's safe subset is a moving target. The message asks for a PNG export.
- At most 2 MB uploaded and 25 megapixels decoded (a decompression bomb stops at the header,
  before any pixel is decoded); scaled down to fit 600 × 300, EXIF orientation applied, every
  metadata chunk (EXIF, XMP, ICC, text) dropped, the first frame of an animation only.
"""

import dataclasses
import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from eventsite.services import DomainError, ErrorCode

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
BOX = (600, 300)
#: Pillow's format name → (stored MIME type, file extension, the names a file of it may carry).
FORMATS = {
    "PNG": ("image/png", "png", {".png"}),
    "JPEG": ("image/jpeg", "jpg", {".jpg", ".jpeg", ".jpe", ".jfif"}),
    "WEBP": ("image/webp", "webp", {".webp"}),
}


@dataclasses.dataclass(frozen=True)
class Logo:
    data: bytes
    mimetype: str
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]


def _refuse(message: str) -> DomainError:
    return DomainError(message, ErrorCode.BAD_LOGO, "logo")


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def _complete(kind: str, data: bytes) -> bool:
    """Whether the file holds the whole image. Pillow would decode a cut-off file as far as it
    goes when ``ImageFile.LOAD_TRUNCATED_IMAGES`` is on, and WeasyPrint turns it on for the process."""
    if kind == "PNG":
        try:
            Image.open(io.BytesIO(data)).verify()  # every chunk's CRC, up to IEND
        except Exception:  # Pillow raises several types for a broken chunk
            return False
        return True
    if kind == "JPEG":
        return data.rstrip(b"\0\r\n ").endswith(b"\xff\xd9")
    return int.from_bytes(data[4:8], "little") + 8 <= len(data)  # WebP: the RIFF size


def read_logo(data: bytes, filename: str = "") -> Logo:
    """The logo to store, re-encoded from an upload. Raises DomainError ``bad_logo`` (field
    ``logo``) for an empty, too large, SVG, unreadable, mislabelled or too many-pixel file."""
    if not data:
        raise _refuse("The file is empty: choose the logo again.")
    if len(data) > MAX_BYTES:
        raise _refuse(f"The logo is {len(data) / 1024 / 1024:.1f} MB; please upload one of 2 MB or less.")
    if _looks_like_svg(data):
        raise _refuse(
            "SVG logos aren't accepted, because an SVG file can carry scripts. "
            "Please export the logo as PNG (or JPEG or WebP) and upload that."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = image.format or ""
            if kind not in FORMATS:
                raise _refuse("This file is not a PNG, JPEG or WebP image. Please upload one of those.")
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(
                    f"This image is {image.width:,} × {image.height:,} pixels, far more than a logo needs; "
                    "please upload a smaller one (at most 25 megapixels)."
                )
            if not _complete(kind, data):
                raise OSError("truncated")
            image.seek(0)
            image.load()
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("This file is not a PNG, JPEG or WebP image we can read. Please upload one of those.") from None
    except (OSError, SyntaxError, ValueError):
        raise _refuse("This image is damaged or incomplete; please export it again and upload the new file.") from None
    mimetype, extension, names = FORMATS[kind]
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix and suffix not in names:
        raise _refuse(
            f"This file is named “…{suffix}” but is a {kind.title() if kind != 'JPEG' else 'JPEG'} image. "
            f"Rename it to .{extension} or export it again, then upload it."
        )
    return _reencode(image, kind, mimetype)


def _reencode(image: Image.Image, kind: str, mimetype: str) -> Logo:
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha and kind != "JPEG" else "RGB")
    image.thumbnail(BOX, Image.Resampling.LANCZOS)
    clean = Image.new(image.mode, image.size)  # a fresh image: no info, EXIF, ICC or text chunks
    clean.paste(image)
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=88, optimize=True)
    elif kind == "WEBP":
        clean.save(out, "WEBP", quality=88)
    else:
        clean.save(out, "PNG", optimize=True)
    return Logo(data=out.getvalue(), mimetype=mimetype, width=clean.width, height=clean.height)
