"""A fake camera for Chromium made from badges the app rendered (door tests and bench_door.py).

Chromium plays a Y4M file as its camera with ``camera_args(path)``. ``qr_crop`` cuts a badge's QR
code (with some badge around it) out of a rasterised badge page; ``frame`` puts an image on a
white frame and returns its 4:2:0 planes; ``write_video`` writes frames as a Y4M file.
"""

from collections.abc import Iterable

from PIL import Image, ImageDraw

from helpers import decode_qr

FRAME = (640, 480)
#: Side of the dark square ``frame(..., marker=True)`` puts in the top-left corner, so a page
#: can tell a badge frame from a blank one by one pixel (bench_door.py).
MARKER = 32


def camera_args(video) -> list[str]:
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


def qr_crop(page: Image.Image, payload: str) -> Image.Image:
    """The QR code on ``page`` that encodes ``payload``, with a third of its size of badge around it."""
    [qr] = [q for q in decode_qr(page) if q.text == payload]
    corners = (qr.position.top_left, qr.position.top_right, qr.position.bottom_left, qr.position.bottom_right)
    xs, ys = [p.x for p in corners], [p.y for p in corners]
    margin = (max(xs) - min(xs)) // 3
    box = (max(min(xs) - margin, 0), max(min(ys) - margin, 0), max(xs) + margin, max(ys) + margin)
    return page.crop(box).convert("RGB")


def frame(image: Image.Image | None, size: tuple[int, int] = FRAME, *, marker: bool = False) -> bytes:
    """``image`` (None: nothing) centred on a white frame, as Y4M 4:2:0 planes."""
    canvas = Image.new("RGB", size, "white")
    if image is not None:
        image = image.copy()
        image.thumbnail((size[0] - 80, size[1] - 80))
        canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    if marker:
        ImageDraw.Draw(canvas).rectangle((0, 0, MARKER - 1, MARKER - 1), fill="black")
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    return y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()


def write_video(path, frames: Iterable[bytes], *, size: tuple[int, int] = FRAME, fps: int = 10) -> None:
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for planes in frames:
            out.write(b"FRAME\n" + planes)


def write_y4m(image: Image.Image, path, frames: int = 30) -> None:
    """A still video: ``image`` centred on a white 640×480 frame, ``frames`` times at 10 fps."""
    planes = frame(image)
    write_video(path, (planes for _ in range(frames)))
