"""Requests whose address holds control characters are refused with 400 before any view runs.

A NUL in a search (``?q=%00``) would reach the database and fail there (PostgreSQL cannot hold NUL
in text): a server error for a client's mistake. The rule is :mod:`gongzhi.core.text`'s; the body
of a request is checked where it is parsed (forms, API schemas, imports).
"""

from urllib.parse import unquote

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from .text import has_control_characters


class RefuseControlCharactersMiddleware:
    # Open311 (GeoReport v2) answers these itself, in the spec's error format (JSON or XML) and with
    # 404 for an id that cannot exist (cases/open311/views.py, tested in cases/tests/test_open311.py).
    EXEMPT_PREFIXES = ("/open311/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if request.path.startswith(self.EXEMPT_PREFIXES):
            return self.get_response(request)
        if has_control_characters(request.path) or has_control_characters(unquote(query.replace("+", " "))):
            message = _("The address contains control characters (such as NUL); remove them and try again.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
