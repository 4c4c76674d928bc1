"""The product app plus one bare endpoint, for bench_door.py only (never registered in the product).

``POST /bench/bare`` with ``{"code": …, "nonce": …}``: one indexed SELECT (the RSVP by its ticket
code, unique index) and one UPDATE of that row, one commit, a small JSON answer. It is the floor
the check-in API is compared with: the same app, the same request parsing, the same database
round trips a scan cannot avoid, and none of the door's rules.

    gunicorn benchmarks.bare_app:app   (from the repository root)
"""

import sqlalchemy as sa
from flask import jsonify, request

from eventsite import create_app
from eventsite.extensions import csrf, db
from eventsite.models import Rsvp, utcnow

app = create_app()


@app.post("/bench/bare")
@csrf.exempt
def bare():
    data = request.get_json(silent=True) or {}
    code = str(data.get("code", ""))
    row = db.session.execute(sa.select(Rsvp.id, Rsvp.status).where(Rsvp.ticket_code == code)).first()
    if row is None:
        return jsonify(error="unknown_code"), 404
    db.session.execute(sa.update(Rsvp).where(Rsvp.id == row.id).values(updated_at=utcnow()))
    db.session.commit()
    return jsonify(rsvp_id=row.id, status=row.status.value, nonce=data.get("nonce"))
