"""Every change a member makes in the admin is recorded in the activity log (issue 14), by one
mechanism rather than a line in each view: when an admin request that changes something
commits, one entry is added in that same transaction (a refused change rolls back and leaves
none). RECORDED says what each route's change is called; the event's edited fields come with
before → after, read from the session's own change history. Downloads of guests' data are
recorded as they are served. Team and second-factor changes record themselves (services.team,
services.second_factor), with their own words."""

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from eventsite.admin.blueprint import bp
from eventsite.extensions import db
from eventsite.models import BadgePrintJob, DoorLink, Event, GuestInvitation, Message
from eventsite.services import activity
from eventsite.services.activity import ActivityKind as K

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: endpoint -> (kind, what happened); a kind None is decided by the request (guest actions).
RECORDED = {
    "admin.new_event": (K.EVENT_CREATED, "Created the event"),
    "admin.copy_event": (K.EVENT_CREATED, "Created the event as the next in the series"),
    "admin.edit_event": (K.EVENT_EDITED, "Edited the event"),
    "admin.publish_event": (K.EVENT_PUBLISHED, "Published the event"),
    "admin.unpublish_event": (K.EVENT_UNPUBLISHED, "Unpublished the event"),
    "admin.cancel_event": (K.EVENT_CANCELLED, "Cancelled the event and told the guests"),
    "admin.add_guest": (K.GUEST_ADDED, "Added a guest"),
    "admin.guest_detail": (K.GUEST_EDITED, "Edited a guest's details"),
    "admin.guest_action": (None, ""),
    "admin.guest_bulk": (K.GUEST_EDITED, "Changed the ticked guests at once"),
    "admin.messages": (K.MESSAGE_SENT, "Sent a message"),
    "admin.door_links": (K.DOOR_LINK_CREATED, "Created a door link"),
    "admin.revoke_door_link": (K.DOOR_LINK_REVOKED, "Revoked a door link"),
    "admin.upload_door_scans": (K.DOOR_SCANS_UPLOADED, "Uploaded a phone's unsent scans"),
    "admin.print_badges": (K.BADGE_JOB, "Started printing badges"),
    "admin.print_one_badge": (K.BADGE_JOB, "Started printing one badge"),
    "admin.badge_offsets": (K.BADGE_CHANGED, "Changed the badge print offsets"),
    "admin.badge_role": (K.BADGE_CHANGED, "Changed a guest's badge role"),
    "admin.reissue_badge": (K.BADGE_CHANGED, "Reissued a lost badge (the old code stops working)"),
    "admin.feedback_editor": (K.FEEDBACK_CHANGED, "Changed the feedback form"),
    "admin.create_feedback_form": (K.FEEDBACK_CHANGED, "Created the feedback form"),
    "admin.add_feedback_question": (K.FEEDBACK_CHANGED, "Added a feedback question"),
    "admin.edit_feedback_question": (K.FEEDBACK_CHANGED, "Edited a feedback question"),
    "admin.move_feedback_question": (K.FEEDBACK_CHANGED, "Moved a feedback question"),
    "admin.delete_feedback_question": (K.FEEDBACK_CHANGED, "Deleted a feedback question"),
    "admin.retention": (K.RETENTION_CHANGED, "Changed how long guests' data is kept"),
    "admin.series_retention": (K.RETENTION_CHANGED, "Changed how long a series keeps guests' data"),
    "admin.event_categories": (K.CATEGORIES_CHANGED, "Added a guest category"),
    "admin.edit_category": (K.CATEGORIES_CHANGED, "Changed a guest category"),
    "admin.move_category": (K.CATEGORIES_CHANGED, "Reordered the guest categories"),
    "admin.delete_category": (K.CATEGORIES_CHANGED, "Removed a guest category"),
    "admin.event_questions": (K.QUESTIONS_CHANGED, "Added a question to the RSVP form"),
    "admin.edit_question": (K.QUESTIONS_CHANGED, "Changed a question of the RSVP form"),
    "admin.move_question": (K.QUESTIONS_CHANGED, "Reordered the RSVP form's questions"),
    "admin.delete_question": (K.QUESTIONS_CHANGED, "Removed a question from the RSVP form"),
    "admin.event_invitations": (K.GUESTS_INVITED, "Invited people to the event"),
    "admin.import_invitations": (K.GUESTS_INVITED, "Invited people from an imported list"),
    "admin.invitation_follow_up": (K.GUESTS_INVITED, "Changed the invitations' tracking or reminder"),
    "admin.invite_people": (K.GUESTS_INVITED, "Invited people from the People page"),
    "admin.invitation_bulk": (K.GUESTS_INVITED, "Changed the ticked invitations"),
    "admin.event_vendors": (K.VENDORS_CHANGED, "Listed a vendor at the event"),
    "admin.edit_vendor": (K.VENDORS_CHANGED, "Changed a vendor or its listing"),
    "admin.move_vendor": (K.VENDORS_CHANGED, "Reordered the vendors"),
    "admin.remove_vendor": (K.VENDORS_CHANGED, "Took a vendor off the event"),
    "admin.invite_representatives": (K.GUESTS_INVITED, "Invited a vendor's representatives"),
    "admin.revoke_representative": (K.VENDORS_CHANGED, "Revoked a vendor's representative"),
    "admin.send_vendor_feedback": (K.MESSAGE_SENT, "Sent a vendor its feedback summary"),
    "admin.series_list": (K.SERIES_CHANGED, "Added a series"),
    "admin.edit_series": (K.SERIES_CHANGED, "Changed a series"),
}
GUEST_ACTIONS = {
    "approve": (K.GUEST_APPROVED, "Approved a guest"),
    "decline": (K.GUEST_DECLINED, "Declined a guest"),
    "confirm": (K.GUEST_MOVED, "Moved a guest to confirmed"),
    "waitlist": (K.GUEST_MOVED, "Moved a guest to the waitlist"),
    "cancel": (K.GUEST_CANCELLED, "Cancelled a guest's RSVP"),
    "resend": (K.GUEST_EMAILED, "Sent a guest their RSVP e-mail again"),
}
#: Downloads of guests' data: who took it, and when.
EXPORTS = {
    "admin.guest_list_csv": "Downloaded the guest list (CSV)",
    "admin.people_csv": "Downloaded the People list (CSV)",
    "admin.feedback_csv": "Downloaded the feedback answers (CSV)",
    "admin.invitations_csv": "Downloaded the invitation list (CSV)",
    "admin.badge_job_pdf": "Downloaded printed badges (PDF)",
}
#: Routes whose POST may only preview or check: recorded only when they made one of these.
SENDS = {
    "admin.messages": Message,
    "admin.event_invitations": GuestInvitation,
    "admin.import_invitations": GuestInvitation,
    "admin.invite_people": GuestInvitation,
}
#: What a URL argument says the change was about.
SUBJECTS = {
    "rsvp_id": "rsvp",
    "link_id": "door_link",
    "job_id": "badge_job",
    "question_id": "feedback_question",
    "rsvp_question_id": "rsvp_question",
    "event_vendor_id": "event_vendor",
}
#: Event columns whose changes are bookkeeping, not an organizer's edit.
QUIET = {"updated_at", "calendar_sequence"}


def _recording() -> bool:
    return (
        has_request_context()
        and request.method not in SAFE_METHODS
        and request.endpoint in RECORDED
        and current_user.is_authenticated
        and not g.get("activity_recorded")
    )


def _note_flush(session: Session, _context) -> None:
    """Keep what this request changed: new events, messages, jobs and door links, and the
    before → after of edited event fields (the history is gone once committed)."""
    if not _recording():
        return
    notes = g.setdefault("activity_notes", {"changes": {}, "new": []})
    notes["new"] += [
        o for o in session.new if isinstance(o, Event | Message | BadgePrintJob | DoorLink | GuestInvitation)
    ]
    for obj in session.dirty:
        if not isinstance(obj, Event):
            continue
        for attr in sa.inspect(obj).attrs:
            history = attr.load_history()
            if attr.key in QUIET or not history.has_changes() or not history.deleted:
                continue
            before = notes["changes"].get(attr.key, [history.deleted[0]])[0]
            notes["changes"][attr.key] = [before, history.added[0] if history.added else None]


def _add_entry(session: Session) -> None:
    """Before the request's commit: one entry saying what it did."""
    if not _recording():
        return
    session.flush()  # what is still pending reaches _note_flush first
    kind, summary = RECORDED[request.endpoint]
    args = request.view_args or {}
    if kind is None:
        kind, summary = GUEST_ACTIONS.get(args.get("action"), (K.GUEST_EDITED, "Changed a guest's RSVP"))
    notes = g.pop("activity_notes", {"changes": {}, "new": []})
    new = {type(o): o for o in notes["new"]}
    needed = SENDS.get(request.endpoint)
    if needed is not None and needed not in new:
        return  # a preview or a check: nothing was sent
    invited = sum(isinstance(o, GuestInvitation) for o in notes["new"])
    event_id = new[Event].id if Event in new else args.get("event_id")
    if event_id is None and GuestInvitation in new:  # invited from the People page: the form names the event
        event_id = new[GuestInvitation].event_id
    changes = activity.changed(*_sides(notes["changes"]))
    if kind == K.EVENT_EDITED and "capacity" in changes:
        kind = K.CAPACITY_CHANGED
    subject = next((f"{SUBJECTS[a]}:{args[a]}" for a in SUBJECTS if a in args), "")
    g.activity_recorded = True
    detail = f": {invited} {'person' if invited == 1 else 'people'}" if invited else _detail(new)
    activity.record(kind, summary + detail, event=event_id, subject=subject, changes=changes)


def _sides(changes: dict) -> tuple[dict, dict]:
    return {k: v[0] for k, v in changes.items()}, {k: v[1] for k, v in changes.items()}


def _detail(new: dict) -> str:
    if Message in new:
        m = new[Message]
        return f" to {m.segment.value} guests ({m.recipients}): “{m.subject}”"
    if BadgePrintJob in new:
        job = new[BadgePrintJob]
        return f": {job.total} badge{'s' if job.total != 1 else ''}, {job.layout} layout"
    if DoorLink in new:
        return f": “{new[DoorLink].label}”"
    return ""


def record_export(response):
    """After a download of guests' data was served: who took it, and when."""
    if request.endpoint in EXPORTS and response.status_code == 200 and current_user.is_authenticated:
        args = request.view_args or {}
        subject = f"badge_job:{args['job_id']}" if "job_id" in args else ""
        entry = activity.record(K.EXPORT_DOWNLOADED, EXPORTS[request.endpoint], event=args.get("event_id"),
                                subject=subject)  # fmt: skip
        # Its own session: the download may still be streaming from the request's (WAL lets both be).
        db.session.expunge(entry)
        with Session(db.engine) as own:
            own.add(entry)
            own.commit()
    return response


def _forget(_session: Session) -> None:
    """A rolled-back change leaves nothing to record."""
    if has_request_context():
        g.pop("activity_notes", None)


sa.event.listen(Session, "after_flush", _note_flush)
sa.event.listen(Session, "before_commit", _add_entry)
sa.event.listen(Session, "after_rollback", _forget)
bp.after_request(record_export)
