"""The gauges and periodic jobs this app brings itself (registered in OpsConfig.ready)."""

from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Min
from django.tasks import task_backends
from django.utils import timezone

from gongzhi.core import partitions, workcal

from . import metrics, readiness, schedule


def uses_database_queue() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


def _redis():
    from .redis_tasks import redis_backend

    return redis_backend()


def queue_depth() -> dict:
    """Tasks ready to run and not yet picked up, by queue (empty for in-process backends)."""
    if (redis := _redis()) is not None:
        return redis.queue_depth()
    if not uses_database_queue():
        return {}
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id")).order_by()
    return {row["queue_name"]: row["n"] for row in rows}


def oldest_waiting_seconds() -> float:
    """Age of the oldest task still waiting: grows without bound when no worker runs."""
    if (redis := _redis()) is not None:
        return redis.oldest_waiting_seconds()
    if not uses_database_queue():
        return 0.0
    from django_tasks_db.models import DBTaskResult

    oldest = DBTaskResult.objects.ready().aggregate(oldest=Min("enqueued_at"))["oldest"]
    return max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0


def dead_letters() -> float:
    """Tasks that failed every attempt and wait for someone to look (Redis queue only)."""
    return float(redis.dead_letters()) if (redis := _redis()) is not None else 0.0


def task_failures() -> float:
    """Failed task attempts, retried or not, since the queue was created (Redis queue only)."""
    return float(redis.failures()) if (redis := _redis()) is not None else 0.0


def replica_warning() -> str | None:
    """A configured replica that cannot be read: its views fall back to nothing, so say so."""
    from . import replica

    if not replica.configured():
        return None
    try:
        replica.replica_lag_seconds()
    except Exception as error:  # any driver error means the replica cannot serve
        return f"read replica unavailable: {type(error).__name__}"
    return None


def prune_task_results():
    """Delete finished task results older than TASK_RESULTS_KEEP_DAYS (database queue only)."""
    if uses_database_queue():
        call_command("prune_db_task_results", queue_name="*", min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
                     verbosity=0)


def holiday_schedule_missing() -> float:
    """1 when the holidays of this year, or from 1 November of next year, are unknown (gongzhi.core.workcal)."""
    return 1.0 if workcal.missing_schedule_years() else 0.0


def holiday_schedule_warning() -> str | None:
    years = workcal.missing_schedule_years()
    return f"holiday schedule missing for {', '.join(map(str, years))}" if years else None


def maintain_partitions() -> dict:
    """The coming months' partitions of every partitioned table, and back-dated rows moved into theirs."""
    from django.db import connection

    return partitions.maintain(connection)


def register():
    metrics.register_gauge("gongzhi_holiday_schedule_missing",
                           "1 when this year's holidays, or from 1 November next year's, are unknown "
                           "(no chinesecalendar data and no loaded schedule).", holiday_schedule_missing)
    readiness.register_warning("holiday_schedule", holiday_schedule_warning)
    metrics.register_gauge("gongzhi_task_queue_depth", "Tasks waiting on the queue to be run, by queue.",
                           queue_depth, labels=("queue",))
    metrics.register_gauge("gongzhi_task_oldest_waiting_seconds",
                           "Seconds the oldest waiting task has been on the queue.", oldest_waiting_seconds)
    metrics.register_gauge("gongzhi_task_dead_letters",
                           "Tasks that failed every attempt (the dead-letter list).", dead_letters)
    metrics.register_gauge("gongzhi_task_failed_attempts",
                           "Failed task attempts since the queue was created, retried or not.", task_failures)
    from . import replica

    metrics.register_gauge("gongzhi_replica_lag_seconds",
                           "Seconds the read replica is behind the primary (0 without a replica).",
                           replica.replica_lag_seconds)
    readiness.register_warning("replica", replica_warning)
    schedule.register("prune_task_results", every=timedelta(days=1), path="gongzhi.ops.builtin.prune_task_results")
    # PostgreSQL: the coming months of the partitioned history tables, ahead of time (gongzhi.core.partitions).
    schedule.register("partitions", every=timedelta(days=1), path="gongzhi.ops.builtin.maintain_partitions")
