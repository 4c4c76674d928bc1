"""Auth blueprint: organizers sign in and out; the `organizer_required` gate for /admin."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from eventsite.auth import views  # noqa: E402,F401
