"""The unsubscribe link of every bulk e-mail (issue 17, services/opt_outs.py): one kind, or
everything that isn't about the guest's own RSVP; a mail app's one-click POST (RFC 8058) does the
same without a page. The signed link is the proof, so no form token is needed."""

from flask import abort, render_template, request

from eventsite.extensions import csrf
from eventsite.models import BulkKind
from eventsite.public.blueprint import bp
from eventsite.security import private_page
from eventsite.services import opt_outs
from eventsite.web import saved


@bp.route("/unsubscribe/<signed>", methods=["GET", "POST"])
@csrf.exempt  # a mail client's one-click POST carries no form token; the signature is the proof
@private_page
def unsubscribe(signed: str):
    """GET asks (a mail scanner's visit changes nothing); POST turns off the link's kind, or
    everything with ``scope=all``, or turns the kind back on with ``undo=1``."""
    found = opt_outs.from_link(signed)
    if found is None:
        abort(404, "This unsubscribe link isn't one of ours, or it was cut short. Copy the whole link from the e-mail.")
    key, kind = found
    done = None
    if request.method == "POST":
        if request.form.get("undo") == "1":
            saved(opt_outs.opt_back_in, key, kind)
            done = "undone"
        else:
            chosen = BulkKind.ALL if request.form.get("scope") == "all" else kind
            source = "one-click" if request.form.get("List-Unsubscribe") == "One-Click" else "link"
            saved(opt_outs.opt_out, key, chosen, source=source)
            done = chosen
    off = opt_outs.kinds_off(key)
    return render_template("public/unsubscribe.html", kind=kind, done=done, off=off, all_off=BulkKind.ALL in off)
