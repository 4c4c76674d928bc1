"""Every model, imported here so Alembic and `flask shell` see the whole schema."""

from eventsite.models.alert import AlertSent, CityAlert
from eventsite.models.badge import BadgeJobOutput, BadgePrintJob
from eventsite.models.base import Base, utcnow
from eventsite.models.category import CategoryPolicy, GuestCategory
from eventsite.models.checkin import CheckIn
from eventsite.models.contact import GuestProfile, SavedContact
from eventsite.models.door import DoorLink
from eventsite.models.enums import (
    LIVE_STATUSES,
    SEAT_STATUSES,
    BadgeJobStatus,
    BadgeRole,
    CheckInResult,
    EventStatus,
    OrganizerRole,
    OutboxStatus,
    RsvpAction,
    RsvpStatus,
    Segment,
    TrainingLevel,
)
from eventsite.models.event import Event
from eventsite.models.feedback import (
    FeedbackAnswer,
    FeedbackAudience,
    FeedbackForm,
    FeedbackInvitation,
    FeedbackQuestion,
    FeedbackReceipt,
    FeedbackResponse,
    QuestionKind,
)
from eventsite.models.guest_sign_in import GuestSignIn
from eventsite.models.invitation import GuestInvitation, InvitationStatus
from eventsite.models.kept_profile import KeptProfile
from eventsite.models.message import Message
from eventsite.models.opt_out import BulkKind, MailOptOut
from eventsite.models.organizer import (
    ActivityEntry,
    EventAssignment,
    LoginSession,
    NotificationPreference,
    NotificationSent,
    Organizer,
    PasswordReset,
    RecoveryCode,
    TeamInvitation,
    TeamSettings,
)
from eventsite.models.outbox import OutboxMessage
from eventsite.models.privacy import PrivacySettings
from eventsite.models.question import RsvpAnswer, RsvpQuestion
from eventsite.models.rsvp import Rsvp, RsvpChange
from eventsite.models.series import Series
from eventsite.models.vendor import EventVendor, Lead, LeadRating, Vendor, VendorTier

__all__ = [
    "BulkKind",
    "MailOptOut",
    "KeptProfile",
    "AlertSent",
    "CityAlert",
    "Series",
    "GuestSignIn",
    "EventVendor",
    "Lead",
    "LeadRating",
    "Vendor",
    "VendorTier",
    "RsvpAnswer",
    "RsvpQuestion",
    "GuestInvitation",
    "InvitationStatus",
    "CategoryPolicy",
    "GuestCategory",
    "ActivityEntry",
    "EventAssignment",
    "PasswordReset",
    "RecoveryCode",
    "TeamInvitation",
    "TeamSettings",
    "BadgeJobStatus",
    "BadgeJobOutput",
    "BadgePrintJob",
    "BadgeRole",
    "CheckIn",
    "CheckInResult",
    "DoorLink",
    "LoginSession",
    "NotificationPreference",
    "NotificationSent",
    "Message",
    "Segment",
    "LIVE_STATUSES",
    "SEAT_STATUSES",
    "Base",
    "Event",
    "EventStatus",
    "GuestProfile",
    "FeedbackAnswer",
    "FeedbackAudience",
    "FeedbackForm",
    "FeedbackInvitation",
    "FeedbackQuestion",
    "FeedbackReceipt",
    "FeedbackResponse",
    "QuestionKind",
    "Organizer",
    "OrganizerRole",
    "OutboxMessage",
    "OutboxStatus",
    "PrivacySettings",
    "Rsvp",
    "RsvpAction",
    "RsvpChange",
    "RsvpStatus",
    "SavedContact",
    "TrainingLevel",
    "utcnow",
]
