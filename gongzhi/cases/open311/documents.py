"""Categories and cases as GeoReport v2 documents (plain dicts, rendered by :mod:`.render`).

Only what is not personal leaves here: never the reporter, the caller's
contact, the channel or who acted. Free text (description, reply) is public
in GeoReport, so mobile and ID numbers found in it are masked.
"""

from __future__ import annotations

import re

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

_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])|(?<!\d)\d{15}(?!\d)")


def public_text(text: str) -> str:
    """``text`` with mobile and ID numbers masked (138****5678, 1101**********1234)."""
    text = _ID_NUMBER.sub(lambda m: crypto.mask_id_number(m.group()), text or "")
    return _MOBILE.sub(lambda m: crypto.mask_phone(m.group()), text)


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


def request(case: Case) -> dict:
    submission = getattr(case, "open311", None)  # reverse one-to-one: None when absent
    return {
        "service_request_id": str(case.pk),
        "status": status_of(case),
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": public_text(case.description),
        "agency_responsible": case.lead_unit.name if case.lead_unit_id else "",
        "service_notice": "",
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.resolution_due),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": submission.media_url if submission is not None else "",
    }
