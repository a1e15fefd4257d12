"""The reads of Open311: the taxonomy's leaves, and cases under the public read rule.

Anyone may list and read cases in a public state (every state but cancelled and
invalid), in pages of at most :data:`MAX_REQUESTS`; what a document shows of
them is decided in :mod:`.documents`. An API key given ``cases.view`` also
reads, in full, the cases it may see: the same scope as
everywhere (:func:`gongzhi.cases.selectors.visible_cases`). A case outside both
is unknown: its id answers 404, as an id that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from gongzhi.accounts.roles import can
from gongzhi.regions.models import Region

from ..models import OPEN_STATES, Case, CaseState, Category
from ..selectors import visible_cases
from .documents import CLOSED, CLOSED_STATES

MAX_REQUESTS = 200  # one page of an answer
MAX_PAGE = 1000
# The states anyone may read; a cancelled or invalid case may be withdrawn or abusive.
PUBLIC_STATES = frozenset(CaseState.values) - {CaseState.CANCELLED, CaseState.INVALID}
# A key reads the cases it may see in full only when it was given the capability to see cases.
READ_CAPABILITY = "cases.view"


def services() -> QuerySet:
    """Active categories without active children: what a resident can report."""
    return (Category.objects.filter(is_active=True).exclude(children__is_active=True)
            .select_related("parent").order_by("sort_order", "code"))


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def entitled_cases(key) -> QuerySet | None:
    """The cases ``key`` reads in full, or None (an anonymous reader, a key that may not read cases)."""
    if key is None or not can(key, READ_CAPABILITY):
        return None
    return visible_cases(key)


def _cases(key=None) -> QuerySet:
    readable = Q(state__in=sorted(PUBLIC_STATES))
    entitled = entitled_cases(key)
    if entitled is not None:
        readable |= Q(pk__in=entitled.values("pk"))
    return Case.objects.filter(readable).select_related("category", "lead_unit", "open311")


def full_ids(key, cases) -> set[int]:
    """Which of ``cases`` ``key`` reads in full."""
    entitled = entitled_cases(key)
    if entitled is None or not cases:
        return set()
    return set(entitled.filter(pk__in=[case.pk for case in cases]).values_list("pk", flat=True))


def place_names(cases) -> dict[str, str]:
    """Region code of each case → the name of its community (or of its subdistrict when it lies in none)."""
    codes = {_community_code(case.region_code) for case in cases}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def place_of(case, names: dict[str, str]) -> str:
    return names.get(_community_code(case.region_code), "")


def _community_code(region_code: str) -> str:
    return region_code[:12]  # a grid's code extends its community's by 3 digits


def requests(*, key=None, ids: list[int] | None = None, service_codes: list[str] | None = None,
             start: datetime | None = None, end: datetime | None = None,
             statuses: list[str] | None = None, page: int = 1, page_size: int = MAX_REQUESTS) -> list[Case]:
    """One page of the readable cases, by id list (which overrides every other filter, as the spec says)
    or by filters, newest first; one row more than the page when there is a next page."""
    qs = _cases(key)
    if ids:
        qs = qs.filter(pk__in=ids)
    else:
        if service_codes:
            qs = qs.filter(category__code__in=service_codes)
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        if statuses and len(set(statuses)) == 1:
            states = CLOSED_STATES if statuses[0] == CLOSED else OPEN_STATES
            qs = qs.filter(state__in=sorted(states))
    offset = (page - 1) * page_size
    return list(qs.order_by("-created_at", "-id")[offset:offset + page_size + 1])


def request(case_id: int, *, key=None) -> Case | None:
    return _cases(key).filter(pk=case_id).first()


def request_for_token(token: str) -> Case | None:
    return Case.objects.filter(open311__token=token).first()
