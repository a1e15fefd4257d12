"""The 组织机构 sheet: resident units, property companies, owners' committees and other organisations."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import crypto
from gongzhi.core.ids import normalize_credit_code, validate_credit_code
from gongzhi.regions.models import Region

from ..models import Dwelling, Organisation
from ..spreadsheets import ORGANISATION_KIND_LABELS, SheetData
from .common import Context, Errors, ImportReport
from .common import choice, field_names, grid_in_area, match_existing, objects_in_chunks, resolve_dwellings_of
from .common import text_reader, ticking


@dataclass(slots=True)
class OrganisationRow:
    row: int
    external_id: str
    name: str
    kind: str
    credit_code: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    address: str
    longitude: float | None
    latitude: float | None
    dwelling_key: str
    grid: Region | None
    note: str
    existing_pk: int | None = None


_ORGANISATION_TEXT_LIMITS = (("legal_representative", 50), ("contact_name", 50), ("address", 200))


def _coordinates(text: dict, sheet, number: int, errors: Errors) -> tuple[float | None, float | None]:
    result = []
    for key, limit in (("longitude", 180), ("latitude", 90)):
        value = None
        if text.get(key):
            try:
                value = float(text[key])
                if not -limit <= value <= limit:
                    raise ValueError
            except ValueError:
                errors.add(sheet, number, key, _("A coordinate is a number of degrees between -%(limit)d and "
                                                 "%(limit)d.") % {"limit": limit})
                value = None
        result.append(value)
    if bool(text.get("longitude")) != bool(text.get("latitude")):
        errors.add(sheet, number, "longitude", _("Give both longitude and latitude, or neither."))
    return result[0], result[1]


def check_organisations(sheet: SheetData, ctx: Context, errors: Errors, tick) -> list[OrganisationRow]:
    parsed: list[OrganisationRow] = []
    by_code: dict[str, int] = {}
    by_external: dict[str, int] = {}
    texts = text_reader(sheet, errors)
    for number, values in ticking(sheet.rows, tick):
        text, unreadable = texts(number, values)
        get = text.get
        name = get("name", "")
        if not name:
            errors.add(sheet, number, "name", _("The name of the organisation is required."))
        elif len(name) > 200:
            errors.add(sheet, number, "name", _("The name is longer than 200 characters."))
        kind = choice(get("kind", ""), ORGANISATION_KIND_LABELS, sheet, number, "kind", errors)
        if not get("kind"):
            errors.add(sheet, number, "kind", _("The kind of organisation is required."))
        credit_code = normalize_credit_code(get("credit_code", ""))
        if credit_code:
            try:
                validate_credit_code(credit_code)
            except ValidationError as exc:
                errors.add(sheet, number, "credit_code", exc.messages[0])
            first = by_code.setdefault(credit_code, number)
            if first != number:
                errors.add(sheet, number, "credit_code", _("The same credit code is already on row %(row)d.")
                           % {"row": first})
        external_id = get("external_id", "")[:64]
        if external_id:
            first = by_external.setdefault(external_id, number)
            if first != number:
                errors.add(sheet, number, "external_id", _("The same organisation number is already on row "
                                                           "%(row)d.") % {"row": first})
        if not credit_code and not external_id and "credit_code" not in unreadable:
            errors.add(sheet, number, "credit_code", _("Give the unified social credit code or the organisation "
                                                       "number."))
        for key, limit in _ORGANISATION_TEXT_LIMITS:
            if len(get(key, "")) > limit:
                errors.add(sheet, number, key, _("This cell is longer than %(n)d characters.") % {"n": limit})
        phone = crypto.normalize_phone(get("contact_phone", ""))
        if phone and not 7 <= len(phone) <= 12:
            errors.add(sheet, number, "contact_phone", _("A phone number has 7 to 12 digits."))
        longitude, latitude = _coordinates(text, sheet, number, errors)
        dwelling_key = get("dwelling", "")
        grid = None
        if get("grid"):
            grid = grid_in_area(get("grid"), ctx, sheet, number, errors)
        elif not dwelling_key:
            errors.add(sheet, number, "grid", _("Give the dwelling number or the grid code."))
        parsed.append(OrganisationRow(number, external_id, name[:200], kind, credit_code,
                                      get("legal_representative", ""), get("contact_name", ""), phone,
                                      get("address", ""), longitude, latitude, dwelling_key, grid, get("note", "")))
    resolve_dwellings_of(parsed, sheet, ctx, errors)
    _match_existing_organisations(parsed, sheet, ctx, errors)
    return parsed


def _match_existing_organisations(rows, sheet, ctx: Context, errors: Errors) -> None:
    match_existing(rows, sheet, ctx, errors, model=Organisation, key_field="credit_code",
                   key_of=lambda r: r.credit_code, key_column="credit_code",
                   two_records=_("The organisation number and the credit code belong to two different registered "
                                 "organisations."),
                   elsewhere=_("This organisation is registered in another area."))


_ORGANISATION_FIELDS = ("name", "kind", "credit_code", "legal_representative", "contact_name", "contact_phone",
                        "address", "longitude", "latitude", "grid_id", "dwelling_id", "external_id", "note")


def write_organisations(rows: list[OrganisationRow], dwellings: dict[str, Dwelling], ctx: Context,
                         report: ImportReport, tick) -> None:
    """Create or update organisations; a registered one is matched by its number or credit code.

    An identifier missing from the file (the number or the credit code) keeps
    its registered value; every other column is taken as the file gives it.
    """
    existing = {o.pk: o for o in objects_in_chunks(Organisation.objects.all(), "pk",
                                                    [r.existing_pk for r in rows if r.existing_pk])}
    new, changed = [], []
    now = timezone.now()
    for row in ticking(rows, tick):
        dwelling = dwellings.get(row.dwelling_key)
        dwelling_id = dwelling.pk if dwelling is not None else ctx.db_dwellings.get(row.dwelling_key, (None,))[0]
        organisation = existing.get(row.existing_pk) or Organisation()
        values = (row.name, row.kind, row.credit_code or organisation.credit_code, row.legal_representative,
                  row.contact_name, row.contact_phone, row.address, row.longitude, row.latitude, row.grid.pk,
                  dwelling_id, row.external_id or organisation.external_id, row.note)
        if organisation.pk is not None and all(getattr(organisation, name) == value
                                               for name, value in zip(_ORGANISATION_FIELDS, values, strict=True)):
            report.unchanged["organisations"] += 1
            continue
        for name, value in zip(_ORGANISATION_FIELDS, values, strict=True):
            setattr(organisation, name, value)
        organisation.updated_at = now
        (changed if organisation.pk is not None else new).append(organisation)
    Organisation.objects.bulk_create(new, batch_size=500)
    Organisation.objects.bulk_update(changed, [*field_names(Organisation, _ORGANISATION_FIELDS), "updated_at"],
                                     batch_size=500)
    report.created["organisations"] += len(new)
    report.updated["organisations"] += len(changed)
