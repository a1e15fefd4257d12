"""Request id on the response, and request metrics."""

import time

from django.conf import settings

from gongzhi.audit import context

from . import metrics


class RequestIdMiddleware:
    """Answer with the request id the audit context bound, as ``X-Request-ID``.

    Placed right after ``AuditContextMiddleware`` (which binds the id from the
    incoming header or a new uuid), so the client, the logs and the audit
    events see the same id.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = context.current().request_id
        # For log lines written after the context is unbound (gongzhi.ops.logs).
        request.request_id = request_id
        response = self.get_response(request)
        if request_id and not response.has_header("X-Request-ID"):
            response["X-Request-ID"] = request_id
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _view_label(request) -> str:
    """The URL name of the view (bounded label values), never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match._func_path
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    if request.path.startswith(static_url):
        return "static"
    return "<unmatched>"


class MetricsMiddleware:
    """Count and time every request by view name and status; the outermost middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = _view_label(request)
        status = str(response.status_code)
        method = request.method if request.method in _METHODS else "other"
        metrics.REQUESTS.labels(view=view, method=method, status=status).inc()
        metrics.LATENCY.labels(view=view, status=status).observe(elapsed)
        return response
