"""The case list as an XLSX or CSV file (written by :mod:`gongzhi.core.exports`, like every export).

What a list shows, the export holds: the cases of the filters the list had, in the
actor's area (the list's own selector, scoped again here). Personal data is masked:
the caller's name and phone, a reporting resident's name (or "anonymous" when the case
is anonymous to handlers), and personal numbers written into the description
(:func:`gongzhi.core.crypto.mask_free_text`). A text cell that could start a formula
is neutralised by the writer. Every export is in the audit trail (who, which filters,
how many rows): a list leaving the system is a copy of personal data.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.core import crypto, exports
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Region

from . import selectors
from .models import CaseContact

MAX_ROWS = 20_000
FORMATS = ("xlsx", "csv")
CHUNK = 1000


def headers() -> list[str]:
    return [_("Work-order no."), _("Hotline no."), _("Title"), _("Category"), _("Status"), _("Channel"),
            _("Urgency"), _("Place"), _("Address"), _("Lead unit"), _("Caller"), _("Caller's phone"),
            _("Reporter"), _("Reported"), _("Response due"), _("Resolution due"), _("Replied"), _("Overdue"),
            _("Description")]


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _rows(queryset, actor, now):
    cases = list(queryset)
    for start in range(0, len(cases), CHUNK):
        chunk = cases[start:start + CHUNK]
        contacts = {c.case_id: c for c in CaseContact.objects.filter(case_id__in=[case.pk for case in chunk])}
        codes = {case.region_code for case in chunk if not case.grid_id}
        places = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
        for case in chunk:
            contact = contacts.get(case.pk)
            if case.reporter_id is None:
                reporter = ""
            elif not selectors.reporter_visible(case, actor):
                reporter = _("anonymous")
            else:
                reporter = crypto.mask_name(case.reporter.display_name or case.reporter.username)
            category = case.category.name if not case.category.parent_id else (
                f"{case.category.parent.name} · {case.category.name}")
            yield [
                case.number, case.hotline_id or "", case.title, category, str(case.get_state_display()),
                str(case.get_channel_display()), str(case.get_urgency_display()),
                case.grid.name if case.grid_id else places.get(case.region_code, case.region_code), case.address,
                case.lead_unit.name if case.lead_unit_id else "",
                crypto.mask_name(contact.name) if contact else "", crypto.mask_phone(contact.phone) if contact else "",
                reporter, _local(case.created_at), _local(case.response_due), _local(case.resolution_due),
                _local(case.replied_at), _("yes") if selectors.is_overdue(case, now) else _("no"),
                crypto.mask_free_text(case.description),
            ]


def export_cases(*, actor, queryset, fmt: str, filters: dict | None = None) -> tuple[bytes, int]:
    """The cases of ``queryset`` (the list's, narrowed to the actor's area again) as ``fmt``; (content, rows).

    Refuses, exporting nothing, an unknown format or more than :data:`MAX_ROWS` cases (narrow the filters).
    """
    require(actor, "cases.view")
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Export as XLSX or CSV.")})
    queryset = scope_queryset(queryset, actor).select_related(
        "category", "category__parent", "lead_unit", "grid", "reporter")
    count = queryset.order_by().count()
    if count > MAX_ROWS:
        raise ValidationError({"format": _("%(n)d cases match: narrow the filters to at most %(max)d to export "
                                           "them.") % {"n": count, "max": MAX_ROWS}})
    now = timezone.now()
    rows = _rows(queryset, actor, now)
    mark = exports.Watermark.of(actor, _("case list export (masked)"))
    with transaction.atomic():
        if fmt == "xlsx":
            content = exports.xlsx(_("Cases"), headers(), rows, watermark=mark)
        else:
            content = exports.csv_bytes([headers(), *rows], watermark=mark, title=_("Cases"))
        record(actor=actor, action="cases.export", object_type="cases.case",
               changes={"rows": count, "format": fmt, "filters": dict(filters or {}), "masked": True},
               region_code=getattr(getattr(actor, "region", None), "code", ""))
    return content, count


def filename(fmt: str) -> str:
    return f"cases-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"

