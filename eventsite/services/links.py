"""Absolute links for e-mails and files, always built from BASE_URL, never from a request."""

from flask import current_app

from eventsite.models import Event, Rsvp


def base_url() -> str:
    return current_app.config["BASE_URL"]


def event_url(event: Event) -> str:
    return f"{base_url()}/e/{event.slug}"


def manage_url(rsvp: Rsvp) -> str:
    return f"{base_url()}/r/{rsvp.manage_token}"


def claim_url(rsvp: Rsvp) -> str:
    return f"{manage_url(rsvp)}/claim"


def ics_url(rsvp: Rsvp) -> str:
    return f"{manage_url(rsvp)}/event.ics"
