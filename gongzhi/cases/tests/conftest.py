"""A small world for case tests: units, staff of each kind, residents, points in grids.

Grids (from the shared ``tree`` fixture): A1 = [116.44, 116.45] × [39.90, 39.91],
A2 east of it, B1 north of it. Times are fixed, on known working days.
"""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import Role
from gongzhi.cases import services
from gongzhi.cases.models import Case, CaseState, Category

TZ = ZoneInfo("Asia/Shanghai")
POINT_A1 = (116.445, 39.905)
POINT_A2 = (116.455, 39.905)
POINT_B1 = (116.445, 39.915)


def local(*args):
    return datetime(*args, tzinfo=TZ)


# Monday 2025-09-15, 10:00: an ordinary working week.
MONDAY = local(2025, 9, 15, 10, 0)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 costs ~0.5 s per user; these tests create a dozen users each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(tree, street_office, make_user):
    district_office = Unit.objects.create(code="U-CY", name="朝阳区政府", kind=UnitKind.OTHER, region=tree["district"])
    street_office.supervisor = district_office
    street_office.save()
    chengguan = Unit.objects.create(code="U-CG", name="朝阳区城管执法局", kind=UnitKind.DEPARTMENT,
                                    region=tree["district"], supervisor=district_office)
    water = Unit.objects.create(code="U-WATER", name="朝阳区水务局", kind=UnitKind.DEPARTMENT,
                                region=tree["district"], supervisor=district_office)
    comm_a = Unit.objects.create(code="U-YAL", name="永安里社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE,
                                 region=tree["comm_a"], supervisor=street_office)
    comm_b = Unit.objects.create(code="U-GHL", name="光华里社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE,
                                 region=tree["comm_b"], supervisor=street_office)
    users = SimpleNamespace(
        dispatcher=make_user("dispatcher", Role.DISPATCHER, region=tree["street"], unit=street_office),
        cg_clerk=make_user("cg_clerk", Role.DEPARTMENT, unit=chengguan),
        cg_clerk2=make_user("cg_clerk2", Role.DEPARTMENT, unit=chengguan),
        water_clerk=make_user("water_clerk", Role.DEPARTMENT, unit=water),
        district_clerk=make_user("district_clerk", Role.DEPARTMENT, unit=district_office),
        comm_a_staff=make_user("comm_a_staff", Role.COMMUNITY_STAFF, region=tree["comm_a"], unit=comm_a),
        grid_a1=make_user("grid_a1", Role.GRID_WORKER, region=tree["grid_a1"], unit=comm_a),
        grid_b1=make_user("grid_b1", Role.GRID_WORKER, region=tree["grid_b1"], unit=comm_b),
        leader=make_user("leader", Role.LEADER, region=tree["street"]),
        resident=make_user("resident", Role.RESIDENT),
        neighbour=make_user("neighbour", Role.RESIDENT),
        admin=make_user("admin", Role.ADMIN),
    )
    units = SimpleNamespace(street=street_office, district=district_office, chengguan=chengguan, water=water,
                            comm_a=comm_a, comm_b=comm_b)
    return SimpleNamespace(tree=tree, units=units, users=users)


@pytest.fixture
def noise():
    return Category.objects.get(code="0201")


@pytest.fixture
def new_case(world, noise):
    """A resident's report in grid A1, received on MONDAY."""

    def make(point=POINT_A1, category=None, reporter=None, at=MONDAY, **extra):
        return services.create_case(
            actor=reporter or world.users.resident, channel="web", category=category or noise,
            title="夜间施工噪声扰民", description="小区东侧工地每晚十点以后仍在施工，噪声很大。",
            lon=point[0], lat=point[1], at=at, **extra)

    return make


@pytest.fixture
def case_in(world, new_case):
    """A case brought by the real services into ``state`` (lead unit: 城管)."""
    u = world.users

    def make(state, **extra):
        case = new_case(**extra)
        if state == CaseState.RECEIVED:
            return case
        if state == CaseState.MEDIATING:  # a dispute between neighbours, referred at intake (gongzhi.mediation)
            from gongzhi.cases import machine

            return machine.transition(case, "refer_mediation", actor=u.dispatcher, at=MONDAY)
        if state == CaseState.MERGED:
            parent = new_case()
            return services.merge_case(case=case, actor=u.dispatcher, parent=parent, at=MONDAY)
        if state in (CaseState.CANCELLED, CaseState.INVALID):
            end = services.cancel_case if state == CaseState.CANCELLED else services.invalidate_case
            return end(case=case, actor=u.dispatcher, reason="重复受理", at=MONDAY)
        case = services.dispatch_case(case=case, actor=u.dispatcher, unit=world.units.chengguan, at=MONDAY)
        if state == CaseState.DISPATCHED:
            return case
        if state in (CaseState.RETURNED, CaseState.ARBITRATION):
            case = services.return_case(case=case, actor=u.cg_clerk, reason="不属于本单位职责", at=MONDAY)
            if state == CaseState.ARBITRATION:
                case = services.dispatch_case(case=case, actor=u.dispatcher, unit=world.units.water, at=MONDAY)
                case = services.return_case(case=case, actor=u.water_clerk, reason="不属于本单位职责", at=MONDAY)
            return case
        case = services.acknowledge_case(case=case, actor=u.cg_clerk, at=MONDAY)
        if state == CaseState.IN_PROGRESS:
            return case
        case = services.reply_case(case=case, actor=u.cg_clerk, content="已责令工地夜间停工。", at=MONDAY)
        if state == CaseState.REPLIED:
            return case
        assert state == CaseState.CLOSED
        return services.record_callback(case=case, actor=u.dispatcher, solved=True, satisfaction="satisfied",
                                        at=MONDAY)

    return make


def reload(case):
    return Case.objects.get(pk=case.pk)
