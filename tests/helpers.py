"""Small helpers shared by tests: forms with their CSRF token, mail delivery, e-mail parsing."""

import re

from eventsite.jobs import deliver_outbox

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, *, page: str | None = None, follow_redirects: bool = False):
    """POST ``data`` to ``url`` with the CSRF token read from ``page`` (default: ``url``), as a browser would."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(html)}, follow_redirects=follow_redirects)


def deliver(app):
    """Run outbox delivery once (tests use MAIL_DELIVERY=manual)."""
    with app.app_context():
        return deliver_outbox()


def text_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_body(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}


def manage_link(message, base_url: str) -> str:
    match = re.search(re.escape(base_url) + r"/r/[A-Za-z0-9_\-]+", text_body(message))
    assert match, "no manage link in the e-mail"
    return match.group(0)
