"""The fixed vocabularies stored as strings: statuses, training levels, history actions."""

import enum


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RsvpStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    CANCELLED = "cancelled"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "pending": "Awaiting approval",
            "confirmed": "Confirmed",
            "waitlisted": "On the waitlist",
            "offered": "Spot offered",
            "cancelled": "Cancelled",
            "declined": "Declined",
        }[self.value]


#: Statuses that still hold a claim on the event (a spot, a waitlist place or a review).
LIVE_STATUSES = (RsvpStatus.PENDING, RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED, RsvpStatus.OFFERED)
#: Statuses that use up one of the event's places.
SEAT_STATUSES = (RsvpStatus.CONFIRMED, RsvpStatus.OFFERED)


class TrainingLevel(enum.StrEnum):
    MEDICAL_STUDENT = "medical_student"
    PGY1 = "pgy1"
    PGY2 = "pgy2"
    PGY3 = "pgy3"
    PGY4 = "pgy4"
    PGY5 = "pgy5"
    PGY6_PLUS = "pgy6_plus"
    FELLOW = "fellow"
    ATTENDING = "attending"
    INDUSTRY = "industry"
    OTHER = "other"

    @property
    def label(self) -> str:
        return TRAINING_LEVEL_LABELS[self]


TRAINING_LEVEL_LABELS = {
    TrainingLevel.MEDICAL_STUDENT: "Medical student",
    TrainingLevel.PGY1: "PGY-1",
    TrainingLevel.PGY2: "PGY-2",
    TrainingLevel.PGY3: "PGY-3",
    TrainingLevel.PGY4: "PGY-4",
    TrainingLevel.PGY5: "PGY-5",
    TrainingLevel.PGY6_PLUS: "PGY-6+",
    TrainingLevel.FELLOW: "Fellow",
    TrainingLevel.ATTENDING: "Attending / faculty",
    TrainingLevel.INDUSTRY: "Industry / vendor",
    TrainingLevel.OTHER: "Other",
}


class RsvpAction(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    CLAIMED = "claimed"
    PROMOTED = "promoted"
    EXPIRED = "expired"
    LEFT_WAITLIST = "left_waitlist"
    EMAILED = "emailed"
    APPROVED = "approved"
    DECLINED = "declined"
    MOVED = "moved"
    REMINDED = "reminded"
    #: Personal data replaced: the guest deleted it, or the retention period ran out.
    ANONYMISED = "anonymised"


class OrganizerRole(enum.StrEnum):
    """A team member's role (issue 14). Owners and organizers see every event; an event host,
    a viewer and a door member only the events they are assigned to."""

    OWNER = "owner"
    ORGANIZER = "organizer"
    HOST = "host"
    VIEWER = "viewer"
    DOOR = "door"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def sees_every_event(self) -> bool:
        return self in (OrganizerRole.OWNER, OrganizerRole.ORGANIZER)


ROLE_LABELS = {
    OrganizerRole.OWNER: "Owner",
    OrganizerRole.ORGANIZER: "Organizer",
    OrganizerRole.HOST: "Event host",
    OrganizerRole.VIEWER: "Viewer",
    OrganizerRole.DOOR: "Door",
}


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Segment(enum.StrEnum):
    """Who an organizer's message goes to."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING = "pending"
    CHECKED_IN = "checked_in"
    NOT_CHECKED_IN = "not_checked_in"
    #: The guests the organizer ticked on the guest list (``Message.picked``).
    SELECTED = "selected"

    @property
    def label(self) -> str:
        return {
            "selected": "The guests you ticked",
            "confirmed": "Confirmed guests",
            "waitlisted": "Waitlisted guests",
            "pending": "Guests awaiting approval",
            "checked_in": "Guests who checked in",
            "not_checked_in": "Confirmed guests who have not checked in",
        }[self.value]


class CheckInResult(enum.StrEnum):
    ADMITTED = "admitted"
    REJECTED = "rejected"


class BadgeRole(enum.StrEnum):
    """The colour band on a badge; derived from the training level unless an organizer chose one."""

    RESIDENT = "resident"
    FACULTY = "faculty"
    INDUSTRY = "industry"
    STAFF = "staff"
    GUEST = "guest"

    @property
    def label(self) -> str:
        return {
            "resident": "Resident (trainee)",
            "faculty": "Faculty / attending",
            "industry": "Industry",
            "staff": "Staff",
            "guest": "Guest",
        }[self.value]


class BadgeJobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
