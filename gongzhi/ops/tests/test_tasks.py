"""Tasks run under the request id of the request that enqueued them."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from gongzhi.audit import context
from gongzhi.ops.tasks import REQUEST_ID_KWARG

from .jobs import report_request_id

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_in_process_task_sees_the_request_id_of_its_enqueuer():
    with context.bind("10.0.0.1", "req-inline"):
        result = report_request_id.enqueue("a")
    assert result.return_value == {"label": "a", "request_id": "req-inline"}


def test_the_function_never_sees_the_carried_id():
    with context.bind(None, "req-x"):
        result = report_request_id.enqueue(label="b")
    assert result.status == "SUCCESSFUL"
    assert result.return_value["label"] == "b"


def test_enqueued_outside_a_request_it_runs_without_one():
    result = report_request_id.enqueue("c")
    assert result.return_value == {"label": "c", "request_id": ""}


# The worker commits and reconnects, as in production.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(TASKS=DATABASE_QUEUE)
def test_worker_runs_a_queued_task_under_the_enqueuers_request_id():
    with context.bind("10.0.0.1", "req-queued"):
        result = report_request_id.enqueue("d")
    row = DBTaskResult.objects.get(id=result.id)
    assert row.args_kwargs["kwargs"][REQUEST_ID_KWARG] == "req-queued"
    assert row.status == "READY"

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    done = report_request_id.get_result(result.id)
    assert done.status == "SUCCESSFUL"
    assert done.return_value == {"label": "d", "request_id": "req-queued"}
