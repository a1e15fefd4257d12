"""The JSON API at /api/v1/: one NinjaAPI object mounting each app's router.

Authentication is either the browser session or an ``X-API-Key`` header for
machine clients. Routers stay thin: they parse, call a service or selector
with the actor, and render. Errors come back as ``{"detail": ...}`` in the
caller's language.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.security import APIKeyHeader, django_auth

from gongzhi.accounts.models import ApiKey
from gongzhi.audit.reveal import RevealRefused
from gongzhi.cases.errors import CaseConflict


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request, key):
        api_key = ApiKey.find_active(key)
        if api_key is not None:
            request.actor = api_key
        return api_key


class LocalSwagger(Swagger):
    """The docs page with Swagger UI from the locally served swagger-ui-dist (package.json), never a CDN,
    and its start-up script in a static file (web/js/api-docs.js): the page keeps the CSP of every page."""

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "web/api_docs.html", {"swagger_settings": settings, "api": api, "add_csrf": True})


api = NinjaAPI(
    title="Gongzhi API",
    version="1",
    urls_namespace="api-v1",
    auth=[ApiKeyAuth(), django_auth],
    docs=LocalSwagger(),
)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("You are not allowed to do this.")}, status=403)


@api.exception_handler(RevealRefused)
def on_reveal_refused(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=429)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    body = {"detail": _("The input is not valid.")}
    if hasattr(exc, "message_dict"):
        body["errors"] = exc.message_dict
    else:
        body["errors"] = {"__all__": exc.messages}
    return api.create_response(request, body, status=422)


@api.exception_handler(MultiPartParserError)
def on_broken_upload(request, exc):
    """A multipart body Django cannot parse (no boundary, a broken body) is the client's error: 400, in JSON."""
    return api.create_response(request, {"detail": _(
        "The upload cannot be read: send it as multipart/form-data with a boundary, the file in the field "
        "\"file\".")}, status=400)


@api.exception_handler(CaseConflict)
def on_case_conflict(request, exc: CaseConflict):
    return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=409)


def _mount():
    from gongzhi.accounts.api import router as accounts_router
    from gongzhi.cases.api import router as cases_router
    from gongzhi.regions.api import router as regions_router
    from gongzhi.registry.api import router as registry_router

    api.add_router("/accounts/", accounts_router)
    api.add_router("/regions/", regions_router)
    api.add_router("/registry/", registry_router)
    api.add_router("/cases/", cases_router)

    from gongzhi.privacy.api import router as privacy_router

    api.add_router("/privacy/", privacy_router)

    from gongzhi.notifications.api import router as notifications_router

    api.add_router("/notifications/", notifications_router)

    from gongzhi.assessment.api import router as assessment_router

    api.add_router("/assessment/", assessment_router)

    from gongzhi.volunteers.api import router as volunteers_router

    api.add_router("/volunteers/", volunteers_router)

    from gongzhi.deliberation.api import router as deliberation_router

    api.add_router("/deliberation/", deliberation_router)


_mount()


def _mount_mediation():
    from gongzhi.mediation.api import router as mediation_router

    api.add_router("/mediation/", mediation_router)


_mount_mediation()


def _mount_insights():
    from gongzhi.insights.api import router as insights_router

    api.add_router("/insights/", insights_router)


_mount_insights()


def _mount_party():
    from gongzhi.party.api import router as party_router

    api.add_router("/party/", party_router)


_mount_party()
