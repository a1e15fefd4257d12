"""Periodic jobs: due jobs are enqueued once per interval, and never piled up."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gongzhi.ops import schedule
from gongzhi.ops.models import PeriodicJobState

from . import jobs

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def only_test_jobs():
    """Run the tick over the test's jobs alone, then put the real registry back."""
    saved = dict(schedule._jobs)
    schedule._jobs.clear()
    jobs.CALLS.clear()
    yield schedule
    schedule._jobs.clear()
    schedule._jobs.update(saved)


def test_registration_is_one_line_and_checks_the_interval(only_test_jobs):
    job = schedule.register("count", every=timedelta(minutes=5), path="gongzhi.ops.tests.jobs.count_call")
    assert schedule.registered() == [job]
    with pytest.raises(ValueError, match="interval must be positive"):
        schedule.register("never", every=timedelta(0), path="gongzhi.ops.tests.jobs.count_call")


def test_the_ops_app_registers_its_own_jobs():
    assert "prune_task_results" in {job.name for job in schedule.registered()}


@pytest.mark.django_db
def test_a_due_job_runs_once_per_interval(only_test_jobs):
    schedule.register("count", every=timedelta(minutes=5), path="gongzhi.ops.tests.jobs.count_call")
    start = timezone.now()
    assert schedule.enqueue_due(now=start) == ["count"]
    assert schedule.enqueue_due(now=start + timedelta(minutes=4)) == []
    assert schedule.enqueue_due(now=start + timedelta(minutes=5)) == ["count"]
    assert jobs.CALLS == ["count_call", "count_call"]
    assert PeriodicJobState.objects.get(name="count").last_enqueued_at == start + timedelta(minutes=5)


@pytest.mark.django_db
def test_a_task_as_target_is_called_in_the_job(only_test_jobs):
    schedule.register("count_task", every=timedelta(hours=1), path="gongzhi.ops.tests.jobs.count_call_task")
    schedule.enqueue_due()
    assert jobs.CALLS == ["count_call_task"]


@pytest.mark.django_db
def test_run_scheduler_once_names_what_it_enqueued(only_test_jobs, capsys):
    schedule.register("count", every=timedelta(minutes=5), path="gongzhi.ops.tests.jobs.count_call")
    call_command("run_scheduler", once=True)
    assert capsys.readouterr().out.split() == ["count"]
    call_command("run_scheduler", once=True)
    assert capsys.readouterr().out.split() == []
    assert jobs.CALLS == ["count_call"]


# The worker commits and reconnects, as in production.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_with_the_database_queue_the_worker_runs_it_and_runs_do_not_pile_up(only_test_jobs):
    schedule.register("count", every=timedelta(minutes=5), path="gongzhi.ops.tests.jobs.count_call")
    start = timezone.now()
    assert schedule.enqueue_due(now=start) == ["count"]
    assert jobs.CALLS == []  # queued, not run
    # The worker is down for an hour: the job stays queued once, not twelve times.
    for minutes in range(5, 65, 5):
        assert schedule.enqueue_due(now=start + timedelta(minutes=minutes)) == []
    assert DBTaskResult.objects.count() == 1

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert jobs.CALLS == ["count_call"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert schedule.enqueue_due(now=start + timedelta(minutes=65)) == ["count"]


def test_a_job_that_is_not_registered_here_fails_clearly(only_test_jobs):
    with pytest.raises(LookupError, match="no periodic job named 'gone'"):
        schedule.run_job("gone")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_a_job_whose_result_is_not_json_still_succeeds(only_test_jobs):
    schedule.register("odd", every=timedelta(minutes=5), path="gongzhi.ops.tests.jobs.returns_an_object")
    schedule.enqueue_due()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    row = DBTaskResult.objects.get()
    assert row.status == "SUCCESSFUL"
    assert row.task_result.return_value.startswith("<object object")
