"""eventsite: RSVPs, badges, door check-in and feedback for small professional evenings.

The app is built by ``create_app`` (eventsite/app.py); ARCHITECTURE.md maps the package."""

from eventsite.app import create_app

__all__ = ["create_app"]
