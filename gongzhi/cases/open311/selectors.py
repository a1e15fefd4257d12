"""The public reads of Open311: the taxonomy's leaves and every case, by non-personal fields.

These are the deliberate exception to area scoping: GeoReport v2 is a public
interface, and the documents built from these rows (:mod:`.documents`) carry
nothing personal. Filtering by place is not offered by the spec and not here.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from ..models import OPEN_STATES, Case, Category
from .documents import CLOSED, CLOSED_STATES

MAX_REQUESTS = 1000  # the spec's recommended cap of one answer


def services() -> QuerySet:
    """Active categories without active children: what a resident can report."""
    return (Category.objects.filter(is_active=True).exclude(children__is_active=True)
            .select_related("parent").order_by("sort_order", "code"))


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


def _cases() -> QuerySet:
    return Case.objects.select_related("category", "lead_unit", "open311")


def requests(*, ids: list[int] | None = None, service_codes: list[str] | None = None,
             start: datetime | None = None, end: datetime | None = None,
             statuses: list[str] | None = None) -> QuerySet:
    """Cases by id list (which overrides every other filter, as the spec says), or by filters."""
    qs = _cases()
    if ids:
        return qs.filter(pk__in=ids).order_by("-created_at", "-id")
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if statuses and len(set(statuses)) == 1:
        states = CLOSED_STATES if statuses[0] == CLOSED else OPEN_STATES
        qs = qs.filter(state__in=sorted(states))
    return qs.order_by("-created_at", "-id")[:MAX_REQUESTS]


def request(case_id: int) -> Case | None:
    return _cases().filter(pk=case_id).first()


def request_for_token(token: str) -> Case | None:
    return _cases().filter(open311__token=token).first()
