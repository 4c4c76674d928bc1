"""Admin: the activity log, per event (its team) and site-wide (owners), with its CSV."""

from flask import Response, render_template, request, stream_with_context

from eventsite.admin.blueprint import bp
from eventsite.admin.common import get_event
from eventsite.auth.gates import Permission, permission_required
from eventsite.services import activity_log
from eventsite.services.activity import ActivityKind


def _page(event=None):
    f = activity_log.ActivityFilter.from_args(request.args)
    event_id = event.id if event is not None else None
    return render_template(
        "admin/activity.html",
        event=event,
        filters=f,
        page=activity_log.activity_page(f, event_id),
        people=activity_log.people(event_id),
        names=activity_log.member_names(),
        kinds=sorted(ActivityKind, key=lambda k: k.label),
        changes_text=activity_log.changes_text,
    )


def _csv(filename: str, event_id: int | None):
    lines = activity_log.activity_csv(activity_log.ActivityFilter.from_args(request.args), event_id)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


@bp.get("/events/<int:event_id>/activity")
@permission_required(Permission.MANAGE)
def event_activity(event_id: int):
    return _page(get_event(event_id))


@bp.get("/events/<int:event_id>/activity.csv")
@permission_required(Permission.MANAGE)
def event_activity_csv(event_id: int):
    event = get_event(event_id)
    return _csv(f"activity-{event.slug}.csv", event.id)


@bp.get("/activity")
@permission_required(Permission.OWNER)
def site_activity():
    return _page()


@bp.get("/activity.csv")
@permission_required(Permission.OWNER)
def site_activity_csv():
    return _csv("activity.csv", None)
