"""Admin: messages to guests (filled in by the messages work)."""
