"""Badge PDF speed and memory: our WeasyPrint pipeline against a plain reportlab canvas.

Figures (printed, never asserted), for 500 badges in the 6-per-sheet layout (Avery 5392):

* our pipeline (services.badges.render_badges_pdf): two worker processes over chunks of 10 pages
  (60 badges), joined with pdfium; ms per badge (wall clock, pool start included) and peak
  memory (the parent and the largest worker);
* the same 500 badges drawn by a reportlab canvas, the way Indico and pretix do it, with the
  same fields, Noto Sans and the same QR (payload, level M, 4-module quiet zone, 1.1 in), in
  two variants: the identical zxing-cpp QR image (pure drawing cost), and a QR made per badge
  with the ``qrcode`` package (Indico's approach; what "reportlab ≈ 11 ms/badge" measured);
  and the ratio of ours to each;
* where our time goes for one chunk in one process: QR images, text fitting (Pango), HTML
  (Jinja), WeasyPrint parse + layout, PDF writing, and the join;
* 2,000 badges (a whole event): wall time and peak memory (target: under 1 GiB);
* one guest's badge (the manage page's PDF) once warm (target: < 100 ms).

Every measurement runs in its own fresh process, so peak memory is that run's alone.

    .venv/bin/python benchmarks/bench_badges.py              # the figures above
    .venv/bin/python benchmarks/bench_badges.py --badges 120 --event 600 --quick
"""

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_RATIO = 1.0
TARGET_EVENT_MIB = 1024
TARGET_SINGLE_MS = 100
#: Pages per chunk (6 badges each), as the app's BADGE_CHUNK_PAGES default.
CHUNK_PAGES = 10
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

FIRST = ["José", "Zoë", "Łukasz", "Maria", "Daniel", "Priya", "Marcus", "Elena", "Hanako", "Samuel", "Aisha", "Chen"]
LAST = ["Hernández", "Ørsted", "Wróbel", "Lopez", "Kim", "Raman", "Okafor", "Whitfield", "Sato", "Nguyen", "Rahman"]
PROGRAMS = [
    "UCLA Orthopaedic Surgery",
    "Cedars-Sinai Orthopaedics",
    "Harbor-UCLA Medical Center",
    "University of California, Los Angeles, David Geffen School of Medicine, Department of Orthopaedic Surgery",
    "Kaiser Permanente Los Angeles Medical Center Residency Program",
    "Stryker",
]
LEVELS = [
    ("PGY-2", "resident", "Resident"),
    ("Attending / faculty", "faculty", "Faculty"),
    ("Industry / vendor", "industry", "Industry"),
    ("Fellow", "resident", "Fellow"),
]


def sample(n: int, seed: int = 7):
    """``n`` badges with varied names, programs and roles (Latin script, so reportlab can draw them)."""
    import random

    from eventsite.services.badges import BadgeData

    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        level, role, words = rng.choice(LEVELS)
        code = "".join(rng.choice(ALPHABET) for _ in range(32))
        out.append(
            BadgeData(
                rsvp_id=i + 1,
                payload=f"https://events.example.org/b/{code}",
                name=first if i % 7 else f"{first} {last}-{rng.choice(LAST)}",
                full_name=f"{first} {last}",
                pronouns=rng.choice(["", "she/her", "he/him", "they/them"]),
                institution=rng.choice(PROGRAMS),
                level=level,
                role=role,
                role_words=words,
                event_title="Los Angeles Resident Networking Event",
                event_place="West Hollywood",
                event_date="Sun, Sep 12, 2027",
            )
        )
    return out


def peak_mib() -> tuple[float, float]:
    """(this process, its largest finished child) peak resident memory in MiB (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


# ---------------------------------------------------------------------------------------------
# Measurements, each run in a fresh process (``--run <name>``), reporting JSON on stdout.


def run_weasyprint(n: int, processes: int, chunk_pages: int = CHUNK_PAGES, warm: bool = False) -> dict:
    """Our pipeline; ``warm``: its worker processes already started (as after a first job)."""
    from eventsite.services import badges

    data = sample(n)
    if warm:
        pool = badges.badge_pool(processes)
        badges.render_badges_pdf(sample(12, seed=3), layout="avery-5392", pool=pool, chunk_pages=1)
    start = time.perf_counter()
    if warm:
        pdf = badges.render_badges_pdf(data, layout="avery-5392", pool=pool, chunk_pages=chunk_pages)
    else:
        pdf = badges.render_badges_pdf(data, layout="avery-5392", processes=processes, chunk_pages=chunk_pages)
    seconds = time.perf_counter() - start
    if warm:
        pool.shutdown()
    own, child = peak_mib()
    return {"seconds": seconds, "bytes": len(pdf), "parent_mib": own, "worker_mib": child}


def reportlab_fonts():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    def path(pattern: str) -> str:
        return subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, check=True).stdout

    pdfmetrics.registerFont(TTFont("NotoSans", path("Noto Sans:regular")))
    pdfmetrics.registerFont(TTFont("NotoSans-Bold", path("Noto Sans:bold")))


def qrcode_png(payload: str) -> bytes:
    """A QR PNG made with the pure-Python ``qrcode`` package (Indico's way), same settings."""
    import qrcode
    import qrcode.constants

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    qr.add_data(payload)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out)
    return out.getvalue()


def run_reportlab(n: int, qr: str) -> dict:
    """The same badges on a reportlab canvas: band, name shrunk to fit, full name and pronouns,
    program wrapped to three lines, level, event title and place/date, QR bottom-right."""
    from reportlab.lib.utils import ImageReader, simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    from eventsite.services import badges

    reportlab_fonts()
    colours = {k.value: v for k, v in badges.ROLE_COLOURS.items()}
    data = sample(n)
    make_png = badges.qr_png if qr == "zxing" else qrcode_png
    layout = badges.LAYOUTS["avery-5392"]
    start = time.perf_counter()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(layout.page_w, layout.page_h))
    for i, b in enumerate(data):
        slot = i % layout.per_page
        if i and slot == 0:
            c.showPage()
        left, top = layout.slot_origin(slot)
        x, y = left, layout.page_h - top - badges.BADGE_H  # reportlab's origin is bottom-left
        h, w, pad = badges.BADGE_H, badges.BADGE_W, badges.PAD
        c.setFillColor(colours[b.role])
        c.rect(x, y + h - badges.BAND_H, w, badges.BAND_H, fill=1, stroke=0)
        c.setFillColorRGB(1, 1, 1)
        c.setFont("NotoSans-Bold", 10.5)
        c.drawString(x + pad, y + h - 17, b.role_words.upper())
        c.setFillColorRGB(0.07, 0.07, 0.07)
        size = 36.0
        while stringWidth(b.name, "NotoSans-Bold", size) > w - 2 * pad and size > 12:
            size -= 0.5
        c.setFont("NotoSans-Bold", size)
        c.drawString(x + pad, y + h - 33 - size, b.name)
        line = f"{b.full_name} · {b.pronouns}" if b.pronouns else b.full_name
        c.setFont("NotoSans", 11)
        c.drawString(x + pad, y + h - 33 - 46 - 11, line)
        low_w = w - pad - 6 - 110
        ty = y + h - 105
        for text in simpleSplit(b.institution, "NotoSans", 9, low_w)[:3]:
            c.setFont("NotoSans", 9)
            c.drawString(x + pad, ty, text)
            ty -= 10.5
        c.setFont("NotoSans-Bold", 9.5)
        c.drawString(x + pad, ty - 1, b.level)
        c.setFont("NotoSans-Bold", 8.5)
        for k, text in enumerate(simpleSplit(b.event_title, "NotoSans-Bold", 8.5, low_w)[:2]):
            c.drawString(x + pad, y + 34 - 10 * k, text)
        c.setFont("NotoSans", 8.5)
        c.drawString(x + pad, y + 14, f"{b.event_place} · {b.event_date}")
        png = make_png(b.payload)
        size = badges.qr_image_size(png)
        c.drawImage(ImageReader(io.BytesIO(png)), x + w - badges.QR_EDGE - size, y + badges.QR_EDGE, size, size)
    c.showPage()
    c.save()
    seconds = time.perf_counter() - start
    own, _ = peak_mib()
    return {"seconds": seconds, "bytes": len(out.getvalue()), "parent_mib": own}


def run_phases(n: int) -> dict:
    """One chunk of ``n`` badges in this process, timed phase by phase (fonts loaded first)."""
    from weasyprint import HTML

    from eventsite.services import badges
    from eventsite.services.badges import render
    from eventsite.services.badges.text import measurer

    layout = badges.LAYOUTS["avery-5392"]
    warm = sample(6, seed=1)
    render._render_chunk(render._chunks(render._place(warm, layout, (0, 0), 1), layout, 1, 10)[0])
    data = sample(n)
    badges.qr_png.cache_clear()
    phases = {}
    t = time.perf_counter()
    for b in data:
        badges.qr_png(b.payload)
    phases["QR images (zxing-cpp + PNG)"] = time.perf_counter() - t
    placed = render._place(data, layout, (0, 0), 1)
    pages = badges.page_count(n, layout)
    t = time.perf_counter()
    fitted = [badges.fit_badge(b) for b in data]
    phases["text fitting (Pango measuring)"] = time.perf_counter() - t
    t = time.perf_counter()
    by_page = [[] for _ in range(pages)]
    for (page, x, y, _), f in zip(placed, fitted, strict=True):
        by_page[page].append(render.PlacedBadge(page, x, y, f))
    html = (
        render._jinja()
        .get_template("badges/sheet.html")
        .render(layout=layout, pages=by_page, badge_w=badges.BADGE_W, badge_h=badges.BADGE_H)
    )
    phases["HTML (Jinja)"] = time.perf_counter() - t
    m = measurer()
    with render._no_gc():  # as the pipeline renders
        t = time.perf_counter()
        document = HTML(string=html, url_fetcher=badges.StaticOnlyFetcher()).render(font_config=m.font_config)
        phases["WeasyPrint parse, style and layout"] = time.perf_counter() - t
        t = time.perf_counter()
        pdf = document.write_pdf()
        phases["WeasyPrint PDF writing (drawing, font subsetting)"] = time.perf_counter() - t
    t = time.perf_counter()
    badges.join_pdfs([pdf, pdf])
    phases["joining two chunks (pdfium), per chunk"] = (time.perf_counter() - t) / 2
    return {"n": n, "phases": phases}


def run_single(repeat: int) -> dict:
    """One guest's badge, single layout, as /r/<token>/badge.pdf renders it, once warm."""
    from eventsite.services import badges

    data = sample(repeat + 1)
    t = time.perf_counter()
    badges.render_badges_pdf([data[0]], layout="single")
    first = time.perf_counter() - t
    times = []
    for b in data[1:]:
        t = time.perf_counter()
        badges.render_badges_pdf([b], layout="single")
        times.append(time.perf_counter() - t)
    return {"first_ms": first * 1000, "median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000}


RUNS = {
    "weasyprint": lambda a: run_weasyprint(a.n, a.processes, a.chunk),
    "weasyprint-warm": lambda a: run_weasyprint(a.n, a.processes, a.chunk, warm=True),
    "reportlab": lambda a: run_reportlab(a.n, a.qr),
    "phases": lambda a: run_phases(a.n),
    "single": lambda a: run_single(a.n),
}


def measure(run: str, **options) -> dict:
    """Run one measurement in a fresh interpreter and return its JSON."""
    args = [sys.executable, __file__, "--run", run]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"{run} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--badges", type=int, default=500)
    parser.add_argument("--event", type=int, default=2000, help="badges in the whole-event run")
    parser.add_argument("--quick", action="store_true", help="skip the qrcode-package variant")
    parser.add_argument("--run", choices=list(RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=500, help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--qr", default="zxing", help=argparse.SUPPRESS)
    parser.add_argument("--chunk", type=int, default=CHUNK_PAGES, help=argparse.SUPPRESS)
    args, _unknown = parser.parse_known_args(argv)  # run_all.py passes its own options on
    if args.run:
        print(json.dumps(RUNS[args.run](args)))
        return 0

    n = args.badges
    print(
        f"Badge PDFs: {n} badges, Avery 5392 (6 per US Letter sheet); {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}"
    )
    ours = measure("weasyprint", n=n, processes=2)
    ours_warm = measure("weasyprint-warm", n=n, processes=2)
    ours_1 = measure("weasyprint", n=n, processes=0)
    rl_same = measure("reportlab", n=n, qr="zxing")
    rl_qrcode = None if args.quick else measure("reportlab", n=n, qr="qrcode")

    def per_badge(result: dict) -> float:
        return 1000 * result["seconds"] / n

    print(
        f"  ours, 2 processes ........ {per_badge(ours):6.2f} ms/badge  ({ours['seconds']:.2f} s, pool start included; "
        f"peak {ours['parent_mib']:.0f} MiB parent + {ours['worker_mib']:.0f} MiB largest worker; {ours['bytes'] / 1e6:.1f} MB)"
    )
    print(
        f"  ours, 2 processes, warm .. {per_badge(ours_warm):6.2f} ms/badge  (workers already started, as after a first job)"
    )
    print(f"  ours, 1 process .......... {per_badge(ours_1):6.2f} ms/badge  (peak {ours_1['parent_mib']:.0f} MiB)")
    print(
        f"  reportlab, same QR image . {per_badge(rl_same):6.2f} ms/badge  (peak {rl_same['parent_mib']:.0f} MiB; {rl_same['bytes'] / 1e6:.1f} MB)"
    )
    if rl_qrcode:
        print(f"  reportlab + qrcode pkg ... {per_badge(rl_qrcode):6.2f} ms/badge  (QR made per badge as Indico does)")
    for label, base in (("reportlab, same QR image", rl_same), ("reportlab + qrcode package", rl_qrcode)):
        if base:
            print(
                f"  ratio ours / {label}: {ours['seconds'] / base['seconds']:.2f} cold, "
                f"{ours_warm['seconds'] / base['seconds']:.2f} warm  (target ≤ {TARGET_RATIO})"
            )

    phases = measure("phases", n=60)
    total = sum(phases["phases"].values())
    print("  where the time goes, one chunk of 60 badges in one process:")
    for name, seconds in phases["phases"].items():
        print(f"    {name:<52} {1000 * seconds / 60:6.2f} ms/badge  {100 * seconds / total:4.0f} %")

    event = measure("weasyprint", n=args.event, processes=2)
    peak = event["parent_mib"] + 2 * event["worker_mib"]
    print(
        f"  whole event, {args.event} badges, 2 processes: {event['seconds']:.1f} s ({1000 * event['seconds'] / args.event:.2f} ms/badge), "
        f"peak ≈ {peak:.0f} MiB ({event['parent_mib']:.0f} parent + 2 × {event['worker_mib']:.0f} workers; target < {TARGET_EVENT_MIB})"
    )

    single = measure("single", n=20)
    print(
        f"  one guest's badge (single layout): first {single['first_ms']:.0f} ms (fonts loading), then median "
        f"{single['median_ms']:.0f} ms, max {single['max_ms']:.0f} ms (target < {TARGET_SINGLE_MS} ms warm)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
