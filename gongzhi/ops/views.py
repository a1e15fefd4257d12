"""``/readyz`` and ``/metrics``: probes for the load balancer and Prometheus."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from gongzhi.audit.middleware import client_ip_of

from . import metrics as metrics_module
from . import readiness


@require_GET
@never_cache
def readyz(request):
    """Database, cache and queue reachable: 200, otherwise 503 with what failed.

    Reachable but with a soft warning (a missing holiday schedule): 200, ``"status": "degraded"`` and the
    ``"warnings"`` by name."""
    ok, checks = readiness.run_checks()
    warnings = readiness.run_warnings() if ok else {}
    body = {"status": ("degraded" if warnings else "ok") if ok else "error", "checks": checks}
    if warnings:
        body["warnings"] = warnings
    return JsonResponse(body, status=200 if ok else 503)


def _bearer_token_ok(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())


def _address_allowed(request) -> bool:
    # A request that came through a proxy we do not trust to name the client
    # shows the proxy's address (often 127.0.0.1): allowing it by address
    # would open /metrics to everyone behind that proxy.
    if "HTTP_X_FORWARDED_FOR" in request.META and not settings.TRUST_X_FORWARDED_FOR:
        return False
    address = client_ip_of(request)
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_allowed(request) -> bool:
    """From an address in METRICS_ALLOWED_IPS, or with ``Authorization: Bearer METRICS_TOKEN``."""
    return _bearer_token_ok(request) or _address_allowed(request)


@require_GET
@never_cache
def metrics(request):
    if not metrics_allowed(request):
        return HttpResponseForbidden(_("Metrics are only served to allowed addresses or with the metrics token."))
    return HttpResponse(metrics_module.render(), content_type=CONTENT_TYPE_LATEST)
