"""Reads that can wait a moment go to a read replica; everything else stays on the primary.

A city's dashboards, exports and metrics scrapes read months of history; the desk writes all day.
When ``DATABASE_REPLICA_URL`` names a replica (a PostgreSQL standby fed by streaming replication),
the heavy reads move there and leave the primary to the desk.

What reads the replica is decided by purpose, not by model: the same ``Case`` table is read by
the desk (must see the dispatch just made) and by the monthly ranking (may be a second behind).
So the replica is used only inside :func:`reads` — entered for the views listed in
``REPLICA_READ_VIEWS`` by :class:`ReplicaReadsMiddleware`, and by commands or jobs that want it —
and only until something is written in that scope: after a write every read stays on the primary
(a page that computes and stores a figure then reads it back). A browser that has just changed
something is pinned to the primary for ``REPLICA_PIN_SECONDS`` by a cookie, so the page it is sent
to next shows its own change even when the replica lags.

Without a replica every read goes to the primary; the router is installed either way, so the
code path is the same in development, in tests and in production.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
PIN_COOKIE = "gongzhi_primary"

# None outside a replica scope; inside, a dict whose "pinned" turns True at the first write.
_scope: ContextVar[dict | None] = ContextVar("gongzhi_replica_scope", default=None)


def configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reads():
    """Reads inside go to the replica, when one is configured, until something is written."""
    token = _scope.set({"pinned": False})
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def primary():
    """Reads inside go to the primary even within :func:`reads` (a read that must be current)."""
    token = _scope.set({"pinned": True})
    try:
        yield
    finally:
        _scope.reset(token)


def reading_replica() -> bool:
    scope = _scope.get()
    return scope is not None and not scope["pinned"] and configured()


class ReplicaRouter:
    """Django database router: see the module docstring."""

    def db_for_read(self, model, **hints):
        return REPLICA if reading_replica() else "default"

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope["pinned"] = True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica receives the schema by replication


class ReplicaReadsMiddleware:
    """Runs the views of ``REPLICA_READ_VIEWS`` inside :func:`reads` for GET and HEAD requests,
    unless the browser changed something in the last ``REPLICA_PIN_SECONDS``; pins a browser
    that has just changed something (a POST, PUT, PATCH or DELETE answered without error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._replica_token = None
        try:
            response = self.get_response(request)
        finally:
            if request._replica_token is not None:
                _scope.reset(request._replica_token)
        if (configured() and request.method not in ("GET", "HEAD", "OPTIONS")
                and response.status_code < 400):
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=request.is_secure())
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (request.method in ("GET", "HEAD") and configured() and PIN_COOKIE not in request.COOKIES
                and self.reads_replica(request)):
            # Who is signed in is read now, from the primary: a session made a moment ago may
            # not have reached the replica yet.
            getattr(getattr(request, "user", None), "is_authenticated", None)
            request._replica_token = _scope.set({"pinned": False})
        return None

    @staticmethod
    def reads_replica(request) -> bool:
        """A view named in REPLICA_READ_VIEWS, or a path under one of its "/…" prefixes."""
        name = request.resolver_match.view_name if request.resolver_match else None
        return any(entry == name if not entry.startswith("/") else request.path_info.startswith(entry)
                   for entry in settings.REPLICA_READ_VIEWS)


def replica_lag_seconds() -> float:
    """Seconds since the last transaction the replica replayed (0 without a replica or when idle).

    PostgreSQL's own figure: ``now() - pg_last_xact_replay_timestamp()`` on the standby. It grows
    when the primary is idle too, so it is shown only when the replica is behind the primary's WAL.
    """
    if not configured():
        return 0.0
    from django.db import connections

    with connections[REPLICA].cursor() as cursor:
        cursor.execute("""
            SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END
        """)
        return float(cursor.fetchone()[0] or 0.0)
