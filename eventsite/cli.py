"""Command-line boundary: `flask demo`, `flask jobs run`. Each calls services and commits once."""

import datetime as dt
import sys
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from eventsite.database import writing
from eventsite.demo_feedback import add_demo_feedback
from eventsite.extensions import db
from eventsite.jobs import run_jobs
from eventsite.models import Event, EventStatus, OutboxMessage, utcnow
from eventsite.services import DomainError, accounts, contacts, events, rsvps

DEMO_ORGANIZER = ("organizer@example.org", "Demo Organizer", "networking-demo")

LA_DESCRIPTION = """\
Residency leaves little time for anything but patients, cases and exams, yet the people you
meet now are the ones you will call for advice, referrals, research partners and jobs for the
rest of your career. This evening is built for exactly that.

**What to expect**

- Meet fellow residents from programs across the Los Angeles area over food and drinks.
- Talk with faculty who came to meet residents, and try new technology from innovative vendors.
- Hear what society membership and advocacy can do for you.
- Tell us how the society can better support and empower residents: there is a slot for your feedback.

**Make the most of it.** Look at who is coming, pick two or three people you want to meet, and
prepare a question for each. Bring your curiosity; the badge QR code lets other guests save
your contact. Follow up within a week.
"""

OTHER_DESCRIPTION = """\
An evening for surgical residents to meet peers, faculty and vendors over food and drinks,
with time set aside to tell the society how it can better support residents.
"""


def next_occurrence(month: int, day: int, hour: int, minute: int, tz: str, now: dt.datetime) -> dt.datetime:
    """The first local month/day at hour:minute that is still in the future (naive, local)."""
    year = now.astimezone(ZoneInfo(tz)).year
    while True:
        candidate = dt.datetime(year, month, day, hour, minute)
        if candidate.replace(tzinfo=ZoneInfo(tz)) > now:
            return candidate
        year += 1


def demo_events(now: dt.datetime) -> list[dict]:
    la_start = next_occurrence(9, 12, 19, 30, "America/Los_Angeles", now)
    chi_start = next_occurrence(10, 21, 18, 30, "America/Chicago", now + dt.timedelta(days=1))
    past_start = next_occurrence(5, 14, 19, 0, "America/New_York", now) - dt.timedelta(days=365)
    if past_start.replace(tzinfo=ZoneInfo("America/New_York")) > now:  # leap-year slack
        past_start -= dt.timedelta(days=365)
    return [
        dict(
            title="Los Angeles Resident Networking Event",
            slug=f"los-angeles-{la_start:%Y-%m-%d}",
            summary="Meet fellow residents, faculty and innovative vendors over food and drinks.",
            description=LA_DESCRIPTION,
            audience_note="Residents only",
            local_start=la_start,
            local_end=la_start.replace(hour=21, minute=0),
            timezone="America/Los_Angeles",
            venue_name="State Social House",
            room="The Attic Room",
            street_address="8782 W. Sunset Boulevard",
            city="West Hollywood",
            region="CA",
            postal_code="90069",
            capacity=60,
            waitlist_enabled=True,
            claim_window_hours=24,
        ),
        dict(
            title="Chicago Resident Networking Event",
            slug=f"chicago-{chi_start:%Y-%m-%d}",
            summary="Residents from Chicago-area programs meet peers, faculty and vendors.",
            description=OTHER_DESCRIPTION,
            audience_note="Residents only",
            local_start=chi_start,
            local_end=chi_start + dt.timedelta(hours=2),
            timezone="America/Chicago",
            venue_name="The Fulton Room",
            room="Upstairs Lounge",
            street_address="1123 W. Fulton Market",
            city="Chicago",
            region="IL",
            postal_code="60607",
            capacity=40,
            waitlist_enabled=True,
            claim_window_hours=24,
        ),
        dict(
            title="Boston Resident Networking Event",
            slug=f"boston-{past_start:%Y-%m-%d}",
            summary="Residents from Boston programs met peers, faculty and vendors.",
            description=OTHER_DESCRIPTION,
            audience_note="Residents only",
            local_start=past_start,
            local_end=past_start + dt.timedelta(hours=2),
            timezone="America/New_York",
            venue_name="Harborside Hall",
            room="The Loft",
            street_address="200 Atlantic Avenue",
            city="Boston",
            region="MA",
            postal_code="02110",
            capacity=50,
        ),
    ]


DEMO_GUESTS = [
    ("José", "Hernández", "", "he/him", "UCLA Orthopaedic Surgery", "pgy3"),
    ("Zoë", "Ørsted", "Zoë", "she/her", "Cedars-Sinai Orthopaedics", "pgy2"),
    ("Priya", "Raman", "", "she/her", "LAC+USC Medical Center", "pgy4"),
    ("花子", "佐藤", "Hanako", "", "Keck School of Medicine of USC", "fellow"),
    ("Marcus", "Okafor", "", "", "Harbor-UCLA Medical Center", "pgy1"),
    ("Elena", "Whitfield", "Dr. Whitfield", "she/her", "UCLA Orthopaedic Surgery", "attending"),
    ("Daniel", "Kim", "Dan", "", "Kaiser Permanente Los Angeles", "pgy5"),
    ("Sam", "Lee", "", "they/them", "Stryker", "industry"),
]

#: What the Los Angeles demo guests who joined the guest directory invite others to ask them
#: about; the others stayed out of it, as many guests do.
DEMO_ASK_ME_ABOUT = {
    "José": "Sports medicine fellowships and research years",
    "Zoë": "Moving to LA for residency, and hand surgery",
    "花子": "Matching into a spine fellowship",
    "Elena": "Careers in academic orthopaedics and mentoring",
    "Sam": "Navigation and robotics in the OR",
}


def load_demo(now: dt.datetime) -> list[str]:
    """Create the demo organizer, events and guests that are missing; return what was added."""
    added = []
    email, name, password = DEMO_ORGANIZER
    if accounts.find_organizer(email) is None:
        accounts.create_organizer(email=email, name=name, password=password)
        added.append(f"organizer {email}")
    for spec in demo_events(now):
        title = spec["title"]
        if db.session.scalar(sa.select(Event).where(Event.title == title)) is not None:
            continue
        event = events.create_event(status=EventStatus.PUBLISHED, **spec)
        added.append(f"event {event.slug}")
        if event.ends_at > now:
            _add_demo_guests(event, now)
        else:
            event.created_at = event.starts_at - dt.timedelta(days=30)

            add_demo_feedback(event)
    return added


def _add_demo_guests(event: Event, now: dt.datetime) -> None:
    ids = []
    for first, last, badge, pronouns, program, level in DEMO_GUESTS[: 8 if "Los Angeles" in event.title else 3]:
        result = rsvps.submit_rsvp(
            event,
            first_name=first,
            last_name=last,
            badge_name=badge,
            pronouns=pronouns,
            email=f"demo.guest{len(ids) + 1}@example.org",
            institution=program,
            training_level=level,
            actor="cli",
            now=now,
        )
        ids.append(result.rsvp.id)
        if "Los Angeles" in event.title and first in DEMO_ASK_ME_ABOUT:
            contacts.update_preferences(
                result.rsvp,
                in_directory=True,
                ask_me_about=DEMO_ASK_ME_ABOUT[first],
                share_contact=True,
                share_email=True,
            )
    # Demo guests have example.org addresses: their welcome mail would only clutter the console.
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.rsvp_id.in_(ids)))


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo events and organizer (adds only what is missing)."""
    with writing():
        added = load_demo(utcnow())
        db.session.commit()
    click.echo("Demo data: " + (", ".join(added) if added else "already loaded, nothing added") + ".")
    email, _name, password = DEMO_ORGANIZER
    click.echo(f"Demo organizer login: {email} / {password}  (sign in at /login)")


jobs_group = AppGroup("jobs", help="Periodic work for cron.")


@jobs_group.command("run")
def jobs_run_command():
    """Expire unclaimed waitlist offers, queue due reminders and deliver the outbox (idempotent)."""

    report = run_jobs()
    click.echo(
        f"offers expired: {report.offers_expired}; "
        f"e-mails sent: {report.delivery.sent}; failed: {report.delivery.failed}; "
        f"reminders queued: {report.reminders_queued}; "
        f"RSVPs anonymised (retention): {report.anonymised}; "
        f"contact follow-ups: {report.contact_followups_queued}; "
        f"feedback invitations: {report.feedback_invited}, reminders: {report.feedback_reminded}"
    )


organizer_group = AppGroup("organizer", help="Organizer accounts.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@organizer_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name (defaults to the part before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def organizer_create_command(email: str, name: str, password_stdin: bool):
    """Create an organizer account."""
    try:
        organizer = accounts.create_organizer(email=email, name=name, password=_read_password(password_stdin))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Created organizer {organizer.email}.")


@organizer_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def organizer_set_password_command(email: str, password_stdin: bool):
    """Set an organizer's password and sign out all their browsers."""
    organizer = accounts.find_organizer(email)
    if organizer is None:
        raise click.ClickException(f"No organizer with e-mail {email}.")
    try:
        signed_out = accounts.change_password(organizer, _read_password(password_stdin))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Password set for {organizer.email}; {signed_out} sign-in(s) ended.")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(organizer_group)
