import ipaddress
import re

from django.conf import settings

from . import context

# A caller-supplied request id is kept only when it is short and plain, so a
# hostile header can neither break the audit write (column of 64) nor smuggle
# text into the logs.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip_of(request) -> str | None:
    """The client address; behind a trusted proxy the first X-Forwarded-For hop.

    Anything that is not an IP address is dropped rather than recorded.
    """
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = _valid_ip(forwarded.split(",")[0])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def request_id_of(request) -> str | None:
    supplied = request.headers.get("X-Request-ID", "")
    return supplied if _REQUEST_ID.match(supplied) else None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with context.bind(client_ip_of(request), request_id_of(request)):
            return self.get_response(request)
