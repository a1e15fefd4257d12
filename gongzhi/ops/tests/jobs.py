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


FAILURES_LEFT = {}


@task()
def fails_then_succeeds(label):
    """Fails as many times as FAILURES_LEFT[label] says, then returns the label."""
    if FAILURES_LEFT.get(label, 0) > 0:
        FAILURES_LEFT[label] -= 1
        raise RuntimeError(f"{label}: not yet")
    CALLS.append(label)
    return label


@task()
def always_fails(label):
    raise ValueError(f"{label} never works")


@task()
def record(label):
    CALLS.append(label)
    return label
