"""Screenshot the guest pages at phone and laptop width, to look at them as a guest would.

    .venv/bin/python scripts/screenshots.py [--out /tmp/shots]

Builds a throwaway SQLite database with `flask db upgrade` and `flask demo`, serves the app on a
free port, walks a guest through RSVP, waitlist, offer and cancel with Debian's Chromium, and
saves full-page PNGs named <page>-<width>.png. It also reports any page that scrolls sideways.
Not a test: nothing is asserted, the point is to open the PNGs and judge them.
"""

import argparse
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from eventsite import create_app  # noqa: E402
from eventsite.database import writing  # noqa: E402
from eventsite.extensions import db  # noqa: E402
from eventsite.models import Event, Rsvp, RsvpStatus  # noqa: E402
from eventsite.services import rsvps  # noqa: E402
from eventsite.services.guest_details import GuestDetails  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEVICES  # noqa: E402  (the browser tests' Chromium)

WIDTHS = {375: DEVICES["phone"], 1280: DEVICES["laptop"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask_cli(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def fill_event(app, slug: str, *, waitlisted: int) -> None:
    """Fill the event to capacity with made-up guests, queue ``waitlisted`` more, then free one spot."""
    with app.app_context(), writing():
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        taken = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
        )
        guests = [("Filler", f"Guest {n}", f"filler{n}@example.org") for n in range(event.capacity - taken)]
        guests += [
            ("Noor", "Haddad", "noor@example.org"),
            ("Tomás", "Alvarez-Whitcombe", "tomas@example.org"),
            ("Grace", "Oyelaran", "grace@example.org"),
        ][:waitlisted]
        for first, last, email in guests:
            details = GuestDetails(
                first_name=first,
                last_name=last,
                email=email,
                institution="Harbor-UCLA Medical Center",
                training_level="pgy3",
            )
            rsvps.submit_rsvp(event, details)
        db.session.commit()
        # One confirmed guest drops out: the first in the queue gets an offer.
        first_filler = db.session.scalar(sa.select(Rsvp).where(Rsvp.email == "filler0@example.org"))
        rsvps.cancel_rsvp(first_filler)
        db.session.commit()


def token(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Rsvp.manage_token).where(Rsvp.email == email))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="/tmp/shots", type=Path)
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)

    workdir = Path(tempfile.mkdtemp(prefix="eventsite-shots-"))
    port = free_port()
    url = f"sqlite:///{workdir / 'shots.db'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "screenshots", "BASE_URL": f"http://127.0.0.1:{port}"}
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "demo")

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "screenshots",
            "BASE_URL": env["BASE_URL"],
            "MAIL_DELIVERY": "manual",
        }
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log on the console
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = env["BASE_URL"]
    with app.app_context():
        la = db.session.scalar(sa.select(Event.slug).where(Event.title.like("Los Angeles%")))

    overflow = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        contexts = {width: browser.new_context(base_url=base, **opts_) for width, opts_ in WIDTHS.items()}
        pages = {width: ctx.new_page() for width, ctx in contexts.items()}

        def shoot(name: str) -> None:
            for width, page in pages.items():
                path = opts.out / f"{name}-{width}.png"
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    overflow.append(f"{name} at {width}px scrolls sideways ({wide}px wide)")
                page.screenshot(path=path, full_page=True)
                print(path)

        def each(action) -> None:
            for width, page in pages.items():
                action(page, width)

        def visit(path: str):
            each(lambda page, _w: page.goto(path))

        visit("/")
        shoot("index")
        visit(f"/e/{la}")
        shoot("event")

        def bad_rsvp(page, _w):
            page.get_by_label("First name").fill("Ada")
            page.get_by_role("textbox", name="E-mail").fill("ada at example")
            page.get_by_role("button", name="RSVP", exact=True).click()

        each(bad_rsvp)
        shoot("event-errors")

        def good_rsvp(page, width):
            page.goto(f"/e/{la}")
            page.get_by_label("First name").fill("Ada")
            page.get_by_label("Last name").fill("Lovelace")
            page.get_by_role("textbox", name="E-mail").fill(f"ada.lovelace.{width}@university-hospital.example.org")
            page.get_by_label("Institution or program").fill("UCLA Orthopaedic Surgery")
            page.get_by_label("Training level").select_option("pgy2")
            page.get_by_role("button", name="RSVP", exact=True).click()

        each(good_rsvp)
        shoot("check-inbox")
        each(lambda page, w: page.goto(f"/r/{token(app, f'ada.lovelace.{w}@university-hospital.example.org')}"))
        shoot("manage-confirmed")
        each(lambda page, w: page.goto(f"/r/{token(app, f'ada.lovelace.{w}@university-hospital.example.org')}?saved=1"))
        shoot("manage-saved")
        each(lambda page, w: page.goto(f"/r/{token(app, f'ada.lovelace.{w}@university-hospital.example.org')}/cancel"))
        shoot("cancel")

        fill_event(app, la, waitlisted=3)
        visit(f"/e/{la}")
        shoot("event-waitlist")
        visit(f"/r/{token(app, 'grace@example.org')}")
        shoot("manage-waitlisted")
        visit(f"/r/{token(app, 'tomas@example.org')}/cancel")
        shoot("cancel-waitlist")
        visit(f"/r/{token(app, 'noor@example.org')}")
        shoot("manage-offered")
        visit(f"/r/{token(app, 'noor@example.org')}/claim")
        shoot("claim")
        visit(f"/r/{token(app, 'filler0@example.org')}")
        shoot("manage-cancelled")
        visit("/past")
        shoot("past")
        visit("/no-such-page")
        shoot("404")
        visit("/login")
        shoot("login")
        browser.close()
    server.shutdown()
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(overflow) or "No page scrolls sideways.")


if __name__ == "__main__":
    main()
