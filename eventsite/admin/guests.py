"""Admin: an event's guest list and its CSV, adding a guest by hand, one guest's page and actions."""

import dataclasses
from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, request, session, stream_with_context, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.common import actor, get_event, get_rsvp
from eventsite.admin.guest_forms import AddGuestForm, BulkForm, GuestActionForm, GuestEditForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.models import Rsvp, RsvpStatus, TrainingLevel
from eventsite.services import (
    DomainError,
    ErrorCode,
    capacity,
    categories,
    exports,
    guests,
    history,
    people,
    questions,
    rsvps,
)
from eventsite.services import guest_bulk as guest_bulk_service
from eventsite.services.guest_details import GuestDetails
from eventsite.services.guest_list import SORTS, SOURCES, GuestFilter, checked_in_at, guest_page
from eventsite.web import REFUSED, attempt, attempt_or_flash, form_page, of_event, saved


@bp.get("/events/<int:event_id>/guests")
@permission_required(Permission.MANAGE)
def guest_list(event_id: int):
    event = get_event(event_id)
    filters = GuestFilter.from_args(request.args)
    page = guest_page(event, filters)
    asked = questions.of_event(event, removed=True)
    chosen = _answer_columns(event.id, asked)
    table = questions.answer_table(event, [row.id for row in page.rows]) if chosen else {}
    cells = {r: {q.id: questions.shown(q, table.get(r, {}).get(q.id)) for q in chosen} for r in table}
    return render_template(
        "admin/guest_list.html",
        questions=asked,
        answer_columns=chosen,
        answer_cells=cells,
        event=event,
        filters=filters,
        page=page,
        tracks=people.guest_tracks(event, [row.id for row in page.rows]),
        counts=capacity.place_counts(event),
        sorts=SORTS,
        sources=SOURCES,
        statuses=list(RsvpStatus),
        levels=list(TrainingLevel),
        category_names={c.id: c.name for c in categories.of_event(event)},
    )


def _answer_columns(event_id: int, asked: list) -> list:
    """The custom questions whose answers the organizer chose to see as columns: chosen with
    ?columns=1&col=<id>…, then remembered (per event, in the session) while paging and sorting."""
    remembered = session.setdefault("answer_columns", {})
    if request.args.get("columns") == "1":
        remembered[str(event_id)] = [int(i) for i in request.args.getlist("col") if i.isdigit()][:20]
        session.modified = True
    ids = remembered.get(str(event_id), [])
    return [q for q in asked if q.id in ids]


@bp.get("/events/<int:event_id>/guests.csv")
@permission_required(Permission.MANAGE)
def guest_list_csv(event_id: int):
    event = get_event(event_id)
    lines = exports.guest_csv(event, GuestFilter.from_args(request.args))
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-guests.csv"'},
    )


@bp.route("/events/<int:event_id>/guests/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def add_guest(event_id: int):
    event = get_event(event_id)
    form = AddGuestForm().for_event(categories.of_event(event), automatic="The one of their training level")
    if form.validate_on_submit():
        outcome = attempt(
            form, guests.add_guest, event, GuestDetails.from_mapping(form.data), source=form.source.data,
            confirm_over_capacity=form.confirm_over_capacity.data, category_id=form.chosen_category(), actor=actor(),
        )  # fmt: skip
        if outcome is not REFUSED:
            flash(f"{outcome.rsvp.full_name} was added as confirmed and e-mailed their private link." + _over(outcome))
            return redirect(url_for("admin.guest_detail", rsvp_id=outcome.rsvp.id))
    return form_page("admin/guest_form.html", form, event=event, counts=capacity.place_counts(event))


@bp.route("/guests/<int:rsvp_id>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def guest_detail(rsvp_id: int):
    rsvp = get_rsvp(rsvp_id)
    form = GuestEditForm(obj=rsvp).for_event(categories.of_event(rsvp.event_id))
    if form.validate_on_submit():
        fields = form.service_fields()
        changed = attempt(form, guests.edit_guest, rsvp, actor=actor(), category_id=form.chosen_category(), **fields)
        if changed is not REFUSED:
            labels = ", ".join(form[name].label.text.lower() for name in changed)
            flash(f"Saved {rsvp.full_name}'s {labels}." if changed else "Nothing was changed.")
            return redirect(url_for("admin.guest_detail", rsvp_id=rsvp.id))
    return form_page("admin/guest_detail.html", form, **guest_page_context(rsvp))


def guest_page_context(rsvp: Rsvp) -> dict:
    """What one guest's page shows besides the edit form: actions, history, place in line."""
    return {
        "event": rsvp.event,
        "rsvp": rsvp,
        "button": GuestActionForm(formdata=None),
        "actions": [] if rsvp.is_anonymised else [(name, ACTIONS[name]) for name in STATUS_ACTIONS[rsvp.status]],
        "history": history.lines(rsvp),
        "position": rsvps.waitlist_position(rsvp),
        "checked_in_at": checked_in_at(rsvp),
        "sources": SOURCES,
        "answers": questions.answers_for_guest(rsvp),
    }


# ---------------------------------------------------------------------------------------------
# Actions on one guest: destructive ones (and over-capacity moves) go through a confirm page.


def _over(outcome: guests.Outcome) -> str:
    if not outcome.over_capacity:
        return ""
    taken, capacity = outcome.over_capacity
    return f" The event is now over capacity ({taken}/{capacity})."


def _passed_on(outcome: guests.Outcome) -> str:
    if not outcome.offered_to:
        return ""
    names = ", ".join(r.full_name for r in outcome.offered_to)
    if all(r.status == RsvpStatus.CONFIRMED for r in outcome.offered_to):
        return f" The freed place went to {names} from the waitlist."
    return f" The freed place was offered to {names} from the waitlist."


def _approved(o: guests.Outcome) -> str:
    if o.position is not None:
        return f"{o.rsvp.full_name} was approved and put on the waitlist (#{o.position}): the event is full."
    return f"{o.rsvp.full_name} was approved and confirmed." + _over(o)


@dataclasses.dataclass(frozen=True)
class Action:
    run: Callable[..., guests.Outcome]
    #: The button on the guest's page.
    label: str
    #: The flash message once done.
    done: Callable[[guests.Outcome], str]
    #: Ask on a separate page first (the page explains what will happen).
    destructive: bool = False
    #: The service may answer over_capacity; the organizer can then confirm.
    may_overbook: bool = False


ACTIONS = {
    "approve": Action(
        guests.approve,
        "Approve",
        lambda o: _approved(o) + " An e-mail is on its way.",
        may_overbook=True,
    ),
    "decline": Action(
        guests.decline,
        "Decline…",
        lambda o: f"{o.rsvp.full_name}'s request was declined. An e-mail is on its way.",
        destructive=True,
    ),
    "confirm": Action(
        guests.move_to_confirmed,
        "Move to confirmed",
        lambda o: f"{o.rsvp.full_name} was moved to confirmed." + _over(o) + " An e-mail is on its way.",
        may_overbook=True,
    ),
    "waitlist": Action(
        guests.move_to_waitlist,
        "Move to the waitlist…",
        lambda o: f"{o.rsvp.full_name} was moved to the waitlist (#{o.position})." + _passed_on(o),
        destructive=True,
    ),
    "cancel": Action(
        guests.cancel_guest,
        "Cancel RSVP…",
        lambda o: f"{o.rsvp.full_name}'s RSVP was cancelled and they were e-mailed." + _passed_on(o),
        destructive=True,
    ),
    "resend": Action(
        guests.resend_email,
        "Resend the RSVP e-mail",
        lambda o: f"The RSVP e-mail is on its way to {o.rsvp.full_name} again ({o.rsvp.email}).",
    ),
}
STATUS_ACTIONS = {
    RsvpStatus.PENDING: ("approve", "decline"),
    RsvpStatus.CONFIRMED: ("resend", "waitlist", "cancel"),
    RsvpStatus.OFFERED: ("confirm", "resend", "cancel"),
    RsvpStatus.WAITLISTED: ("confirm", "resend", "cancel"),
    RsvpStatus.CANCELLED: (),
    RsvpStatus.DECLINED: (),
}


@bp.route("/events/<int:event_id>/guests/<int:rsvp_id>/<action>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def guest_action(event_id: int, rsvp_id: int, action: str):
    spec = ACTIONS.get(action) or abort(404)
    rsvp = of_event(Rsvp, rsvp_id, event_id)
    if rsvp.is_anonymised:  # nothing to e-mail, and nobody to act for
        abort(404)
    if request.method == "GET" and action not in STATUS_ACTIONS[rsvp.status]:
        flash(f"{rsvp.full_name} is {rsvp.status.label.lower()} now; that action no longer applies.")
        return redirect(url_for("admin.guest_detail", rsvp_id=rsvp_id))
    form, warning = GuestActionForm(), None
    if form.validate_on_submit():
        try:
            outcome = saved(spec.run, rsvp, actor=actor(), **_options(spec, form))
        except DomainError as exc:
            if exc.code != ErrorCode.OVER_CAPACITY:
                flash(exc.message)
                return redirect(url_for("admin.guest_detail", rsvp_id=rsvp_id))
            warning = exc.message
        else:
            flash(spec.done(outcome))
            return redirect(url_for("admin.guest_detail", rsvp_id=rsvp_id))
    return _confirm_page(rsvp, action, spec, form, warning)


def _options(spec: Action, form: GuestActionForm) -> dict:
    return {"confirm_over_capacity": form.over_capacity_confirmed} if spec.may_overbook else {}


def _confirm_page(rsvp: Rsvp, action: str, spec: Action, form: GuestActionForm, warning: str | None):
    """The page that asks before a destructive or over-capacity action (409 with its warning)."""
    return render_template(
        "admin/guest_confirm.html",
        event=rsvp.event,
        rsvp=rsvp,
        action=action,
        spec=spec,
        form=form,
        warning=warning,
        counts=capacity.place_counts(rsvp.event),
        position=rsvps.waitlist_position(rsvp),
        refusal=guests.waitlist_move_refusal(rsvp) if action == "waitlist" else None,
    ), (409 if warning else 200)


@bp.post("/events/<int:event_id>/guests/bulk")
@permission_required(Permission.MANAGE)
def guest_bulk(event_id: int):
    """The guest list's ticked rows: approve, decline or move them; then back to the same list."""
    event = get_event(event_id)
    form = BulkForm()
    if form.validate_on_submit():
        report = attempt_or_flash(guest_bulk_service.apply, event, form.rsvp_ids.data or [], form.action.data or "",
                                  actor=actor())  # fmt: skip
        if report is not REFUSED:
            flash(f"Done for {report.done} {'guest' if report.done == 1 else 'guests'}."
                  + (f" Left as they were: {'; '.join(report.skipped[:10])}." if report.skipped else ""))  # fmt: skip
    back = form.back.data or ""
    return redirect(
        back if back.startswith(f"/admin/events/{event.id}/guests") else url_for("admin.guest_list", event_id=event.id)
    )
