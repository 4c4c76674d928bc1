"""The stable codes of ``DomainError``: one list that services raise, views compare, the
API's JSON errors carry (with the HTTP status each code answers with) and /api/openapi.json
documents. A code not listed here cannot be raised (``DomainError`` checks)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    """A refusal's stable code; ``status``: the HTTP status of the API's JSON answer."""

    status: int

    def __new__(cls, value: str, status: int = 422):
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        return member

    # 400
    BAD_JSON = "bad_json", 400  # the request body is not a JSON object
    # 401
    LOGIN_REQUIRED = "login_required", 401  # neither a door link nor a signed-in organizer
    DOOR_NOT_FOUND = "door_not_found", 401  # no door link has this token
    PIN_REQUIRED = "pin_required", 401  # the door link needs its PIN
    BAD_PIN = "bad_pin", 401  # the PIN is wrong
    # 403
    DOOR_REVOKED = "door_revoked", 403
    DOOR_NOT_YET_OPEN = "door_not_yet_open", 403
    DOOR_EXPIRED = "door_expired", 403
    FORBIDDEN = "forbidden", 403  # signed in, but not allowed
    # 404
    NOT_FOUND = "not_found", 404
    # 409
    ALREADY_REGISTERED = "already_registered", 409
    NONCE_REUSED = "nonce_reused", 409  # the scan id belongs to another scan
    NOT_ADMITTED = "not_admitted", 409  # nothing to undo
    # 429
    TOO_MANY_ATTEMPTS = "too_many_attempts", 429  # wrong PINs for this door
    # 422: the input breaks a rule; ``field`` names where, when it can
    ALREADY_ANSWERED = "already_answered"
    ALREADY_DELETED = "already_deleted"
    ALREADY_SENT = "already_sent"
    ANONYMISED = "anonymised"
    ANONYMITY_LOCKED = "anonymity_locked"
    BAD_CODE = "bad_code"
    BAD_DELAY = "bad_delay"
    BAD_EMAIL = "bad_email"
    BAD_FIRST_NAME = "bad_first_name"
    BAD_LABEL = "bad_label"
    BAD_LAST_NAME = "bad_last_name"
    BAD_LAYOUT = "bad_layout"
    BAD_LINK = "bad_link"
    BAD_NONCE = "bad_nonce"
    BAD_OFFSET = "bad_offset"
    BAD_PROGRAM = "bad_program"
    BAD_QUERY = "bad_query"
    BAD_QUESTION = "bad_question"
    BAD_REMINDER = "bad_reminder"
    BAD_RETENTION = "bad_retention"
    BAD_SCANNED_AT = "bad_scanned_at"
    BAD_SCANS = "bad_scans"
    BAD_SCANS_FILE = "bad_scans_file"
    BAD_SELECTION = "bad_selection"
    BAD_SLOT = "bad_slot"
    BAD_SLUG = "bad_slug"
    BAD_TIMEZONE = "bad_timezone"
    BAD_TRAINING_LEVEL = "bad_training_level"
    BAD_URL = "bad_url"
    BAD_WINDOW = "bad_window"
    CAPACITY_BELOW_CONFIRMED = "capacity_below_confirmed"
    CHOICE_IN_USE = "choice_in_use"
    CLOSES_BEFORE_OPENS = "closes_before_opens"
    DEADLINE_AFTER_START = "deadline_after_start"
    DIRECTORY_OFF = "directory_off"
    DUPLICATE = "duplicate"
    EMAIL_TAKEN = "email_taken"
    EMPTY_SEGMENT = "empty_segment"
    END_BEFORE_START = "end_before_start"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_FULL = "event_full"
    EVENT_NOT_PUBLISHED = "event_not_published"
    FEEDBACK_CLOSED = "feedback_closed"
    FEEDBACK_NOT_OPEN = "feedback_not_open"
    INVALID_ANSWERS = "invalid_answers"  # feedback answers: each message sits by its question
    LINK_EXPIRED = "link_expired"
    LINK_USED = "link_used"
    NO_BADGES = "no_badges"
    NO_FORM = "no_form"
    NO_GUESTS = "no_guests"
    NO_OFFER = "no_offer"
    NO_WAITLIST = "no_waitlist"
    NOBODY_WAITING = "nobody_waiting"
    NOT_A_GUEST = "not_a_guest"
    NOT_CONFIRMED = "not_confirmed"
    NOT_LIVE = "not_live"
    OFFER_EXPIRED = "offer_expired"
    OVER_CAPACITY = "over_capacity"
    OWN_BADGE = "own_badge"
    PHONE_MISSING = "phone_missing"
    QUERY_TOO_SHORT = "query_too_short"
    QUESTION_ANSWERED = "question_answered"
    RECIPIENTS_CHANGED = "recipients_changed"
    RSVP_CLOSED = "rsvp_closed"
    SAME_EMAIL = "same_email"
    SLUG_TAKEN = "slug_taken"
    TOO_FEW_CHOICES = "too_few_choices"
    TOO_MANY_CHOICES = "too_many_choices"
    TOO_MANY_QUESTIONS = "too_many_questions"
    UNKNOWN_CODE = "unknown_code"
    UNKNOWN_PLACEHOLDER = "unknown_placeholder"
    WEAK_PASSWORD = "weak_password"
    WRONG_EVENT = "wrong_event"
    WRONG_STATUS = "wrong_status"
    # issue 14 accounts
    LAST_OWNER = "last_owner"  # the team must keep an active owner
    OWN_ACCOUNT = "own_account"  # a member cannot change their own role or deactivate themselves
    ALREADY_MEMBER = "already_member"  # the address already has an account
    INVITATION_PENDING = "invitation_pending"  # the address already has a pending invitation
    NOT_PENDING = "not_pending"  # the invitation was accepted or withdrawn already
    NO_EVENTS = "no_events"  # an event host, viewer or door member needs at least one event
    # issue 14 two-factor
    SECOND_FACTOR_REQUIRED = "second_factor_required"  # the team requires a second factor of this member
    NO_SECOND_FACTOR = "no_second_factor"  # the member has no second factor to reset
    # issue 15 guest categories
    CATEGORY_CLOSED = "category_closed"  # the category takes nobody new
    INVITATION_ONLY = "invitation_only"  # the category needs a personal invitation
    NOT_ELIGIBLE = "not_eligible"  # the address is not at one of the category's domains
    CATEGORY_IN_USE = "category_in_use"  # guests are in the category: move them first
    LAST_CATEGORY = "last_category"  # an event keeps at least one category
    NAME_TAKEN = "name_taken"  # another category of the event has this name
    BAD_DOMAIN = "bad_domain"  # an e-mail domain a category lists is not a domain name
    PLACES_TAKEN = "places_taken"  # a category's places may not go below the guests holding them
    BAD_FILE = "bad_file"  # an uploaded list that cannot be read (binary, too large, no e-mail column)
    # issue 16 vendors
    BAD_LOGO = "bad_logo"  # an uploaded logo that is not a small, readable PNG, JPEG or WebP
    BAD_VENDOR = "bad_vendor"  # a vendor without a name, or a name too long
    VENDOR_ATTACHED = "vendor_attached"  # the vendor is already listed at this event
    VENDOR_IN_USE = "vendor_in_use"  # representatives or leads hang on the vendor at this event
    NO_REP_PLACES = "no_rep_places"  # the vendor's places for representatives are all given
    NOT_REPRESENTATIVE = "not_representative"  # the link is not (or no longer) a vendor representative's
    TOO_MANY_SCANS = "too_many_scans", 429  # a representative scanned too many badges in a minute
