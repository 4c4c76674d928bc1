"""The activity log (issue 14): every change a team member makes, recorded as it happens.

A view or service calls ``record`` in the same transaction as the change, so a change that
rolls back leaves no entry. Entries are append-only: nothing in the app edits or deletes them;
retention removes the personal data in them as it does elsewhere. Guest-side changes stay in
the RSVP history (``services.history``)."""

import enum
from typing import Any

from flask import has_request_context
from flask_login import current_user

from eventsite.extensions import db
from eventsite.models import ActivityEntry, Event, Organizer


class ActivityKind(enum.StrEnum):
    EVENT_CREATED = "event_created"
    EVENT_EDITED = "event_edited"
    EVENT_PUBLISHED = "event_published"
    EVENT_UNPUBLISHED = "event_unpublished"
    EVENT_CANCELLED = "event_cancelled"
    CAPACITY_CHANGED = "capacity_changed"
    GUEST_ADDED = "guest_added"
    GUEST_EDITED = "guest_edited"
    GUEST_MOVED = "guest_moved"
    GUEST_APPROVED = "guest_approved"
    GUEST_DECLINED = "guest_declined"
    GUEST_CANCELLED = "guest_cancelled"
    MESSAGE_SENT = "message_sent"
    EXPORT_DOWNLOADED = "export_downloaded"
    BADGE_JOB = "badge_job"
    DOOR_LINK_CREATED = "door_link_created"
    DOOR_LINK_REVOKED = "door_link_revoked"
    FEEDBACK_CHANGED = "feedback_changed"
    MEMBER_INVITED = "member_invited"
    INVITATION_RESENT = "invitation_resent"
    INVITATION_WITHDRAWN = "invitation_withdrawn"
    MEMBER_JOINED = "member_joined"
    ROLE_CHANGED = "role_changed"
    EVENTS_ASSIGNED = "events_assigned"
    MEMBER_DEACTIVATED = "member_deactivated"
    MEMBER_REACTIVATED = "member_reactivated"
    SECOND_FACTOR_RESET = "second_factor_reset"
    TEAM_SETTINGS_CHANGED = "team_settings_changed"
    RETENTION_CHANGED = "retention_changed"
    DOOR_SCANS_UPLOADED = "door_scans_uploaded"
    BADGE_CHANGED = "badge_changed"
    GUEST_EMAILED = "guest_emailed"
    CATEGORIES_CHANGED = "categories_changed"
    GUESTS_INVITED = "guests_invited"
    QUESTIONS_CHANGED = "questions_changed"
    VENDORS_CHANGED = "vendors_changed"
    SERIES_CHANGED = "series_changed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def subject_of(thing: Any) -> str:
    """What an entry is about, as "<table>:<id>" ("rsvp:12", "organizer:3")."""
    if thing is None:
        return ""
    return f"{type(thing).__name__.lower()}:{thing.id}"


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {"field": [before, after]} (values made JSON-safe)."""
    return {key: [_plain(before.get(key)), _plain(value)] for key, value in after.items() if before.get(key) != value}


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def record(
    kind: ActivityKind,
    summary: str,
    *,
    event: Event | int | None = None,
    subject: Any = None,
    changes: dict[str, list[Any]] | None = None,
    actor: Organizer | None = None,
) -> ActivityEntry:
    """Add one entry to the session (the caller's transaction commits it). ``actor`` defaults to
    the signed-in member; ``subject`` is a model instance or a ready "<table>:<id>" string."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = ActivityEntry(
        kind=ActivityKind(kind).value,
        summary=summary,
        event_id=event.id if isinstance(event, Event) else event,
        subject=subject if isinstance(subject, str) else subject_of(subject),
        changes=changes or {},
        actor_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else "",
    )
    db.session.add(entry)
    return entry
