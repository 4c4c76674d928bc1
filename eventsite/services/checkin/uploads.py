"""Scans a phone kept while offline: sent by the phone in chunks (``upload_scans``), or in the
file it saved when it could not send them, which an organizer uploads (``read_scans_file``).
Each scan is settled once for good: accepted, a duplicate, or rejected."""

import dataclasses
import datetime as dt
import enum
import json

from eventsite.extensions import db
from eventsite.models import CheckIn, DoorLink, Event
from eventsite.services import DomainError, ErrorCode, tickets
from eventsite.services.checkin.scanning import NONCE_RE, ORGANIZER_DOOR, check_in
from eventsite.services.checkin.verdicts import Verdict

#: Most scans one upload may carry; a phone sends its queue in chunks of this size or less.
MAX_UPLOAD = 200


class UploadStatus(enum.StrEnum):
    ACCEPTED = "accepted"  # recorded now (admitted or turned away: see the verdict)
    DUPLICATE = "duplicate"  # this scan was uploaded before: the first verdict, nothing recorded
    REJECTED = "rejected"  # cannot be a scan of ours (malformed, not a badge): nothing recorded


@dataclasses.dataclass(frozen=True)
class Uploaded:
    """What became of one uploaded scan. Every status is final: the phone may forget the scan."""

    status: UploadStatus
    verdict: Verdict | None = None
    reason: str = ""
    message: str = ""


def read_device_time(value) -> tuple[dt.datetime | None, bool]:
    """A phone's ``scanned_at`` (ISO 8601 with its offset), and whether it could be read at all:
    (None, True) when absent, (None, False) when garbled."""
    if value is None:
        return None, True
    try:
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        return None, False
    return parsed, True


def upload_scan(event: Event, item, *, door: DoorLink | None = None, by: str = ORGANIZER_DOOR) -> Uploaded:
    """Settle one scan a phone kept while offline (an object with ``code``, ``nonce`` and
    ``scanned_at``), from the phone's upload or from the file an organizer uploads for it.
    Never raises for what the scan holds: a malformed scan is ``rejected`` with its reason."""
    if not isinstance(item, dict):
        return Uploaded(UploadStatus.REJECTED, reason="bad_scan", message="Not a scan (an object with code and nonce).")
    code, nonce = item.get("code"), item.get("nonce")
    if not isinstance(nonce, str) or not NONCE_RE.fullmatch(nonce):
        return Uploaded(UploadStatus.REJECTED, reason="bad_nonce", message="The scan has no valid scan id (nonce).")
    if not isinstance(code, str) or not tickets.could_be_ours(code):
        return Uploaded(UploadStatus.REJECTED, reason="not_a_badge", message=tickets.NOT_A_BADGE)
    # A garbled time must not cost a real admission: the scan counts when it arrived, clock off.
    scanned_at, readable = read_device_time(item.get("scanned_at"))
    try:
        verdict = check_in(event, code, door=door, by=by, nonce=nonce, scanned_at=scanned_at)
    except DomainError as exc:
        return Uploaded(UploadStatus.REJECTED, reason=exc.code, message=exc.message)
    if not readable and not verdict.replayed:
        db.session.get(CheckIn, verdict.check_in_id).clock_off = True
        verdict = dataclasses.replace(verdict, clock_off=True)
    return Uploaded(UploadStatus.DUPLICATE if verdict.replayed else UploadStatus.ACCEPTED, verdict)


def upload_scans(
    event: Event, items: list, *, door: DoorLink | None = None, by: str = ORGANIZER_DOOR
) -> list[Uploaded]:
    """``upload_scan`` for each of ``items``, in order."""
    return [upload_scan(event, item, door=door, by=by) for item in items]


#: The ``kind`` of the file a door phone saves when it cannot upload its scans.
SCANS_FILE_KIND = "eventsite-door-scans"
#: Most scans one file may hold (a phone's whole evening, with room to spare).
MAX_SCANS_FILE = 5000


@dataclasses.dataclass(frozen=True)
class ScansFile:
    door: str
    scans: list


def read_scans_file(event: Event, data: bytes) -> ScansFile:
    """The scans in the file a door phone saved (door_upload.js, ``offerFile``). Raises
    DomainError ``bad_scans_file`` (field ``file``) for anything else, or a file of another event."""

    def bad(message: str) -> DomainError:
        return DomainError(message, ErrorCode.BAD_SCANS_FILE, "file")

    not_scans = bad("This is not a file of door scans. Choose the .json file the door phone saved.")
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise not_scans from None
    if (
        not isinstance(content, dict)
        or content.get("kind") != SCANS_FILE_KIND
        or not isinstance(content.get("scans"), list)
    ):
        raise not_scans
    if content.get("event_id") != event.id:
        raise bad("These scans are from another event's door. Upload them on that event's Door tab.")
    if not 0 < len(content["scans"]) <= MAX_SCANS_FILE:
        raise bad(f"The file should hold 1 to {MAX_SCANS_FILE} scans.")
    door = content.get("door")
    label = door.strip()[:60] if isinstance(door, str) else ""
    # The label goes into every check-in row: printable text only (isprintable refuses NUL and
    # lone surrogates alike).
    if not label or not label.isprintable():
        label = "a door phone"
    return ScansFile(door=label, scans=content["scans"])
