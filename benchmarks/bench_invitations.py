"""Invitations: queue 5,000 personal invitations (issue 15; target < 10 s).

In-process on a throwaway SQLite database: ``invitations.invite`` for 5,000 pasted people in
one request's transaction (each an invitation row and an outbox e-mail rendered from its
templates), timed to the commit. Delivery is the outbox worker's, after the request, and
is not timed here. Figures are printed, never asserted; the run fails
(exit 1) only when the counts are wrong.

    .venv/bin/python benchmarks/bench_invitations.py [--people 5000]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import sqlalchemy as sa  # noqa: E402
from conftest import migrate  # noqa: E402

from eventsite import create_app  # noqa: E402
from eventsite.database import writing  # noqa: E402
from eventsite.extensions import db  # noqa: E402
from eventsite.models import GuestInvitation, OutboxMessage  # noqa: E402
from eventsite.services import invitations  # noqa: E402
from factories import make_event  # noqa: E402

TARGET_QUEUE_S = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-invitations-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                      "MAIL_DELIVERY": "manual", "BASE_URL": "http://127.0.0.1:5000"})  # fmt: skip
    with app.app_context():
        migrate(app.config["SQLALCHEMY_DATABASE_URI"])
        with writing():
            event = make_event(capacity=None)
            db.session.commit()
        people = [
            invitations.Invitee(f"resident{i}@example.org", f"Resident{i}", "Invited") for i in range(args.people)
        ]
        started = time.perf_counter()
        with writing():
            report = invitations.invite(event, people, category_id=None, skip_approval=False, actor="bench")
            db.session.commit()
        queued_s = time.perf_counter() - started
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(GuestInvitation))
        mails = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "guest_invitation"))
        print(f"queued {len(report.invited):,} invitations in {queued_s:.2f} s "
              f"({queued_s / max(len(report.invited), 1) * 1000:.2f} ms each; target < {TARGET_QUEUE_S:.0f} s)")  # fmt: skip
    if rows != args.people or mails != args.people:
        print(f"FAILED: {rows} invitations and {mails} e-mails for {args.people} people")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
