"""The public event page as most visitors see it, kept by each worker for a second (issue 18).

On a busy evening nearly every request for an event's page is the same page: a first visit, with
nobody signed in and nothing to fill in. Each worker keeps the HTML of that page per event for
EVENT_PAGE_CACHE_SECONDS and serves it again with this visitor's own CSRF token put in: the
copy holds a mark where the token was, never a token, a session or anything personal.

What may lag by that second: the places left and the open/closed state. The RSVP itself is
always decided on current data under the event's lock (services.rsvps), so nobody gets a place
that isn't there. Anything else gets the page made afresh and never cached: a POST, a query
string (?me= fills the form in), a signed-in organizer, a My events session, a message waiting
to be shown, an invitation, or any answer other than a 200.
"""

import threading
import time
from collections import OrderedDict

from flask import current_app, request, session
from flask_wtf.csrf import generate_csrf

#: Stands for the visitor's CSRF token in a kept page (NUL: no page we render can contain it).
TOKEN_MARK = "\x00csrf\x00"
#: Pages kept per worker at most (one per event visited lately).
MAX_PAGES = 200
#: Session keys that make the page personal: signed in (organizer, My events), a flash message.
PERSONAL_KEYS = ("_user_id", "my_events", "_flashes")


class _Pages:
    """This app's kept pages in this worker: slug -> (when kept, HTML with TOKEN_MARK)."""

    def __init__(self):
        self.pages: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self.lock = threading.Lock()


def _store() -> _Pages:
    return current_app.extensions.setdefault("eventsite.page_cache", _Pages())


def usable() -> bool:
    """True for a request the kept page may answer (and whose page may be kept)."""
    return (
        current_app.config["EVENT_PAGE_CACHE_SECONDS"] > 0
        and request.method == "GET"
        and not request.args
        and not any(key in session for key in PERSONAL_KEYS)
    )


def kept(slug: str) -> str | None:
    """The page kept for ``slug`` with this visitor's token in it, or None (none, or too old)."""
    store = _store()
    with store.lock:
        entry = store.pages.get(slug)
    if entry is None or time.monotonic() - entry[0] > current_app.config["EVENT_PAGE_CACHE_SECONDS"]:
        return None
    return entry[1].replace(TOKEN_MARK, generate_csrf())


def keep(slug: str, response) -> None:
    """Keep ``response`` (what the view returned) when it is the page itself: a 200 HTML body."""
    body, status = (response[0], response[1]) if isinstance(response, tuple) else (response, 200)
    if status != 200 or not isinstance(body, str):
        return
    token = generate_csrf()
    if token not in body:
        return  # not the page with the form: nothing to put a token into, keep nothing
    store = _store()
    with store.lock:
        store.pages[slug] = (time.monotonic(), body.replace(token, TOKEN_MARK))
        store.pages.move_to_end(slug)
        while len(store.pages) > MAX_PAGES:
            store.pages.popitem(last=False)
