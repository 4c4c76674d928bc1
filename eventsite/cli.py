"""Command-line boundary: `flask demo`, `flask jobs run`, `flask organizer …`, `flask mail suppress`. Each calls
services and commits once; the demo data itself is eventsite/demo.py."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from eventsite.database import writing
from eventsite.demo import DEMO_ORGANIZER, DEMO_TEAM, load_demo
from eventsite.extensions import db
from eventsite.jobs import run_jobs
from eventsite.models import OrganizerRole, utcnow
from eventsite.services import DomainError, accounts, opt_outs, rsvps


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
    click.echo("The demo team, same password:")
    click.echo(f"  {email:<26} owner: everything, including the team")
    for member_email, _member_name, role, cities in DEMO_TEAM:
        click.echo(f"  {member_email:<26} {role.label.lower()}: {', '.join(sorted(set(cities)))} only")


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
        f"feedback invitations: {report.feedback_invited}, reminders: {report.feedback_reminded}; "
        f"team notices: {report.team_notices_queued}; "
        f"invitation reminders: {report.invitation_reminders_queued}; "
        f"vendor leads e-mails: {report.lead_mails_queued}; "
        f"city alerts: {report.city_alerts_queued}"
    )


organizer_group = AppGroup("organizer", help="Organizer accounts.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@organizer_group.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name (defaults to the part before @).")
@click.option(
    "--role",
    type=click.Choice([r.value for r in OrganizerRole if r.sees_every_event]),
    default=OrganizerRole.OWNER.value,
    show_default=True,
    help="Owner (the first account) or organizer; other roles are invited from the Team page with their events.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def organizer_create_command(email: str, name: str, role: str, password_stdin: bool):
    """Create a team member's account (the first owner, or for scripts)."""
    try:
        organizer = accounts.create_organizer(
            email=email, name=name, password=_read_password(password_stdin), role=OrganizerRole(role)
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Created {organizer.role.label.lower()} {organizer.email}.")


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


mail_group = AppGroup("mail", help="Who gets bulk e-mail.")


@mail_group.command("suppress")
@click.argument("email")
@click.option("--reason", type=click.Choice(["complaint", "bounce"]), default="complaint", show_default=True)
def mail_suppress_command(email: str, reason: str):
    """Stop every bulk e-mail to EMAIL (a spam complaint or a hard bounce your mail provider
    reported): organizers' messages, invitations, follow-ups and city alerts. E-mails about the
    guest's own RSVP still go."""
    try:
        _, key = rsvps.normalise_email(email)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    opt_outs.suppress(key, source=reason)
    db.session.commit()
    click.echo(f"No more bulk e-mail to {email} ({reason}).")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(organizer_group)
