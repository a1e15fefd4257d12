"""Tasks that carry the request id of whoever enqueued them.

Use :func:`task` instead of ``django.tasks.task``::

    from gongzhi.ops.tasks import task

    @task()
    def send_notification(notification_id): ...

    send_notification.enqueue(notification.pk)   # inside a request

When the worker runs it, the audit context is bound to the request id of the
request that enqueued it, so the task's log lines and audit events carry the
same id as the request (the client address is not carried: a task runs
without a request). The id travels as one extra keyword argument,
``REQUEST_ID_KWARG``, which the task function never sees.
"""

import json
from dataclasses import fields

from django.tasks import Task
from django.tasks import task as django_task

from gongzhi.audit import context

REQUEST_ID_KWARG = "_gongzhi_request_id"


class ContextTask(Task):
    """A django.tasks Task that binds the enqueuer's request id while it runs."""

    __slots__ = ()

    def _with_request_id(self, kwargs):
        request_id = context.current().request_id
        if request_id and REQUEST_ID_KWARG not in kwargs:
            return {**kwargs, REQUEST_ID_KWARG: request_id}
        return kwargs

    def enqueue(self, *args, **kwargs):
        return Task.enqueue(self, *args, **self._with_request_id(kwargs))

    async def aenqueue(self, *args, **kwargs):
        return await Task.aenqueue(self, *args, **self._with_request_id(kwargs))

    def call(self, *args, **kwargs):
        request_id = kwargs.pop(REQUEST_ID_KWARG, None)
        if request_id is None:
            return Task.call(self, *args, **kwargs)
        with context.bind(None, request_id):
            return Task.call(self, *args, **kwargs)

    async def acall(self, *args, **kwargs):
        request_id = kwargs.pop(REQUEST_ID_KWARG, None)
        if request_id is None:
            return await Task.acall(self, *args, **kwargs)
        with context.bind(None, request_id):
            return await Task.acall(self, *args, **kwargs)


def task(function=None, **options):
    """``django.tasks.task`` with the request id carried; same options."""

    def wrap(func):
        plain = django_task(func, **options)
        return ContextTask(**{field.name: getattr(plain, field.name) for field in fields(plain)})

    return wrap(function) if function is not None else wrap


@task()
def run_periodic_job(name: str):
    """Run one job of :mod:`gongzhi.ops.schedule` by name (enqueued by ``run_scheduler``)."""
    from . import schedule

    result = schedule.run_job(name)
    # The job has done its work; a result the queue cannot store as JSON
    # must not turn that into a failed task.
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        return repr(result)
    return result
