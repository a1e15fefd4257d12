"""Categories and cases as GeoReport v2 documents (plain dicts, rendered by :mod:`.render`).

The public read rule (docs/data-protection.md, "Open311"): anyone sees the
category, status, dates, responsible unit, the community's name instead of
the address, the location rounded to 3 decimals (about 100 m), and the
description and reply with every phone and ID number masked
(:func:`gongzhi.core.crypto.mask_free_text`). An API key that may see the case
(:func:`.selectors.entitled_cases`) gets the address, the exact location, the
description as written and the photo link. Never the reporter, the caller's
contact, the channel or who acted.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import crypto
from gongzhi.core.geo import CRS_CHOICES

from ..models import OPEN_STATES, Case, CaseState, Category, Crs

OPEN, CLOSED = "open", "closed"
# GeoReport knows two statuses: an open case is open; a finished one, and a duplicate merged into
# another case (it is answered there, as 311 services close duplicates), is closed.
CLOSED_STATES = frozenset(CaseState.values) - OPEN_STATES

# The one attribute every service accepts: the coordinate system of lat/long,
# for clients that have GCJ-02 (Amap, Tencent) or BD-09 (Baidu) points.
CRS_ATTRIBUTE = "crs"

# Decimals of a public location: 0.001° is about 110 m north-south, 85 m east-west in Beijing.
PUBLIC_DECIMALS = 3


def public_text(text: str) -> str:
    """``text`` with every phone and ID number masked (138****5678, 1101**********1234)."""
    return crypto.mask_free_text(text or "")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_DECIMALS)


def w3c(moment) -> str | None:
    """A W3C date-time with the local offset, e.g. 2025-09-15T10:00:00+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def status_of(case: Case) -> str:
    return CLOSED if case.state in CLOSED_STATES else OPEN


def service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.path_name,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else "",
    }


def definition(category: Category) -> dict:
    labels = dict(Crs.choices)
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": CRS_ATTRIBUTE,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("Coordinate system of lat and long; WGS-84 when not given."),
            "order": 1,
            "description": _("Coordinate system"),
            "values": [{"key": key, "name": str(labels.get(key, key))} for key in CRS_CHOICES],
        }],
    }


def status_notes(case: Case) -> str:
    label = str(case.get_state_display())
    if case.state in (CaseState.REPLIED, CaseState.CLOSED) and case.reply:
        return f"{label}: {public_text(case.reply)}"
    if case.state == CaseState.MERGED and case.parent_id:
        return _("%(state)s: see request %(id)s") % {"state": label, "id": case.parent_id}
    return label


def request(case: Case, *, place: str = "", full: bool = False) -> dict:
    """The case as a GeoReport request: public (``place`` names its community) or, ``full``, for a key
    that may see it."""
    submission = getattr(case, "open311", None) if full else None  # reverse one-to-one: None when absent
    return {
        "service_request_id": str(case.pk),
        # An extension of GeoReport v2: the work-order number (受理编号) the resident quotes on the phone.
        "work_order_number": case.number,
        "status": status_of(case),
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description if full else public_text(case.description),
        "agency_responsible": case.lead_unit.name if case.lead_unit_id else "",
        "service_notice": "",
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.resolution_due),
        "address": case.address if full else place,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat if full else _rounded(case.lat),
        "long": case.lon if full else _rounded(case.lon),
        "media_url": submission.media_url if submission is not None else "",
    }
