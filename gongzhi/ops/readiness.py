"""Is this process ready to serve: database, cache and task queue reachable.

``/healthz`` (in ``gongzhi.web``) says the process is alive and sees its
database; ``/readyz`` asks every dependency a request may need, so that a load
balancer stops sending traffic to an instance whose cache or queue is down.
Each check returns ``"ok"`` or raises; the view turns a raise into
``"error: <ExceptionClass>"`` (no message: it may carry host names or
passwords).
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.tasks import task_backends

log = logging.getLogger("gongzhi.ops.readiness")


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


class CacheUnavailable(Exception):
    pass


def check_cache():
    """Write a key and read it back: a cache that drops writes is not ready either."""
    key = f"gongzhi:readyz:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            raise CacheUnavailable("value written to the cache could not be read back")
    finally:
        cache.delete(key)
    return "ok"


def check_queue():
    """Backend-specific: the queue table for the database backend, nothing for in-process ones."""
    backend = task_backends["default"]
    path = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if path.startswith("django_tasks_db."):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("id")[:1].exists()
        return "ok"
    if path.startswith("django.tasks.backends."):
        return "ok (in process)"
    if path == "gongzhi.ops.redis_tasks.RedisBackend":
        backend.client.ping()
        return "ok"
    raise NotImplementedError(f"no readiness check for the task backend {path}")


CHECKS = {"database": check_database, "cache": check_cache, "queue": check_queue}

# Soft checks: each returns None or a short reason; any reason makes /readyz "degraded" (still HTTP 200).
WARNINGS: dict = {}


def register_warning(name: str, check) -> None:
    """Add a soft check (``check() -> str | None``), e.g. a missing holiday schedule (gongzhi.workdays)."""
    WARNINGS[name] = check


def run_warnings() -> dict[str, str]:
    found = {}
    for name, check in WARNINGS.items():
        try:
            reason = check()
        except Exception:  # a soft check never turns the probe into an error
            log.warning("readiness warning %s failed", name, exc_info=True, extra={"check": name})
            continue
        if reason:
            found[name] = reason
    return found


def run_checks() -> tuple[bool, dict[str, str]]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # the probe reports, it does not crash
            log.warning("readiness check %s failed", name, exc_info=True, extra={"check": name})
            results[name] = f"error: {exc.__class__.__name__}"
    ok = all(not value.startswith("error") for value in results.values())
    return ok, results
