"""/api/v1/accounts/: who is calling, and the units in the caller's area."""

from ninja import Router, Schema
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.core.schemas import Pages

from . import selectors
from .models import UnitKind

router = Router(tags=["accounts"])


class MeOut(Schema):
    kind: str
    name: str
    role: str | None = None
    region_code: str | None = None
    unit_code: str | None = None


class UnitOut(Schema):
    code: str
    name: str
    kind: UnitKind
    kind_label: str
    region_code: str
    supervisor_code: str | None = None
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj):
        return str(UnitKind(obj.kind).label)

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code

    @staticmethod
    def resolve_supervisor_code(obj):
        return obj.supervisor.code if obj.supervisor_id else None


@router.get("/me", response=MeOut, summary="Who am I, and what is my area")
def me(request):
    actor = actor_of(request)
    if hasattr(actor, "key_prefix"):
        return MeOut(kind="api_key", name=actor.name, unit_code=actor.unit.code if actor.unit_id else None)
    return MeOut(
        kind="user",
        name=actor.username,
        role=actor.role,
        region_code=actor.region.code if actor.region_id else None,
        unit_code=actor.unit.code if actor.unit_id else None,
    )


@router.get("/units", response=list[UnitOut], summary="Units in your area")
@paginate(Pages, page_size=50)
def list_units(request, kind: UnitKind | None = None, active: bool | None = None, q: str | None = None):
    """Filter by ``kind``, by ``active``, and by ``q`` (part of the name, or the start of the code)."""
    return selectors.units_for(actor_of(request), kind=kind, active=active, q=q)
