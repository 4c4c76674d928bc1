"""Auth blueprint: organizers sign in and out. Who may do what: `eventsite.auth.gates`."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
