"""A small world for mediation tests: committees at three tiers with mediators, a police station, a case.

Regions come from the shared ``tree`` fixture (district → 建外街道 → 永安里社区 (A1, A2), 光华里社区 (B1)).
"""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import Role
from gongzhi.mediation import services
from gongzhi.mediation.models import Committee, Tier, Trade
from gongzhi.registry.models import Person

TZ = ZoneInfo("Asia/Shanghai")
VALID_ID = "11010519491231002X"
OTHER_ID = "110105198001010016"


def local(*args):
    return datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _committee(code, name, region, tier, trade=""):
    unit = Unit.objects.create(code=code, name=name, kind=UnitKind.MEDIATION_COMMITTEE, region=region)
    return Committee.objects.create(unit=unit, tier=tier, trade=trade)


@pytest.fixture
def world(tree, street_office, make_user):
    community_unit = Unit.objects.create(code="U-YAL", name="永安里社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE,
                                         region=tree["comm_a"], supervisor=street_office)
    police = Unit.objects.create(code="U-PCS", name="建外派出所", kind=UnitKind.POLICE_STATION, region=tree["street"])
    village = _committee("U-TWH-YAL", "永安里社区人民调解委员会", tree["comm_a"], Tier.COMMUNITY)
    village.unit.supervisor = street_office
    village.unit.save()
    township = _committee("U-TWH-JW", "建外街道人民调解委员会", tree["street"], Tier.TOWNSHIP)
    county = _committee("U-TWH-CY", "朝阳区人民调解委员会", tree["district"], Tier.COUNTY)
    medical = _committee("U-YT-CY", "朝阳区医疗纠纷人民调解委员会", tree["district"], Tier.COUNTY, Trade.MEDICAL)
    other_area = _committee("U-TWH-GHL", "光华里社区人民调解委员会", tree["comm_b"], Tier.COMMUNITY)
    users = SimpleNamespace(
        mediator=make_user("mediator", Role.MEDIATOR, region=tree["comm_a"], unit=village.unit),
        mediator2=make_user("mediator2", Role.MEDIATOR, region=tree["comm_a"], unit=village.unit),
        township_mediator=make_user("t_mediator", Role.MEDIATOR, region=tree["street"], unit=township.unit),
        county_mediator=make_user("c_mediator", Role.MEDIATOR, region=tree["district"], unit=county.unit),
        other_mediator=make_user("o_mediator", Role.MEDIATOR, region=tree["comm_b"], unit=other_area.unit),
        comm_staff=make_user("comm_staff", Role.COMMUNITY_STAFF, region=tree["comm_a"], unit=community_unit),
        grid_a1=make_user("grid_a1", Role.GRID_WORKER, region=tree["grid_a1"], unit=community_unit),
        grid_b1=make_user("grid_b1", Role.GRID_WORKER, region=tree["grid_b1"]),
        dispatcher=make_user("dispatcher", Role.DISPATCHER, region=tree["street"], unit=street_office),
        police=make_user("police", Role.DEPARTMENT, unit=police),
        leader=make_user("leader", Role.LEADER, region=tree["district"]),
        resident=make_user("resident", Role.RESIDENT),
        admin=make_user("admin", Role.ADMIN),
    )
    committees = SimpleNamespace(village=village, township=township, county=county, medical=medical,
                                 other_area=other_area)
    person = Person(name="李四", id_number=OTHER_ID, phone="13800138000", grid=tree["grid_a1"])
    person.refresh_derived()
    person.save()
    return SimpleNamespace(tree=tree, users=users, committees=committees, community_unit=community_unit,
                           police=police, person=person)


def parties(world=None, **first):
    applicant = {"role": "applicant", "name": "张三", "id_number": VALID_ID, "phone": "13912345678",
                 "address": "北京市朝阳区永安里小区3号楼2单元501"}
    applicant.update(first)
    respondent = ({"role": "respondent", "person_id": world.person.pk} if world is not None
                  else {"role": "respondent", "name": "王五"})
    return [applicant, respondent]


@pytest.fixture
def register(world):
    def make(actor=None, **extra):
        values = dict(dispute_type="neighbours", title="楼上漏水纠纷", facts="楼上卫生间漏水，楼下天花板受损。",
                      claims="赔偿维修费用", amount="3500", grid=world.tree["grid_a1"], parties=parties(world))
        values.update(extra)
        return services.register_dispute(actor=actor or world.users.mediator, **values)

    return make


@pytest.fixture
def dispute_in(world, register):
    """A dispute brought by the services into ``state`` (committee: the village committee)."""
    u = world.users

    def make(state, **extra):
        dispute = register(**extra)
        if state == "registered":
            return dispute
        dispute = services.assign_dispute(actor=u.mediator, dispute=dispute, committee=world.committees.village,
                                          mediators=[u.mediator])
        if state == "assigned":
            return dispute
        if state == "withdrawn":
            return services.withdraw_dispute(actor=u.mediator, dispute=dispute, reason="申请人撤回调解申请")
        for party in dispute.parties.all():
            services.record_consent(actor=u.mediator, dispute=dispute, party=party, consents=True)
        dispute.refresh_from_db()
        services.record_session(actor=u.mediator, dispute=dispute, held_at=timezone.now(),
                                place="永安里社区调解室", attendees="张三、李四、调解员", statements="双方陈述了漏水经过。",
                                proposal="由楼上承担维修费用")
        dispute.refresh_from_db()
        if state == "mediating":
            return dispute
        if state == "agreed":
            services.record_agreement(
                actor=u.mediator, dispute=dispute, form="written", facts="楼上卫生间漏水致楼下受损。",
                matters="维修费用由谁承担", responsibilities="楼上住户承担全部责任", content="楼上住户赔偿维修费3000元",
                performance_manner="现金一次性支付", performance_due=timezone.localdate() + timedelta(days=10))
        else:
            assert state == "failed"
            services.record_failure(actor=u.mediator, dispute=dispute, reason="双方分歧过大",
                                    routes_told=["arbitration", "court"])
        dispute.refresh_from_db()
        return dispute

    return make
