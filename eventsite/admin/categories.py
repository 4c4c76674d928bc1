"""Admin: an event's guest categories (places, who gets in, badge band, levels, domains)."""

from flask import flash, redirect, render_template, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.category_forms import CategoryForm
from eventsite.admin.common import get_event, move_on_submit
from eventsite.admin.forms import ActionForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.models import Event, GuestCategory
from eventsite.services import categories, guests
from eventsite.web import REFUSED, attempt, attempt_or_flash, of_event


def _page(event: Event, *, new: CategoryForm | None = None, editing: tuple[int, CategoryForm] | None = None):
    rows = [
        (p, editing[1] if editing and editing[0] == p.category.id else CategoryForm(prefix=f"c{p.category.id}").fill(p.category))
        for p in categories.places(event)
    ]  # fmt: skip
    status = 422 if (new and new.errors) or (editing and editing[1].errors) else 200
    return render_template(
        "admin/categories.html", event=event, rows=rows, new=new or CategoryForm(prefix="new"), action=ActionForm()
    ), status  # fmt: skip


@bp.route("/events/<int:event_id>/categories", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def event_categories(event_id: int):
    event = get_event(event_id)
    form = CategoryForm(prefix="new")
    if form.validate_on_submit() and attempt(form, guests.save_category, event, form.fields()) is not REFUSED:
        flash(f"Category “{form.name.data.strip()}” added.")
        return redirect(url_for("admin.event_categories", event_id=event.id))
    return _page(get_event(event_id), new=form if form.is_submitted() else None)


@bp.post("/events/<int:event_id>/categories/<int:category_id>")
@permission_required(Permission.MANAGE)
def edit_category(event_id: int, category_id: int):
    event = get_event(event_id)
    category = of_event(GuestCategory, category_id, event)
    form = CategoryForm(prefix=f"c{category.id}")
    if form.validate() and attempt(form, guests.save_category, event, form.fields(), category) is not REFUSED:
        flash(f"Category “{category.name}” saved.")
        return redirect(url_for("admin.event_categories", event_id=event_id) + f"#category-{category_id}")
    return _page(get_event(event_id), editing=(category_id, form))


@bp.post("/events/<int:event_id>/categories/<int:category_id>/move")
@permission_required(Permission.MANAGE)
def move_category(event_id: int, category_id: int):
    category = of_event(GuestCategory, category_id, event_id)
    move_on_submit(categories.move, category)
    return redirect(url_for("admin.event_categories", event_id=event_id))


@bp.post("/events/<int:event_id>/categories/<int:category_id>/delete")
@permission_required(Permission.MANAGE)
def delete_category(event_id: int, category_id: int):
    category = of_event(GuestCategory, category_id, event_id)
    name = category.name
    if ActionForm().validate_on_submit() and attempt_or_flash(categories.remove, category) is not REFUSED:
        flash(f"Category “{name}” removed.")
    return redirect(url_for("admin.event_categories", event_id=event_id))
