"""Screenshot the guests' networking pages (Meet, My contacts, Who's coming, the manage panel,
the RSVP form's options, the organizer's counts) at phone and laptop width.

    .venv/bin/python scripts/contact_screenshots.py [--out /tmp/shots]

Builds a throwaway SQLite database, adds an event with guests from several programs and scripts,
serves the app and saves full-page PNGs named contacts-<page>-<width>.png. Not a test: open the
PNGs and judge them. The Meet page is shot twice: after a save, and with a badge just scanned
(the fake camera films a badge PDF the app rendered, as in tests/browser/test_meet_flow.py).
"""

import argparse
import datetime as dt
import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from eventsite import create_app  # noqa: E402
from eventsite.database import writing  # noqa: E402
from eventsite.extensions import db  # noqa: E402
from eventsite.models import utcnow  # noqa: E402
from eventsite.services import accounts, contacts, rsvps  # noqa: E402
from eventsite.services.guest_details import GuestDetails  # noqa: E402
from factories import make_event  # noqa: E402
from scripts.screenshots import CHROMIUM_ARGS, WIDTHS, free_port  # noqa: E402

GUESTS = [
    # first, last, badge, program, level, ask me about, shares
    ("Sam", "Okafor", "", "Harbor-UCLA Medical Center", "pgy2", "sports medicine electives", True),
    ("Zoë", "Ångström", "Zoë", "Karolinska Institutet, Hand Surgery", "attending", "hand fellowship interviews", True),
    ("小龙", "李", "李小龙", "北京协和医院 骨科", "fellow", "research years abroad", True),
    ("محمد", "العلي", "محمد", "مستشفى الملك فيصل التخصصي", "attending", "spine surgery", True),
    ("Priya", "Raghunathan-Castellanos", "Priya", "Cedars-Sinai Orthopaedic Residency Program", "pgy4", "", True),
    ("Marcus", "Bell", "", "Stryker (Mako robotics)", "industry", "robotic arthroplasty demos", False),
    ("Lena", "Fischer", "", "Keck School of Medicine of USC", "medical_student", "applying ortho next year", False),
    ("Ayesha", "Khan", "", "Kaiser Permanente Los Angeles", "pgy5", "", True),
]


def build(app):
    with app.app_context(), writing():
        event = make_event(
            starts_at=utcnow() + dt.timedelta(minutes=40), capacity=60, title="Los Angeles Resident Networking Evening"
        )
        made = []
        for n, (first, last, badge, program, level, ask, shares) in enumerate(GUESTS):
            details = GuestDetails(first_name=first, last_name=last, badge_name=badge, email=f"g{n}@example.org",
                                   institution=program, training_level=level)  # fmt: skip
            rsvp = rsvps.submit_rsvp(event, details).rsvp
            contacts.update_preferences(rsvp, in_directory=True, ask_me_about=ask, share_contact=shares,
                                        share_email=shares, share_phone=shares and n % 2 == 1, phone=f"+1 310 555 01{n:02d}",
                                        profile_url=f"https://www.linkedin.com/in/example-{n}" if shares else "")  # fmt: skip
            made.append(rsvp)
        me = made[0]
        for other, note in ((made[1], "talked about hand fellowship"), (made[2], "研究 — visiting fellowship in Beijing"),
                            (made[3], "spine call schedule; لقاء في المؤتمر")):  # fmt: skip
            contacts.save_contact(me, other, note=note)
        contacts.save_contact(made[1], me)
        contacts.save_contact(made[4], me)
        accounts.create_organizer(email="organizer@example.org", name="Olivia", password="correct horse battery staple")
        db.session.commit()
        return me.manage_token, event.slug, event.id, made[4].id, made[7].ticket_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("/tmp/shots"))
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="eventsite-contact-shots-"))
    port = free_port()
    url = f"sqlite:///{workdir / 'shots.db'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "screenshots"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "screenshots", "BASE_URL": base, "MAIL_DELIVERY": "manual"}
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    token, slug, event_id, scanned_id, badge_code = build(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    from tests.browser.test_door_camera import badge_video

    video = workdir / "badge.y4m"
    badge_video(app, scanned_id, video)
    overflow = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}"])  # fmt: skip
        for width, options in WIDTHS.items():
            page = browser.new_context(base_url=base, **options).new_page()
            page.set_default_timeout(10_000)

            def shoot(name: str, width=width, page=page) -> None:
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    overflow.append(f"{name} at {width}px scrolls sideways ({wide}px wide)")
                path = opts.out / f"contacts-{name}-{width}.png"
                page.screenshot(path=path, full_page=True)
                print(path)

            page.goto(f"/r/{token}")
            page.locator("#networking summary").click()
            page.locator("#networking").scroll_into_view_if_needed()
            shoot("manage")
            page.goto(f"/r/{token}/guests")
            shoot("directory")
            page.goto(f"/r/{token}/guests?level=faculty")
            shoot("directory-faculty")
            page.goto(f"/r/{token}/meet")
            page.get_by_role("button", name="Start camera").click()
            page.locator("#found-name").filter(has_text="Priya").wait_for()
            shoot("meet-scanned")
            page.get_by_role("button", name="Save contact").click()
            page.locator("#saved").wait_for()
            shoot("meet-saved")
            page.goto(f"/r/{token}/contacts")
            shoot("my-contacts")
            page.goto(f"/b/{badge_code}")
            shoot("badge-save")
            page.goto(f"/e/{slug}")
            page.locator("summary", has_text="Networking options").click()
            shoot("rsvp-form")
            page.goto("/login")
            page.get_by_label("E-mail").fill("organizer@example.org")
            page.get_by_label("Password").fill("correct horse battery staple")
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"/admin/events/{event_id}")
            page.locator("#contact-figures-title").scroll_into_view_if_needed()
            shoot("admin-dashboard")
        browser.close()
    server.shutdown()
    print("\n".join(overflow) or "no page scrolls sideways")


if __name__ == "__main__":
    main()
