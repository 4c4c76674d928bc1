"""Invitations: import a 5,000-row list and queue 5,000 personal invitations (issue 15; target
< 10 s to queue), then the reminder to all of them.

In-process on a throwaway SQLite database: ``invite_import.check`` reads and checks a CSV of
5,000 rows (names, address, program, level, and an answer to one of the event's questions), then
``invitations.invite`` queues them in one request's transaction (each an invitation row and an
outbox e-mail rendered from its templates), timed to the commit; last, the jobs' reminder step
queues the reminder to everyone who has not answered. Delivery is the outbox worker's, after
the request, and is not timed here. Figures are printed, never asserted; the run fails
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
from eventsite.models import GuestInvitation, OutboxMessage, utcnow  # noqa: E402
from eventsite.services import invitations, invite_import, questions  # noqa: E402
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
            questions.add_question(event, "single", questions.QuestionFields(
                prompt="Are you a member of the society?", choices=["Yes", "No", "Not sure"]))  # fmt: skip
            db.session.commit()
        sheet = "First name,Last name,E-mail,Program,Training level,Are you a member of the society?\r\n" + "".join(
            f"Resident{i},Invited,resident{i}@example.org,UCLA Orthopaedic Surgery,PGY-{i % 5 + 1},Yes\r\n"
            for i in range(args.people)
        )
        started = time.perf_counter()
        checked = invite_import.check(event, invite_import.decode(sheet.encode()))
        check_s = time.perf_counter() - started
        print(f"checked a list of {len(checked.rows):,} rows ({len(sheet.encode()) / 1e6:.2f} MB) in {check_s:.2f} s; "
              f"{len(checked.good):,} ready to invite")  # fmt: skip
        people = [row.invitee for row in checked.good]
        started = time.perf_counter()
        with writing():
            report = invitations.invite(event, people, category_id=None, skip_approval=False, actor="bench")
            db.session.commit()
        queued_s = time.perf_counter() - started
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(GuestInvitation))
        mails = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "guest_invitation"))
        print(f"queued {len(report.invited):,} invitations in {queued_s:.2f} s "
              f"({queued_s / max(len(report.invited), 1) * 1000:.2f} ms each; target < {TARGET_QUEUE_S:.0f} s)")  # fmt: skip
        with writing():
            event.invite_reminder_at = utcnow()
            started = time.perf_counter()
            reminded = invitations.send_due_reminders()
            db.session.commit()
        print(f"queued the reminder to {reminded:,} who had not answered in {time.perf_counter() - started:.2f} s")
    if rows != args.people or mails != args.people or reminded != args.people:
        print(f"FAILED: {rows} invitations and {mails} e-mails for {args.people} people")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
