"""Rate limits on the guest forms that send e-mail (auth/throttle.py's SubmitThrottle), as the
views use them: one call counts a submission or says how long to wait."""

import math

from flask import current_app, request


def wait_message(form: str, email: str) -> tuple[str, int] | None:
    """Count one submission of ``form`` for ``email`` from this network address; or, when a
    budget is spent, return (the message to show next to the e-mail field, seconds to wait)."""
    throttle = current_app.extensions["eventsite.submit_throttle"]
    wait = throttle.take(form, request.remote_addr or "", email.strip().lower())
    if wait is None:
        return None
    minutes = math.ceil(wait / 60)
    when = "a minute" if minutes <= 1 else f"{minutes} minutes"
    message = (
        "Too many forms were sent from your network or for this address just now. "
        f"Nothing was saved: please wait {when}, then send the form again."
    )
    return message, wait
