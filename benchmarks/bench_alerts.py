"""City alerts: 10,000 confirmed subscribers for one city, an event there is published, and the
jobs' alert step queues one e-mail each (issue 17). The publishing request does no alert work;
the figure is publish → all queued, in committed batches of ``alerts.BATCH``.

In-process on a throwaway SQLite database. Figures are printed, never asserted; the run fails
(exit 1) only when the counts are wrong (every subscriber once, nobody twice).

    .venv/bin/python benchmarks/bench_alerts.py [--subscribers 10000]
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
from eventsite.jobs.run import _send_city_alerts  # noqa: E402
from eventsite.models import CityAlert, EventStatus, OutboxMessage, utcnow  # noqa: E402
from eventsite.services import events  # noqa: E402
from factories import make_event  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-alerts-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                      "MAIL_DELIVERY": "manual", "BASE_URL": "http://127.0.0.1:5000"})  # fmt: skip
    with app.app_context():
        migrate(app.config["SQLALCHEMY_DATABASE_URI"])
        with writing():
            past = make_event(city="Chicago", days_ahead=-30)  # the series has been to Chicago
            draft = make_event(city="Chicago", title="Chicago evening", status=EventStatus.DRAFT, days_ahead=60)
            now = utcnow()
            db.session.execute(sa.insert(CityAlert), [
                {"email": f"resident{i}@example.org", "email_key": f"resident{i}@example.org",
                 "series_id": past.series_id, "city": "Chicago", "created_at": now, "confirmed_at": now}
                for i in range(args.subscribers)
            ])  # fmt: skip
            db.session.commit()
        started = time.perf_counter()
        with writing():
            events.publish_event(db.session.get(type(draft), draft.id))
            db.session.commit()
        publish_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        queued = _send_city_alerts()
        queue_s = time.perf_counter() - started
        again = _send_city_alerts()
        in_outbox = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "city_alert")
        )
    print(f"publish request: {publish_ms:.1f} ms (no alert work in it)")
    print(f"{queued:,} alerts queued in {queue_s:.2f} s ({queued / queue_s:,.0f} a second) by the jobs' alert step")
    print(f"second run queued {again} (never twice); outbox holds {in_outbox:,}")
    return 0 if queued == in_outbox == args.subscribers and again == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
