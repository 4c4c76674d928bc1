"""Auth blueprint: organizers sign in and out. Who may do what: `eventsite.auth.gates`.
What its views share: the sign-in throttle and how a wait reads."""

import math

from flask import Blueprint, current_app

bp = Blueprint("auth", __name__)


def login_throttle():
    """Failed sign-ins (passwords and second-factor codes) per address and account."""
    return current_app.extensions["eventsite.login_throttle"]


def minutes(seconds: int) -> str:
    n = max(1, math.ceil(seconds / 60))
    return f"{n} minute" if n == 1 else f"{n} minutes"
