"""Auth blueprint: organizers sign in and out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from eventsite.auth import views  # noqa: E402,F401
