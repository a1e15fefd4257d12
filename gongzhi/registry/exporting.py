"""Export of persons to XLSX (written by :mod:`gongzhi.core.exports`, like every export): masked by default; clear values only with a reason, audited.

Every export is logged (who, how many rows, masked or not): an export is a
copy of personal data leaving the system.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit import reveal as revealing
from gongzhi.audit.services import record
from gongzhi.core import crypto, exports
from gongzhi.core.scoping import scope_queryset

from . import selectors
from .models import Person
from .spreadsheets import (
    GENDER_LABELS,
    ID_TYPE_LABELS,
    RESIDENCE_LABELS,
    ROLE_LABELS,
    SHEETS,
    label_of,
)

XLSX_TYPE = exports.XLSX_TYPE
_EXTRA_HEADERS = ["住址", "状态"]


def export_persons(*, actor, queryset=None, reveal: bool = False, reason: str = "") -> tuple[bytes, int]:
    """The persons of ``queryset`` (default: all in the actor's area) as an XLSX file and its row count."""
    require(actor, "registry.export")
    if reveal:
        require(actor, "registry.reveal")
        revealing.clean_reason(reason)  # before any read, as for every reveal
    queryset = scope_queryset(queryset if queryset is not None else Person.objects.all(), actor)
    queryset = selectors.with_visible_tags(actor, queryset.select_related("grid", "dwelling").order_by("pk"))
    region_code = getattr(getattr(actor, "region", None), "code", "")
    columns = [c.header for c in SHEETS["persons"].columns] + _EXTRA_HEADERS
    count = 0

    def rows():
        nonlocal count
        for person in queryset.iterator(chunk_size=2000):
            count += 1
            id_number = person.id_number if reveal else crypto.mask_id_number(person.id_number)
            phone = person.phone if reveal else crypto.mask_phone(person.phone)
            yield [
                person.external_id, person.name, label_of(ID_TYPE_LABELS, person.id_type), id_number,
                label_of(GENDER_LABELS, person.gender), person.birth_date.isoformat() if person.birth_date else "",
                phone, label_of(RESIDENCE_LABELS, person.residence_type),
                person.dwelling.external_id if person.dwelling_id else "",
                label_of(ROLE_LABELS, person.dwelling_role), person.grid.code,
                "、".join(link.tag.name for link in person.visible_tag_links), person.note,
                person.dwelling.address_text if person.dwelling_id else "", person.get_status_display(),
            ]

    if reveal:
        # One reveal of many values: the reason rule, the limits and the audit event of every reveal.
        revealing.reveal(actor=actor, action="registry.person.export_revealed", object_type="registry.person",
                         changes={"rows": queryset.count(), "masked": False}, reason=reason,
                         region_code=region_code)
        content = exports.xlsx(SHEETS["persons"].title, columns, rows(), watermark=exports.Watermark.of(actor, reason))
        return content, count
    with transaction.atomic():
        content = exports.xlsx(SHEETS["persons"].title, columns, rows(),
                               watermark=exports.Watermark.of(actor, reason or _("persons export (masked)")))
        record(actor=actor, action="registry.person.export", object_type="registry.person",
               changes={"rows": count, "masked": True}, reason=reason, region_code=region_code)
    return content, count


def export_persons_response(*, actor, queryset=None, reveal: bool = False, reason: str = "") -> HttpResponse:
    content, _count = export_persons(actor=actor, queryset=queryset, reveal=reveal, reason=reason)
    return exports.attachment(content, f"persons-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
