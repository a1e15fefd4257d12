"""Duplicates at intake in the API: thin over :mod:`gongzhi.cases.duplicates` and :mod:`.services.support`.

- ``POST /cases/similar``: before filing, the open cases "already reported" (已有人反映) like this
  text at this place, as a resident may see them (no description, no reporter, numbers masked).
- ``POST /cases/{id}/support``: add one's voice (附议) to such a case instead of filing again;
  once per person (422 with a message the second time).
- ``GET /cases/{id}/similar``: for staff, the open cases of their area like this one, to merge
  (``POST /cases/{id}/merge`` with ``parent``).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from gongzhi.accounts.actors import actor_of
from gongzhi.accounts.roles import require
from gongzhi.core.schemas import In

from . import duplicates, selectors
from .schemas import ErrorOut
from .services.support import support_case

router = Router(tags=["cases"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AlreadyReportedIn(In):
    title: str = Field("", max_length=1000)
    description: str = Field(..., max_length=20000)
    lon: float | None = None
    lat: float | None = None
    crs: str = Field("wgs84", max_length=20, description="wgs84, cgcs2000, gcj02 or bd09")
    region: str | None = Field(None, max_length=15, description="Region code, when there is no point")


class ReportedOut(Schema):
    id: int
    number: str = Field(..., description="The work-order number (受理编号)")
    title: str = Field(..., description="Phone and ID numbers in it masked")
    category: str
    place: str
    state: str
    state_label: str
    received_on: datetime
    supporters: int
    similarity: int = Field(..., description="How alike the texts are, 0-100 (character bigrams)")
    distance_m: int | None


class SupportOut(Schema):
    case: int
    supporters: int


class SimilarOut(Schema):
    id: int
    number: str
    title: str
    state: str
    state_label: str
    category: str
    category_name: str
    region_code: str
    grid: str | None
    created_at: datetime
    supporters: int
    similarity: int
    distance_m: int | None


@router.post("/similar", response={200: list[ReportedOut], **ERRORS},
             summary="Before filing: open cases already reported like this text at this place (已有人反映)")
def already_reported(request, payload: AlreadyReportedIn):
    actor = actor_of(request)
    require(actor, "cases.report")
    found = duplicates.already_reported(title=payload.title, description=payload.description, lon=payload.lon,
                                        lat=payload.lat, crs=payload.crs, region=payload.region,
                                        exclude_reporter=actor)
    return Status(200, [vars(r) for r in found])


@router.post("/{int:case_id}/support", response={201: SupportOut, **ERRORS},
             summary="Add your voice (附议) to an open case instead of filing it again; once per person")
def case_support(request, case_id: int):
    supporter = support_case(case=case_id, actor=actor_of(request))
    return Status(201, {"case": supporter.case_id, "supporters": supporter.case.supporter_count})


@router.get("/{int:case_id}/similar", response={200: list[SimilarOut], **ERRORS},
            summary="Open cases of your area like this one, nearby and recent: candidates to merge")
def case_similar(request, case_id: int):
    actor = actor_of(request)
    case = selectors.case_for(actor, case_id)
    if case is None:
        raise HttpError(404, _("Case #%(id)s does not exist or is outside your area.") % {"id": case_id})
    return Status(200, [{
        "id": m.case.pk, "number": m.case.number, "title": m.case.title, "state": m.case.state, "state_label": str(m.case.get_state_display()),
        "category": m.case.category.code, "category_name": m.case.category.name, "region_code": m.case.region_code,
        "grid": m.case.grid.code if m.case.grid_id else None, "created_at": m.case.created_at,
        "supporters": m.case.supporter_count, "similarity": m.percent,
        "distance_m": None if m.distance_m is None else int(round(m.distance_m)),
    } for m in duplicates.similar_for(actor, case)])
