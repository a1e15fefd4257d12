"""Intake (受理): a case enters the system, from any channel.

A person reporting for themselves (capability ``cases.report``) may do so
anywhere, on the self-service channels; staff registering a case for someone
else (``cases.intake``: hotline, walk-in, patrol) may do so only in their own
area. Either way the location decides the grid and the region: a point is
converted to WGS-84 and placed in its grid; without a point (a hotline call
naming a street) the region must be named.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import can, require
from gongzhi.audit.services import record
from gongzhi.core import geo
from gongzhi.regions.models import Region
from gongzhi.regions.selectors import locate_grid_key

from .. import catalogue, taxonomy
from ..machine import transition
from ..models import Action, Case, Category, Channel, Crs, Urgency
from . import checks

TITLE_MAX = 100
# Citizens' letters in real hotline exports run to about 7,000 characters; room for three times that.
DESCRIPTION_MAX = 20_000
ADDRESS_MAX = 200
HOTLINE_ID_MAX = 64
# Channels on which a person reports for themselves; the others are staff registering.
SELF_SERVICE_CHANNELS = frozenset({Channel.WEB, Channel.API, Channel.OPEN311})


def _category(value, errors) -> Category | None:
    if isinstance(value, Category):
        category = value
    else:
        category = catalogue.by_code(str(value or "").strip())
        if category is None:
            errors.setdefault("category", []).append(
                _("There is no category with code “%(code)s”.") % {"code": value})
            return None
    if not category.is_active:
        errors.setdefault("category", []).append(
            _("Category “%(name)s” is no longer in use.") % {"name": category.name})
        return None
    return category


def _location(lon, lat, crs, region, errors) -> dict:
    """Resolve point and/or region into the location fields of a case."""
    fields = {"lon": None, "lat": None, "crs": "", "input_lon": None, "input_lat": None, "grid_id": None,
              "region_code": ""}
    named = None
    if region not in (None, ""):
        named = region if isinstance(region, Region) else Region.objects.filter(code=str(region).strip()).first()
        if named is None:
            errors.setdefault("region", []).append(_("There is no region with code “%(code)s”.") % {"code": region})
            return fields
    if (lon is None) != (lat is None):
        errors.setdefault("lon" if lon is None else "lat", []).append(
            _("Give both longitude and latitude, or neither."))
        return fields
    if lon is not None:
        try:
            crs = geo.normalize_crs(crs or Crs.WGS84)
        except ValueError as exc:
            errors.setdefault("crs", []).append(str(exc))
            return fields
        try:
            wgs_lon, wgs_lat = geo.to_wgs84(lon, lat, crs)
        except ValueError as exc:
            errors.setdefault("location", []).append(str(exc))
            return fields
        grid = locate_grid_key(wgs_lon, wgs_lat)  # (id, code) from the grid index: no read
        if grid is None and named is None:
            errors.setdefault("lon", []).append(
                _("The point (%(lon).6f, %(lat).6f) lies in no grid; name the region instead.")
                % {"lon": float(lon), "lat": float(lat)})
            return fields
        grid_id, grid_code = grid if grid is not None else (None, "")
        if grid is not None and named is not None and not grid_code.startswith(named.prefix):
            grid_name = Region.objects.filter(pk=grid_id).values_list("name", flat=True).first() or grid_code
            errors.setdefault("region", []).append(
                _("The point lies in grid %(grid)s, which is not inside region %(region)s.")
                % {"grid": grid_name, "region": named.name})
            return fields
        fields.update(lon=wgs_lon, lat=wgs_lat, crs=crs, input_lon=float(lon), input_lat=float(lat),
                      grid_id=grid_id)
        fields["region_code"] = grid_code if grid is not None else named.code
        return fields
    if named is None:
        errors.setdefault("location", []).append(_("Give the location as a point or name the region."))
        return fields
    fields["region_code"] = named.code
    fields["grid_id"] = named.pk if named.is_grid else None
    return fields


def locate(*, lon=None, lat=None, crs: str = Crs.WGS84, region=None) -> dict:
    """The location fields a case given this point and/or region would get (WGS-84 point, grid,
    region code), by the rules of intake; ValidationError naming the field otherwise. For checks
    made before a case exists (the duplicate check of :mod:`gongzhi.cases.duplicates`)."""
    errors: dict[str, list] = {}
    fields = _location(lon, lat, crs, region, errors)
    if errors:
        raise ValidationError(errors)
    return fields


def create_case(*, actor, channel: str, category, title: str, description: str, urgency: str = Urgency.NORMAL,
                lon=None, lat=None, crs: str = Crs.WGS84, region=None, address: str = "", reporter=None,
                is_anonymous: bool = False, hotline_id: str | None = None, at: datetime | None = None) -> Case:
    """Receive a case. Every invalid field is reported at once; nothing is saved then."""
    case, payload = check_case(actor=actor, channel=channel, category=category, title=title,
                               description=description, urgency=urgency, lon=lon, lat=lat, crs=crs, region=region,
                               address=address, reporter=reporter, is_anonymous=is_anonymous, hotline_id=hotline_id)
    # transition() writes the case, its event and its audit event in one transaction.
    return transition(case, Action.INTAKE, actor=actor, payload=payload, at=at)


def check_case(*, actor, channel: str, category, title: str, description: str, urgency: str = Urgency.NORMAL,
               lon=None, lat=None, crs: str = Crs.WGS84, region=None, address: str = "", reporter=None,
               is_anonymous: bool = False, hotline_id: str | None = None,
               hotline_id_known: bool | None = None) -> tuple[Case, dict]:
    """Every check of intake, writing nothing: (the unsaved case, its intake event's payload).

    Raises ValidationError with every invalid field. ``hotline_id_known`` is
    whether a case with that hotline id exists, when the caller has looked it
    up already (an import looks up a whole file's ids at once); None: look.
    :func:`create_case` writes one case so checked, :func:`machine.intake_many`
    a batch of them.
    """
    errors: dict[str, list] = {}
    for field, value, max_length in (("title", title, TITLE_MAX), ("description", description, DESCRIPTION_MAX),
                                     ("address", address, ADDRESS_MAX)):
        try:
            checks.text(value, field, max_length=max_length, required=field != "address")
        except ValidationError as exc:
            checks.merge(errors, exc)
    for field, value, choices in (("channel", channel, Channel), ("urgency", urgency, Urgency)):
        try:
            checks.choice(value, field, choices)
        except ValidationError as exc:
            checks.merge(errors, exc)
    category = _category(category, errors)
    location = _location(lon, lat, crs, region, errors)
    hotline_id = (str(hotline_id).strip() or None) if hotline_id is not None else None
    if hotline_id is not None:
        if len(hotline_id) > HOTLINE_ID_MAX:
            errors.setdefault("hotline_id", []).append(_("The hotline id is too long."))
        elif hotline_id_known if hotline_id_known is not None else (
                Case.objects.filter(hotline_id=hotline_id).exists()):
            errors.setdefault("hotline_id", []).append(
                _("A case with hotline id %(id)s exists already.") % {"id": hotline_id})

    registering_for_others = channel not in SELF_SERVICE_CHANNELS or (reporter is not None and reporter != actor)
    if registering_for_others and not can(actor, "cases.intake"):
        errors.setdefault("channel", []).append(
            _("Only staff may register cases on the %(channel)s channel or for someone else.")
            % {"channel": channel})
    if errors:
        raise ValidationError(errors)

    if reporter is None and not registering_for_others:
        reporter = user_of(actor)
    case = Case(
        channel=channel, category=category, urgency=urgency, title=title.strip(), description=description.strip(),
        address=(address or "").strip(), reporter=reporter, is_anonymous=bool(is_anonymous),
        hotline_id=hotline_id, created_by=user_of(actor), **location,
    )
    return case, {
        "channel": channel, "category": category.code, "urgency": urgency, "region_code": case.region_code,
        "reporter_id": case.reporter_id, "anonymous": case.is_anonymous,
    }


def seed_categories(*, actor=None) -> tuple[int, int]:
    """Create the missing categories of the default taxonomy (idempotent); (created, present)."""
    if actor is not None:
        require(actor, "cases.configure")
    with transaction.atomic():
        created, present = taxonomy.seed(Category)
        created += taxonomy.ensure_catch_alls(Category)
        if created:
            record(actor=actor, action="cases.seed_categories", object_type="cases.category",
                   changes={"created": created})
    return created, present
