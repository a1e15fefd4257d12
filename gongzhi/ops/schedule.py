"""Periodic jobs: a registry of (name, interval, callable path) and the tick that enqueues them.

An app registers its job with one line in its ``AppConfig.ready()``::

    from datetime import timedelta
    from gongzhi.ops import schedule

    schedule.register("sweep_deadlines", every=timedelta(minutes=5),
                      path="gongzhi.cases.sweep.sweep_deadlines")

``python manage.py run_scheduler`` (one process per deployment, beside the
worker) calls :func:`enqueue_due` every few seconds; it puts each due job on
the task queue as :func:`gongzhi.ops.tasks.run_periodic_job`, and the worker
runs it. The callable takes no arguments; it may be a plain function or a
``django.tasks`` task (then its function is called in the worker's task).
Jobs must be idempotent: after a crash the next tick runs the job again.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.tasks import Task, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone
from django.utils.module_loading import import_string

from gongzhi.audit import context

log = logging.getLogger("gongzhi.ops.schedule")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    path: str


_jobs: dict[str, PeriodicJob] = {}


def register(name: str, *, every: timedelta, path: str) -> PeriodicJob:
    """Run the callable at ``path`` about every ``every``; registering a name again replaces it."""
    if every <= timedelta(0):
        raise ValueError(f"periodic job {name!r}: the interval must be positive")
    job = PeriodicJob(name=name, every=every, path=path)
    _jobs[name] = job
    return job


def unregister(name: str) -> None:
    _jobs.pop(name, None)


def registered() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def run_job(name: str):
    """Run a registered job now, in this process (the worker's side of a periodic task)."""
    try:
        job = _jobs[name]
    except KeyError:
        raise LookupError(f"no periodic job named {name!r} is registered in this process") from None
    target = import_string(job.path)
    log.info("periodic job %s started", name, extra={"job": name})
    result = target.call() if isinstance(target, Task) else target()
    log.info("periodic job %s finished", name, extra={"job": name})
    return result


def _still_queued(task_id: str) -> bool:
    """The job's previous task has not started yet (the worker is behind or down)."""
    from .tasks import run_periodic_job

    if not task_id or not run_periodic_job.get_backend().supports_get_result:
        return False
    try:
        return run_periodic_job.get_result(task_id).status == TaskResultStatus.READY
    except TaskResultDoesNotExist:
        return False


def enqueue_due(*, now=None) -> list[str]:
    """Enqueue every job whose interval has passed; returns the names enqueued.

    The state row is locked and the task enqueued in one transaction (with the
    database queue, one commit), so a crash or a second scheduler cannot
    enqueue the same run twice. A job whose previous task is still waiting on
    the queue is not enqueued again, so a stopped worker does not pile runs up.
    """
    from .models import PeriodicJobState
    from .tasks import run_periodic_job

    now = now or timezone.now()
    enqueued = []
    for job in registered():
        try:
            PeriodicJobState.objects.get_or_create(name=job.name)
        except IntegrityError:  # another scheduler created it at the same moment
            pass
        with transaction.atomic():
            state = PeriodicJobState.objects.select_for_update().get(name=job.name)
            if state.last_enqueued_at is not None and now - state.last_enqueued_at < job.every:
                continue
            if _still_queued(state.last_task_id):
                log.warning("periodic job %s not enqueued: its previous run is still queued", job.name,
                            extra={"job": job.name})
                continue
            with context.bind(None, None):  # each run gets a request id of its own
                result = run_periodic_job.enqueue(job.name)
                log.info("periodic job %s enqueued", job.name, extra={"job": job.name, "task_id": str(result.id)})
            state.last_enqueued_at = now
            state.last_task_id = str(result.id)[:64]
            state.save(update_fields=["last_enqueued_at", "last_task_id"])
        enqueued.append(job.name)
    return enqueued
