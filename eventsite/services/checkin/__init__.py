"""Door check-in (pretix's vocabulary): scanning badges, undo, offline uploads and the door's
live figures. Door links are ``services.doors``.

Every scan is recorded as a ``CheckIn`` row, rejected ones included, and a retried scan (the
same nonce) returns its first verdict. The modules: ``verdicts`` (reasons, the door's words,
what the door sees of a guest), ``scanning`` (check in by badge or by name, undo, name search),
``uploads`` (scans a phone kept offline, sent by the phone or as a file) and ``figures``.
"""

from eventsite.services.checkin.figures import door_stats
from eventsite.services.checkin.scanning import (
    MAX_NONCE,
    MIN_SEARCH,
    NONCE_RE,
    ORGANIZER_DOOR,
    check_in,
    check_in_guest,
    search_guests,
    undo_check_in,
)
from eventsite.services.checkin.uploads import (
    MAX_SCANS_FILE,
    MAX_UPLOAD,
    Uploaded,
    UploadStatus,
    read_device_time,
    read_scans_file,
    upload_scans,
)
from eventsite.services.checkin.verdicts import (
    RED_WORDS,
    STATUS_REASONS,
    Guest,
    Reason,
    Verdict,
    standing_admission,
    verdict_of,
)

__all__ = [
    "MAX_NONCE",
    "MAX_SCANS_FILE",
    "MAX_UPLOAD",
    "MIN_SEARCH",
    "NONCE_RE",
    "ORGANIZER_DOOR",
    "RED_WORDS",
    "STATUS_REASONS",
    "Guest",
    "Reason",
    "UploadStatus",
    "Uploaded",
    "Verdict",
    "check_in",
    "check_in_guest",
    "door_stats",
    "read_device_time",
    "read_scans_file",
    "search_guests",
    "standing_admission",
    "undo_check_in",
    "upload_scans",
    "verdict_of",
]
