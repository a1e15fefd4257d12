"""Task and job targets for the tests (importable by dotted path, as in a worker)."""

import logging

from gongzhi.audit import context
from gongzhi.ops.tasks import task

CALLS = []


@task()
def report_request_id(label):
    logging.getLogger("gongzhi.test").info("task %s ran", label)
    return {"label": label, "request_id": context.current().request_id}


def count_call():
    CALLS.append("count_call")
    return len(CALLS)


@task()
def count_call_task():
    CALLS.append("count_call_task")


def returns_an_object():
    return object()
