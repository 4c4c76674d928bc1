"""Admin: an event's guest list (filled in by the guest-list work)."""
