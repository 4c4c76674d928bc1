"""The "My events" browser session (issue 17): [address key, seal], checked on every use against
the address's current manage links (services/my_events.py), so a rotated link ends it."""

from flask import session

from eventsite.services import my_events

SESSION_KEY = "my_events"


def sign_in(key: str) -> None:
    session[SESSION_KEY] = [key, my_events.seal(key)]


def sign_out() -> None:
    session.pop(SESSION_KEY, None)


def signed_in_key() -> str | None:
    """The address this browser signed in as, while the session stands; else None."""
    held = session.get(SESSION_KEY)
    if not (isinstance(held, list) and len(held) == 2 and all(isinstance(v, str) for v in held)):
        return None
    if not my_events.signed_in(held[0], held[1]):
        sign_out()
        return None
    return held[0]
