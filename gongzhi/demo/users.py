"""Demo units and one user per role, named demo_<role>."""

import secrets
from pathlib import Path

from django.conf import settings

from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.accounts.roles import Role

from .regions import DemoRegions


def demo_password() -> str:
    """DEMO_PASSWORD if set; otherwise one random password kept under var/.

    Kept so that running `make run` again keeps the logins it printed before.
    """
    if settings.DEMO_PASSWORD:
        return settings.DEMO_PASSWORD
    path = Path(settings.VAR_DIR) / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    password = "gz-" + secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def _unit(code, **fields):
    unit, _ = Unit.objects.update_or_create(code=code, defaults=fields)
    return unit


def seed_units(regions: DemoRegions) -> dict:
    district = regions.district
    street = regions.subdistricts[0]
    community = regions.communities[0]
    units = {
        "district_centre": _unit("110105-ZX", name="朝阳区接诉即办指挥中心", kind=UnitKind.OTHER, region=district),
    }
    units["chengguan"] = _unit("110105-CG", name="朝阳区城市管理综合执法局", kind=UnitKind.DEPARTMENT,
                               region=district, supervisor=units["district_centre"])
    units["zhujian"] = _unit("110105-ZJ", name="朝阳区住房和城乡建设委员会", kind=UnitKind.DEPARTMENT,
                             region=district, supervisor=units["district_centre"])
    units["shichang"] = _unit("110105-SJ", name="朝阳区市场监督管理局", kind=UnitKind.DEPARTMENT,
                              region=district, supervisor=units["district_centre"])
    for sub in regions.subdistricts:
        units[f"office:{sub.code}"] = _unit(f"{sub.code}-BSC", name=f"{sub.name}办事处指挥中心",
                                            kind=UnitKind.SUBDISTRICT_OFFICE, region=sub,
                                            supervisor=units["district_centre"])
        units[f"mediation:{sub.code}"] = _unit(f"{sub.code}-TWH", name=f"{sub.name}人民调解委员会",
                                               kind=UnitKind.MEDIATION_COMMITTEE, region=sub,
                                               supervisor=units[f"office:{sub.code}"])
    for comm in regions.communities:
        suffix = "村民委员会" if comm.code[9] in "23" else "居民委员会"
        units[f"committee:{comm.code}"] = _unit(
            f"{comm.code}-JWH", name=f"{comm.name}{suffix}", kind=UnitKind.COMMUNITY_COMMITTEE, region=comm,
            supervisor=units[f"office:{comm.parent.code}"],
        )
    units["street_office"] = units[f"office:{street.code}"]
    units["community_committee"] = units[f"committee:{community.code}"]
    units["mediation"] = units[f"mediation:{street.code}"]
    return units


def demo_accounts(regions: DemoRegions, units: dict) -> list[dict]:
    street, community = regions.subdistricts[0], regions.communities[0]
    grid = next(g for g in regions.grids if g.parent_id == community.pk)
    return [
        dict(username="demo_resident", display_name="居民 王秀英", role=Role.RESIDENT),
        dict(username="demo_grid_worker", display_name="网格员 李建国", role=Role.GRID_WORKER, region=grid,
             unit=units["community_committee"]),
        dict(username="demo_community_staff", display_name="社区工作者 张丽", role=Role.COMMUNITY_STAFF,
             region=community, unit=units["community_committee"]),
        dict(username="demo_dispatcher", display_name="街道派单员 刘洋", role=Role.DISPATCHER, region=street,
             unit=units["street_office"]),
        dict(username="demo_department", display_name="城管执法局 陈伟", role=Role.DEPARTMENT,
             unit=units["chengguan"]),
        dict(username="demo_mediator", display_name="人民调解员 赵敏", role=Role.MEDIATOR, region=street,
             unit=units["mediation"]),
        dict(username="demo_leader", display_name="区领导 孙志强", role=Role.LEADER, region=regions.district),
        dict(username="demo_admin", display_name="系统管理员", role=Role.ADMIN),
    ]


def seed_users(regions: DemoRegions, units: dict, password: str) -> list[User]:
    users = []
    for spec in demo_accounts(regions, units):
        defaults = {k: v for k, v in spec.items() if k != "username"}
        defaults.setdefault("region", None)
        defaults.setdefault("unit", None)
        defaults["is_staff"] = spec["role"] != Role.RESIDENT
        defaults["is_superuser"] = spec["role"] == Role.ADMIN
        user, _ = User.objects.update_or_create(username=spec["username"], defaults=defaults)
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users.append(user)
    return users
