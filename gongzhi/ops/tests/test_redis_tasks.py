"""The Redis queue (TASKS_BACKEND=redis) against the real Redis of the machine.

These tests need Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/15); without it they
fail with a connection error, never skip. Each test works under a prefix of its own and removes
its keys afterwards.
"""

import os
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import task_backends
from django.test import override_settings
from django.utils import timezone

from gongzhi.audit import context
from gongzhi.ops import schedule
from gongzhi.ops.redis_tasks import enqueue_once
from gongzhi.ops.tasks import run_periodic_job

from . import jobs

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_queue(request):
    prefix = f"gongzhi-test:{request.node.name[:40]}:{time.time_ns()}"
    tasks = {"default": {"BACKEND": "gongzhi.ops.redis_tasks.RedisBackend",
                         "OPTIONS": {"URL": REDIS_URL, "PREFIX": prefix, "MAX_ATTEMPTS": 3,
                                     "BACKOFF_SECONDS": 0}}}
    jobs.CALLS.clear()
    jobs.FAILURES_LEFT.clear()
    with override_settings(TASKS=tasks):
        backend = task_backends["default"]
        backend.client.ping()  # fails loudly when Redis is not there
        yield backend
        for key in backend.client.scan_iter(match=prefix + ":*"):
            backend.client.delete(key)


def test_a_task_waits_on_the_queue_until_a_worker_runs_it(redis_queue):
    with context.bind(None, "req-redis"):
        result = jobs.report_request_id.enqueue("a")
    assert result.status == "READY"
    assert redis_queue.queue_depth() == {"default": 1}

    assert redis_queue.worker().run(burst=True) == 1

    done = jobs.report_request_id.get_result(result.id)
    assert done.status == "SUCCESSFUL"
    assert done.return_value == {"label": "a", "request_id": "req-redis"}
    assert done.attempts == 1
    assert redis_queue.queue_depth() == {"default": 0}


def test_a_failing_task_is_retried_and_then_succeeds(redis_queue):
    jobs.FAILURES_LEFT["b"] = 2
    result = jobs.fails_then_succeeds.enqueue("b")

    redis_queue.worker().run(burst=True)

    done = result.task.get_result(result.id)
    assert done.status == "SUCCESSFUL"
    assert done.attempts == 3
    assert [error.exception_class_path for error in done.errors] == ["builtins.RuntimeError"] * 2
    assert redis_queue.failures() == 2
    assert redis_queue.dead_letters() == 0


def test_a_task_that_keeps_failing_lands_in_the_dead_letter_list(redis_queue):
    result = jobs.always_fails.enqueue("c")

    redis_queue.worker().run(burst=True)

    done = result.task.get_result(result.id)
    assert done.status == "FAILED"
    assert done.attempts == 3  # MAX_ATTEMPTS
    assert "c never works" in done.errors[-1].traceback
    assert redis_queue.dead_letter_ids() == [result.id]
    assert redis_queue.failures() == 3

    # Someone fixed the cause: the task goes back for a fresh round.
    assert redis_queue.retry_dead(result.id)
    assert redis_queue.dead_letters() == 0
    assert redis_queue.queue_depth() == {"default": 1}


def test_retries_back_off(redis_queue):
    redis_queue.backoff = 60
    jobs.FAILURES_LEFT["d"] = 1
    result = jobs.fails_then_succeeds.enqueue("d")

    assert redis_queue.worker().run(burst=True) == 1  # the first attempt only: the retry waits

    waiting = result.task.get_result(result.id)
    assert waiting.status == "READY" and waiting.attempts == 1
    due = redis_queue.client.zscore(redis_queue.key("delayed"), result.id)
    assert 55 < due - time.time() <= 60
    assert redis_queue.queue_depth() == {"default": 0, "(delayed)": 1}


def test_run_after_defers_the_task(redis_queue):
    later = jobs.record.using(run_after=timezone.now() + timedelta(hours=1)).enqueue("e")
    now = jobs.record.enqueue("f")

    redis_queue.worker().run(burst=True)

    assert jobs.CALLS == ["f"]
    assert now.task.get_result(now.id).status == "SUCCESSFUL"
    assert later.task.get_result(later.id).status == "READY"


def test_an_idempotency_key_enqueues_the_work_once(redis_queue):
    first = enqueue_once(jobs.record, "import-batch-42", "g")
    again = enqueue_once(jobs.record, "import-batch-42", "g")
    other = enqueue_once(jobs.record, "import-batch-43", "h")

    assert again.id == first.id and other.id != first.id
    redis_queue.worker().run(burst=True)
    assert sorted(jobs.CALLS) == ["g", "h"]
    assert "_gongzhi_idempotency_key" not in first.task.get_result(first.id).kwargs


def test_several_workers_run_each_task_exactly_once(redis_queue):
    labels = [f"t{n}" for n in range(60)]
    for label in labels:
        jobs.record.enqueue(label)

    workers = [redis_queue.worker(worker_id=f"w{n}") for n in range(3)]
    threads = [threading.Thread(target=worker.run, kwargs={"burst": True}) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(jobs.CALLS) == sorted(labels)


def test_the_tasks_of_a_worker_that_died_go_back_on_the_queue(redis_queue):
    result = jobs.record.enqueue("i")
    dead = redis_queue.worker(worker_id="dead-one", heartbeat_seconds=1)
    dead.heartbeat()
    assert dead.take(timeout=0) == result.id  # taken, then the process is killed

    alive = redis_queue.worker(worker_id="alive")
    assert alive.recover_abandoned() == 0  # its heartbeat is still fresh
    redis_queue.client.delete(redis_queue.key("worker", "dead-one"))  # the heartbeat expires
    assert alive.recover_abandoned() == 1
    alive.run(burst=True)
    assert jobs.CALLS == ["i"]


@pytest.mark.django_db
def test_the_scheduler_and_metrics_work_unchanged_on_redis(redis_queue, client):
    schedule.register("redis_probe", every=timedelta(minutes=1), path="gongzhi.ops.tests.jobs.count_call")
    try:
        assert "redis_probe" in schedule.enqueue_due()
        assert "redis_probe" not in schedule.enqueue_due()  # its run is still queued
        jobs.always_fails.enqueue("j")
        redis_queue.worker().run(burst=True)
    finally:
        schedule.unregister("redis_probe")
    assert "count_call" in jobs.CALLS

    body = client.get("/metrics").content.decode()
    assert "gongzhi_task_dead_letters 1.0" in body
    assert "gongzhi_task_failed_attempts 3.0" in body
    assert 'gongzhi_task_queue_depth{queue="default"} 0.0' in body
    assert run_periodic_job.get_backend() is redis_queue


@pytest.mark.django_db
def test_the_worker_command_runs_lists_and_retries(redis_queue, capsys):
    failed = jobs.always_fails.enqueue("k")
    jobs.record.enqueue("l")

    call_command("redis_worker", burst=True)
    assert "4 tasks run" in capsys.readouterr().out  # three attempts of one, one of the other

    call_command("redis_worker", dead=True)
    listing = capsys.readouterr().out
    assert failed.id in listing and "always_fails" in listing and "ValueError" in listing

    call_command("redis_worker", retry=failed.id)
    assert redis_queue.queue_depth() == {"default": 1}


@pytest.mark.django_db
def test_readyz_checks_the_redis_queue(redis_queue, client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["queue"] == "ok"
