"""Work outside a request: the outbox worker (``outbox``), badge print jobs in threads
(``print_jobs``) and the steps of ``flask jobs run`` (``run``)."""

from eventsite.jobs.outbox import DeliveryReport, deliver_outbox, init_app
from eventsite.jobs.run import JobReport, run_jobs

__all__ = ["DeliveryReport", "JobReport", "deliver_outbox", "init_app", "run_jobs"]
