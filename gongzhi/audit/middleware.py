from django.conf import settings

from . import context


def client_ip_of(request) -> str | None:
    """The client address; behind a trusted proxy the first X-Forwarded-For hop."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with context.bind(client_ip_of(request), request.headers.get("X-Request-ID")):
            return self.get_response(request)
