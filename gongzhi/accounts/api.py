from ninja import Router, Schema

from gongzhi.api import actor_of

router = Router(tags=["accounts"])


class MeOut(Schema):
    kind: str
    name: str
    role: str | None = None
    region_code: str | None = None
    unit_code: str | None = None


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
