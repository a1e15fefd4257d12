"""The GeoReport v2 endpoints: parse, call a selector or the intake service, render.

Every answer is in the format the path asks for (``.json`` or ``.xml``),
errors included: the spec's list of ``{code, description}`` with HTTP 400
(bad or missing input), 403 (missing or invalid ``api_key``, or a key that
may not submit; a read naming an invalid ``api_key`` too), 404 (unknown
``jurisdiction_id``, service, request or token) or 405 (method). No input
makes these views answer 5xx: everything a client sends is checked here or by
the service, whose ValidationError becomes 400 with the field named by its
Open311 parameter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.accounts.models import ApiKey
from gongzhi.core.text import problem as text_problem

from ..services.hotline import submit_open311_request
from . import documents, render, selectors

MAX_RANGE = timedelta(days=90)
MAX_IDS = 100
MAX_PARAM = 4000
# Names of the service's fields as the client knows them (Open311 parameters).
PARAMETER_OF = {
    "lon": "long", "lat": "lat", "location": "lat", "region": "lat", "category": "service_code",
    "title": "description", "description": "description", "address": "address_string", "crs": "attribute[crs]",
    "first_name": "first_name", "phone": "phone", "media_url": "media_url", "service_code": "service_code",
    "channel": "api_key", "hotline_id": "description", "urgency": "description",
}


class Refusal(Exception):
    def __init__(self, status: int, *descriptions):
        super().__init__(status)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


def _field_errors(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "message_dict"):
        return list(exc.messages)
    lines = []
    for field, messages in exc.message_dict.items():
        name = PARAMETER_OF.get(field, field)
        lines += [message if field == "__all__" else f"{name}: {message}" for message in messages]
    return lines


def _params(request):
    """The request's parameters (query string for GET, form body for POST)."""
    try:
        return request.POST if request.method == "POST" else request.GET
    except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError):
        raise Refusal(400, _("The request body could not be read.")) from None


def _param(params, name: str) -> str:
    value = params.get(name, "")
    if len(value) > MAX_PARAM:
        raise Refusal(400, _("%(name)s: too long.") % {"name": name})
    if "\x00" in value:
        raise Refusal(400, _("%(name)s contains a NUL character.") % {"name": name})
    if refused := text_problem(value):  # gongzhi.core.text, the rule of every face
        raise Refusal(400, _("%(name)s: %(problem)s") % {"name": name, "problem": refused})
    return value.strip()


def _check_jurisdiction(params) -> None:
    given = _param(params, "jurisdiction_id")
    if given and given != settings.OPEN311_JURISDICTION_ID:
        raise Refusal(404, _("jurisdiction_id “%(id)s” was not found; this server answers for “%(ours)s”.")
                      % {"id": given, "ours": settings.OPEN311_JURISDICTION_ID})


def endpoint(*methods):
    """Format, method and jurisdiction checks, and refusals in the spec's error format."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, fmt="json", **kwargs):
            try:
                if request.method not in methods:
                    raise Refusal(405, _("Method %(method)s is not allowed here.") % {"method": request.method})
                _check_jurisdiction(_params(request))
                return view(request, fmt, *args, **kwargs)
            except Refusal as refusal:
                return render.errors(fmt, refusal.status, refusal.descriptions)
            except ValidationError as exc:
                return render.errors(fmt, 400, _field_errors(exc))
            except PermissionDenied as exc:
                return render.errors(fmt, 403, [str(exc) or _("You are not allowed to do this.")])

        return wrapper

    return decorate


# --- services --------------------------------------------------------------------

@endpoint("GET")
def services(request, fmt):
    rows = [documents.service(category) for category in selectors.services()]
    return render.render(fmt, "services", "service", rows)


def _path_value(value: str, max_length: int) -> str | None:
    """A value taken from the path, or None when it cannot name anything (too long, NUL)."""
    return value if len(value) <= max_length and "\x00" not in value else None


@endpoint("GET")
def service_definition(request, fmt, code):
    category = selectors.service(code) if _path_value(code, 16) else None
    if category is None:
        raise Refusal(404, _("service_code “%(code)s” was not found.") % {"code": code[:50].replace("\x00", "")})
    return render.render(fmt, "service_definition", "", documents.definition(category))


# --- requests --------------------------------------------------------------------

def _case_id(text: str) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    value = int(text)
    return value if value > 0 else None


def _moment(params, name: str) -> datetime | None:
    text = _param(params, name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "+") if "T" in text else text)
    except ValueError:
        raise Refusal(400, _("%(name)s must be a W3C date-time such as 2025-09-15T10:00:00+08:00.")
                      % {"name": name}) from None
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


def _list(params, name: str) -> list[str]:
    return [item.strip() for item in _param(params, name).split(",") if item.strip()]


def _reader(params):
    """The API key a read names (403 when it names none that is valid), or None for an anonymous read."""
    return _api_key(params) if _param(params, "api_key") else None


def _number(params, name: str, default: int, highest: int) -> int:
    text = _param(params, name)
    if not text:
        return default
    if len(text) > 7 or not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= highest:
        raise Refusal(400, _("%(name)s must be a whole number from 1 to %(max)d.") % {"name": name, "max": highest})
    return int(text)


def _documents(key, cases) -> list[dict]:
    """The documents of ``cases``: in full for those ``key`` may see, else public."""
    names, full = selectors.place_names(cases), selectors.full_ids(key, cases)
    return [documents.request(case, place=selectors.place_of(case, names), full=case.pk in full) for case in cases]


def _search(request, fmt):
    params = _params(request)
    key = _reader(params)
    page = _number(params, "page", 1, selectors.MAX_PAGE)
    page_size = _number(params, "page_size", selectors.MAX_REQUESTS, selectors.MAX_REQUESTS)
    raw_ids = _list(params, "service_request_id")
    if raw_ids:
        if len(raw_ids) > MAX_IDS:
            raise Refusal(400, _("service_request_id: at most %(n)d ids at once.") % {"n": MAX_IDS})
        ids = [_case_id(text) for text in raw_ids]
        if None in ids:
            bad = raw_ids[ids.index(None)]
            raise Refusal(400, _("service_request_id: “%(id)s” is not a request id.") % {"id": bad[:30]})
        cases = selectors.requests(key=key, ids=ids, page=page, page_size=page_size)
    else:
        statuses = _list(params, "status")
        unknown = [s for s in statuses if s not in (documents.OPEN, documents.CLOSED)]
        if unknown:
            raise Refusal(400, _("status: “%(status)s” is neither open nor closed.") % {"status": unknown[0][:30]})
        start, end = _moment(params, "start_date"), _moment(params, "end_date")
        try:
            if start is None and end is None:
                end = timezone.now()
            if start is None:
                start = end - MAX_RANGE
            elif end is None:
                end = start + MAX_RANGE
        except OverflowError:
            raise Refusal(400, _("start_date or end_date is out of range.")) from None
        if end < start:
            raise Refusal(400, _("end_date is before start_date."))
        if end - start > MAX_RANGE:
            raise Refusal(400, _("start_date and end_date may be at most %(days)d days apart.")
                          % {"days": MAX_RANGE.days})
        cases = selectors.requests(key=key, service_codes=_list(params, "service_code"), start=start, end=end,
                                   statuses=statuses, page=page, page_size=page_size)
    more = len(cases) > page_size
    response = render.render(fmt, "service_requests", "request", _documents(key, cases[:page_size]))
    if more:  # the next page, as a Link header (GeoReport v2 has no paging of its own)
        following = params.copy()
        following["page"] = str(page + 1)
        following.pop("api_key", None)
        response["Link"] = f'<{request.path}?{following.urlencode()}>; rel="next"'
    return response


def _api_key(params):
    key = ApiKey.find_active(_param(params, "api_key"))
    if key is None:
        raise Refusal(403, _("api_key was not provided or is not valid."))
    return key


def _submit(request, fmt):
    params = _params(request)
    key = _api_key(params)
    if not _param(params, "service_code"):
        raise Refusal(400, _("service_code was not provided."))
    if _param(params, "address_id") and not (_param(params, "address_string") or _param(params, "lat")):
        raise Refusal(400, _("address_id is not supported here; give lat and long, or address_string."))
    case, submission = submit_open311_request(
        actor=key, service_code=_param(params, "service_code"), description=_param(params, "description"),
        lat=_param(params, "lat") or None, lon=_param(params, "long") or None,
        crs=_param(params, f"attribute[{documents.CRS_ATTRIBUTE}]") or "wgs84",
        address=_param(params, "address_string"), first_name=_param(params, "first_name"),
        last_name=_param(params, "last_name"), phone=_param(params, "phone"),
        media_url=_param(params, "media_url"))
    rows = [{"service_request_id": str(case.pk), "token": submission.token, "service_notice": "",
             "account_id": ""}]
    return render.render(fmt, "service_requests", "request", rows, status=201)


@endpoint("GET", "POST")
def service_requests(request, fmt):
    return _submit(request, fmt) if request.method == "POST" else _search(request, fmt)


@endpoint("GET")
def service_request(request, fmt, request_id):
    key = _reader(_params(request))
    case_id = _case_id(request_id)
    case = selectors.request(case_id, key=key) if case_id else None
    if case is None:
        raise Refusal(404, _("service_request_id “%(id)s” was not found.") % {"id": request_id[:30]})
    return render.render(fmt, "service_requests", "request", _documents(key, [case]))


@endpoint("GET")
def token(request, fmt, token):
    case = selectors.request_for_token(token) if _path_value(token, 40) else None
    if case is None:
        raise Refusal(404, _("token “%(token)s” was not found.") % {"token": token[:40].replace("\x00", "")})
    return render.render(fmt, "service_requests", "request",
                         [{"service_request_id": str(case.pk), "token": token}])


@csrf_exempt
def not_found(request, path=""):
    fmt = "xml" if path.endswith(".xml") else "json"
    return render.errors(fmt, 404, [_("There is no such GeoReport v2 resource: %(path)s") % {"path": path[:100]}])
