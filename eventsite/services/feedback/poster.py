"""The printable poster for the venue: "Tell us how it went", with a QR to the event's start page."""

from flask import render_template

from eventsite.models import Event
from eventsite.services import badges, links


def poster_url(event: Event) -> str:
    return f"{links.base_url()}/e/{event.slug}/feedback"


def render_poster_pdf(event: Event) -> bytes:
    """A printable A4 "Tell us how it went" poster with a QR to the event's feedback page."""

    url = poster_url(event)
    html = render_template("admin/feedback_poster.html", event=event, url=url, qr=badges.qr_data_uri(url))
    return badges.write_pdf(html)
