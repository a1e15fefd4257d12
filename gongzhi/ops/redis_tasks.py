"""A Redis-backed queue behind Django's tasks framework, for deployments with several workers.

``TASKS_BACKEND=redis`` selects it; nothing else changes: apps still declare tasks with
:func:`gongzhi.ops.tasks.task`, the scheduler still enqueues periodic jobs through
:mod:`gongzhi.ops.schedule`, and ``manage.py redis_worker`` takes the place of ``db_worker``.
The database queue (django-tasks-db) stays the default of a single machine: it needs no
second service and commits a task with the transaction that asked for it.

Why Redis at scale: a city's worker pool polls the queue many times a second, and a queue table
turns every poll into a locking query on the primary database that also serves the desk. Redis
hands each task to exactly one worker with a single atomic list move.

Layout under ``PREFIX`` (default ``gongzhi:tasks``)::

    task:<id>             hash   the task result (status, args, errors, attempts, return value)
    queue:<queue name>    list   ids ready to run (LPUSH in, BLMOVE out: oldest first)
    delayed               zset   ids waiting for their time (``run_after`` and retry back-off)
    processing:<worker>   list   ids a worker has taken and not finished
    worker:<worker>       string heartbeat; when it expires, the worker's ids go back on the queue
    dead                  list   ids that failed ``MAX_ATTEMPTS`` times (the dead-letter list)
    once:<key>            string id of the task enqueued with that idempotency key
    failures              int    failed attempts since the counter was created (for /metrics)

Delivery is at least once: a worker that dies mid-task has the task run again by another worker
once its heartbeat expires. Tasks are written idempotent anyway (docs/deploy.md), and
:func:`enqueue_once` keeps a retried *request* from queuing the same work twice.
"""

import json
import logging
import os
import socket
import time
from datetime import UTC, datetime, timedelta
from traceback import format_exception

import redis
from django.conf import settings
from django.core.checks import Error
from django.tasks import task_backends
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TaskContext, TaskError, TaskResult, TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils.crypto import get_random_string
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

log = logging.getLogger("gongzhi.ops.redis_tasks")

# The keyword argument that carries an idempotency key from enqueue_once() to the backend; it is
# removed before the task is stored, so the task function never sees it.
IDEMPOTENCY_KWARG = "_gongzhi_idempotency_key"

# Moves due ids from the delayed set to their queues in one step, so two workers promoting at the
# same moment cannot both push the same id.
_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  if redis.call('ZREM', KEYS[1], id) == 1 then
    local queue = redis.call('HGET', ARGV[2] .. 'task:' .. id, 'queue') or 'default'
    redis.call('LPUSH', ARGV[2] .. 'queue:' .. queue, id)
  end
end
return #due
"""


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class RedisBackend(BaseTaskBackend):
    """Django tasks backend storing tasks and results in Redis.

    OPTIONS (all optional): ``URL`` (default ``TASKS_REDIS_URL``, then ``REDIS_URL``), ``PREFIX``,
    ``MAX_ATTEMPTS`` (runs before a task goes to the dead-letter list, default 5),
    ``BACKOFF_SECONDS`` (first retry delay, doubled each time, default 2),
    ``RESULT_TTL_DAYS`` (how long finished results are kept, default TASK_RESULTS_KEEP_DAYS).
    """

    supports_defer = True
    supports_get_result = True
    supports_async_task = False
    supports_priority = False

    def __init__(self, alias, params):
        super().__init__(alias, params)
        options = self.options
        self.url = options.get("URL") or getattr(settings, "TASKS_REDIS_URL", "") or settings.REDIS_URL
        self.prefix = options.get("PREFIX", "gongzhi:tasks") + ":"
        self.max_attempts = int(options.get("MAX_ATTEMPTS", 5))
        self.backoff = float(options.get("BACKOFF_SECONDS", 2))
        self.result_ttl = int(timedelta(days=int(options.get("RESULT_TTL_DAYS",
                                                             settings.TASK_RESULTS_KEEP_DAYS))).total_seconds())
        self._client = None

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            self._client = redis.Redis.from_url(self.url, decode_responses=True, socket_connect_timeout=2,
                                                health_check_interval=30)
        return self._client

    def key(self, *parts) -> str:
        return self.prefix + ":".join(str(part) for part in parts)

    def check(self, **kwargs):
        if not self.url:
            return [Error("TASKS_BACKEND is redis but neither TASKS_REDIS_URL nor REDIS_URL is set.",
                          id="gongzhi.E030")]
        return []

    # -- enqueue and results ----------------------------------------------------------------

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        kwargs = dict(kwargs)
        once = kwargs.pop(IDEMPOTENCY_KWARG, None)
        result_id = get_random_string(32)
        if once is not None:
            once_key = self.key("once", once)
            if not self.client.set(once_key, result_id, nx=True, ex=self.result_ttl):
                existing = self.client.get(once_key)
                if existing:
                    return self.get_result(existing)
        now = _now()
        fields = {
            "path": task.module_path, "queue": task.queue_name, "status": TaskResultStatus.READY,
            "args": json.dumps(normalize_json(list(args))), "kwargs": json.dumps(normalize_json(kwargs)),
            "enqueued_at": _iso(now), "run_after": _iso(task.run_after), "started_at": "", "finished_at": "",
            "last_attempted_at": "", "errors": "[]", "worker_ids": "[]", "return_value": "null",
        }
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self.key("task", result_id), mapping=fields)
        if task.run_after is not None and task.run_after > now:
            pipe.zadd(self.key("delayed"), {result_id: task.run_after.timestamp()})
        else:
            pipe.lpush(self.key("queue", task.queue_name), result_id)
        pipe.execute()
        result = self.get_result(result_id)
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id):
        data = self.client.hgetall(self.key("task", result_id))
        if not data:
            raise TaskResultDoesNotExist(result_id)
        return self._result(result_id, data)

    def _result(self, result_id, data) -> TaskResult:
        task = import_string(data["path"])
        if task.queue_name != data["queue"]:
            task = task.using(queue_name=data["queue"])
        result = TaskResult(
            task=task, id=result_id, status=TaskResultStatus(data["status"]),
            enqueued_at=_parse(data["enqueued_at"]), started_at=_parse(data["started_at"]),
            finished_at=_parse(data["finished_at"]), last_attempted_at=_parse(data["last_attempted_at"]),
            args=json.loads(data["args"]), kwargs=json.loads(data["kwargs"]), backend=self.alias,
            errors=[TaskError(**error) for error in json.loads(data["errors"])],
            worker_ids=json.loads(data["worker_ids"]),
        )
        object.__setattr__(result, "_return_value", json.loads(data["return_value"]))
        return result

    # -- figures for /metrics ---------------------------------------------------------------

    def queue_depth(self) -> dict[str, int]:
        depths = {queue: 0 for queue in self.queues}  # an emptied list is no key at all in Redis
        for name in self.client.scan_iter(match=self.key("queue", "*")):
            depths[name.removeprefix(self.key("queue", ""))] = self.client.llen(name)
        delayed = self.client.zcard(self.key("delayed"))
        if delayed:
            depths["(delayed)"] = delayed
        return depths

    def oldest_waiting_seconds(self) -> float:
        oldest = None
        for name in self.client.scan_iter(match=self.key("queue", "*")):
            last = self.client.lindex(name, -1)  # LPUSH in, taken from the right: the oldest
            enqueued = _parse(self.client.hget(self.key("task", last), "enqueued_at")) if last else None
            if enqueued and (oldest is None or enqueued < oldest):
                oldest = enqueued
        return max((_now() - oldest).total_seconds(), 0.0) if oldest else 0.0

    def dead_letters(self) -> int:
        return self.client.llen(self.key("dead"))

    def failures(self) -> int:
        return int(self.client.get(self.key("failures")) or 0)

    def dead_letter_ids(self, limit: int = 100) -> list[str]:
        return self.client.lrange(self.key("dead"), 0, limit - 1)

    def retry_dead(self, result_id: str) -> bool:
        """Put a dead-lettered task back on its queue for a fresh round of attempts."""
        if not self.client.lrem(self.key("dead"), 1, result_id):
            return False
        task_key = self.key("task", result_id)
        queue = self.client.hget(task_key, "queue") or "default"
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(task_key, mapping={"status": TaskResultStatus.READY, "worker_ids": "[]", "finished_at": ""})
        pipe.persist(task_key)
        pipe.lpush(self.key("queue", queue), result_id)
        pipe.execute()
        return True

    # -- the worker's side ------------------------------------------------------------------

    def worker(self, *, queues=None, worker_id=None, heartbeat_seconds=30) -> "RedisWorker":
        return RedisWorker(self, queues=queues or sorted(self.queues), worker_id=worker_id,
                           heartbeat_seconds=heartbeat_seconds)


class RedisWorker:
    """Takes tasks from the queues and runs them; one per process (``manage.py redis_worker``)."""

    def __init__(self, backend: RedisBackend, *, queues, worker_id=None, heartbeat_seconds=30):
        self.backend = backend
        self.client = backend.client
        self.queues = list(queues)
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{get_random_string(6)}"
        self.heartbeat_seconds = heartbeat_seconds
        self.processing = backend.key("processing", self.worker_id)
        self._promote = self.client.register_script(_PROMOTE)

    def heartbeat(self):
        self.client.set(self.backend.key("worker", self.worker_id), _iso(_now()), ex=self.heartbeat_seconds)

    def promote_due(self) -> int:
        """Move delayed tasks whose time has come onto their queues."""
        return self._promote(keys=[self.backend.key("delayed")], args=[time.time(), self.backend.prefix])

    def recover_abandoned(self) -> int:
        """Put back the tasks of workers whose heartbeat has expired (they died mid-task)."""
        recovered = 0
        for name in self.client.scan_iter(match=self.backend.key("processing", "*")):
            worker_id = name.removeprefix(self.backend.key("processing", ""))
            if worker_id == self.worker_id or self.client.exists(self.backend.key("worker", worker_id)):
                continue
            while (result_id := self.client.rpop(name)) is not None:
                queue = self.client.hget(self.backend.key("task", result_id), "queue") or "default"
                self.client.lpush(self.backend.key("queue", queue), result_id)
                log.warning("task %s put back on %s: worker %s stopped mid-task", result_id, queue, worker_id)
                recovered += 1
        return recovered

    def take(self, timeout: float = 1.0) -> str | None:
        """The next ready task id, moved atomically onto this worker's processing list."""
        for queue in self.queues:
            result_id = self.client.lmove(self.backend.key("queue", queue), self.processing, "RIGHT", "LEFT")
            if result_id:
                return result_id
        if timeout > 0 and self.queues:
            return self.client.blmove(self.backend.key("queue", self.queues[0]), self.processing, timeout,
                                      "RIGHT", "LEFT")
        return None

    def run_one(self, timeout: float = 1.0) -> str | None:
        """Take and run one task; returns its id, or None when nothing was ready."""
        self.heartbeat()
        self.promote_due()
        result_id = self.take(timeout)
        if result_id is None:
            return None
        try:
            self._run(result_id)
        finally:
            self.client.lrem(self.processing, 1, result_id)
        return result_id

    def run(self, *, burst=False, max_tasks=None, stop=lambda: False) -> int:
        """Run tasks until stopped; in burst mode, until the queues and due delays are empty."""
        self.recover_abandoned()
        done = 0
        last_recovery = time.monotonic()
        while not stop() and (max_tasks is None or done < max_tasks):
            if time.monotonic() - last_recovery > self.heartbeat_seconds:
                self.recover_abandoned()
                last_recovery = time.monotonic()
            if self.run_one(timeout=0 if burst else 1.0) is not None:
                done += 1
            elif burst:
                break
        self.client.delete(self.backend.key("worker", self.worker_id))
        return done

    def _run(self, result_id: str):
        backend, key = self.backend, self.backend.key("task", result_id)
        data = self.client.hgetall(key)
        if not data:
            log.error("task %s was taken but its record is gone", result_id)
            return
        worker_ids = json.loads(data["worker_ids"]) + [self.worker_id]
        started = _now()
        self.client.hset(key, mapping={
            "status": TaskResultStatus.RUNNING, "started_at": data["started_at"] or _iso(started),
            "last_attempted_at": _iso(started), "worker_ids": json.dumps(worker_ids)})
        result = backend.get_result(result_id)
        task_started.send(sender=type(backend), task_result=result)
        try:
            if result.task.takes_context:
                value = result.task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            else:
                value = result.task.call(*result.args, **result.kwargs)
            value = normalize_json(value)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # a task's failure is recorded, never the worker's end
            self._failed(result_id, key, data, worker_ids, error)
        else:
            pipe = self.client.pipeline(transaction=True)
            pipe.hset(key, mapping={"status": TaskResultStatus.SUCCESSFUL, "finished_at": _iso(_now()),
                                    "return_value": json.dumps(value)})
            pipe.expire(key, backend.result_ttl)
            pipe.execute()
        finally:
            task_finished.send(type(backend), task_result=backend.get_result(result_id))

    def _failed(self, result_id, key, data, worker_ids, error):
        backend = self.backend
        errors = json.loads(data["errors"]) + [{
            "exception_class_path": f"{type(error).__module__}.{type(error).__qualname__}",
            "traceback": "".join(format_exception(error)),
        }]
        attempts = len(worker_ids)
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(backend.key("failures"))
        if attempts < backend.max_attempts:
            delay = backend.backoff * 2 ** (attempts - 1)
            pipe.hset(key, mapping={"status": TaskResultStatus.READY, "errors": json.dumps(errors)})
            pipe.zadd(backend.key("delayed"), {result_id: time.time() + delay})
            log.warning("task %s failed (attempt %d of %d); retried in %.0f s", result_id, attempts,
                        backend.max_attempts, delay)
        else:
            pipe.hset(key, mapping={"status": TaskResultStatus.FAILED, "errors": json.dumps(errors),
                                    "finished_at": _iso(_now())})
            pipe.lpush(backend.key("dead"), result_id)
            log.error("task %s failed %d times; moved to the dead-letter list", result_id, attempts)
        pipe.execute()


def enqueue_once(task, key: str, *args, **kwargs):
    """Enqueue ``task`` unless a task with the same idempotency ``key`` was enqueued before.

    With the Redis backend the second call returns the first call's result. The database and
    immediate backends have no such register: there the key is dropped and the task enqueued.
    """
    if isinstance(task.get_backend(), RedisBackend):
        return task.enqueue(*args, **{**kwargs, IDEMPOTENCY_KWARG: str(key)})
    return task.enqueue(*args, **kwargs)


def redis_backend() -> RedisBackend | None:
    """The default backend when it is this one (for /metrics and the commands)."""
    backend = task_backends["default"]
    return backend if isinstance(backend, RedisBackend) else None


__all__ = ["RedisBackend", "RedisWorker", "enqueue_once", "redis_backend", "IDEMPOTENCY_KWARG"]
