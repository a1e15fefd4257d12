"""Demo mediation: the committees of the demo's mediation units, a handful of disputes in every state
(agreed with a written agreement followed up and sent for judicial confirmation, failed, withdrawn, being
mediated, awaiting consent, registered with an early warning, one from a case), and a screening round.

Everything goes through the services, as the demo mediator (``demo_mediator``) and community staff
(``demo_community_staff``) would do it, with times spread over the last weeks, so the events, the audit
trail and the figures are those of real work. Idempotent: nothing is added when the demo disputes exist.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.cases.models import Case, CaseState
from gongzhi.core.ids import make_id_number
from gongzhi.mediation import services
from gongzhi.mediation.models import Committee, Dispute
from gongzhi.mediation.types import TIER_OF_LEVEL
from gongzhi.registry.models import Person, PersonStatus

MARK = "（演示）"


def _user(users, name):
    return next((u for u in users if u.username == name), None)


def _committees(admin) -> list[Committee]:
    """A committee for every mediation-committee unit (units made after the migration that makes them)."""
    made = []
    for unit in Unit.objects.filter(kind=UnitKind.MEDIATION_COMMITTEE, is_active=True).select_related("region"):
        committee = Committee.objects.filter(unit=unit).first()
        if committee is None:
            committee = services.save_committee(actor=admin, unit=unit,
                                                tier=TIER_OF_LEVEL.get(unit.region.level, "township"))
        made.append(committee)
    return made


def _entered(name: str, sequence: int, born: dt.date, *, role: str, phone: str, address: str) -> dict:
    return {"role": role, "name": name, "id_number": make_id_number("110105", born, sequence), "phone": phone,
            "address": address}


def seed_mediation(*, rng, regions, users) -> dict | None:
    """All or nothing (one transaction): a second run finds the demo disputes and adds nothing."""
    with transaction.atomic():
        return _seed(regions=regions, users=users)


def _seed(*, regions, users) -> dict | None:
    if Dispute.objects.filter(title__endswith=MARK).exists():
        return None
    mediator, staff, admin = (_user(users, n) for n in ("demo_mediator", "demo_community_staff", "demo_admin"))
    if mediator is None or staff is None or admin is None or mediator.unit_id is None:
        return None
    _committees(admin)
    committee = Committee.objects.get(unit_id=mediator.unit_id)
    community = regions.communities[0]
    grids = [g for g in regions.grids if g.parent_id == community.pk]
    residents = list(Person.objects.filter(grid__in=grids, status=PersonStatus.ACTIVE).exclude(id_number_index="")
                     .order_by("id")[:40])
    now = timezone.now()
    today = timezone.localdate()

    def resident(index: int) -> dict:
        return {"role": "respondent", "person_id": residents[index % len(residents)].pk} if residents else \
            _entered("周建华", 200 + index, dt.date(1975, 3, 9), role="respondent", phone="13700000000",
                     address=f"{community.name}4号楼")

    def register(title, kind, days_ago, *, parties, grid=None, **extra):
        return services.register_dispute(
            actor=mediator, dispute_type=kind, title=title + MARK, parties=parties, grid=grid,
            at=now - dt.timedelta(days=days_ago), **extra)

    def assign(dispute, days_ago):
        return services.assign_dispute(actor=mediator, dispute=dispute, committee=committee, mediators=[mediator],
                                       at=now - dt.timedelta(days=days_ago))

    def consent_and_session(dispute, days_ago, *, place, statements, proposal=""):
        for party in dispute.parties.all():
            dispute.refresh_from_db()
            services.record_consent(actor=mediator, dispute=dispute, party=party, consents=True,
                                    at=now - dt.timedelta(days=days_ago))
        dispute.refresh_from_db()
        services.record_session(actor=mediator, dispute=dispute, held_at=now - dt.timedelta(days=days_ago, hours=-2),
                                place=place, attendees="双方当事人、人民调解员赵敏", statements=statements,
                                proposal=proposal, at=now - dt.timedelta(days=days_ago, hours=-2))
        dispute.refresh_from_db()
        return dispute

    counts = {"disputes": 0, "screening": 0}
    applicant = _entered("王秀兰", 124, dt.date(1962, 5, 18), role="applicant", phone="13911112222",
                         address=f"{community.name}3号楼2单元501")

    # 1. Agreed in writing, performed, followed up and sent for judicial confirmation.
    leak = register("楼上卫生间漏水致楼下受损", "neighbours", 40, grid=grids[0], parties=[applicant, resident(0)],
                    facts="楼上卫生间防水层老化，漏水致楼下天花板、墙面受损。", claims="赔偿维修费用3500元",
                    amount="3500", place=f"{community.name}3号楼")
    assign(leak, 39)
    leak = consent_and_session(leak, 37, place=f"{community.name}调解室", statements="双方陈述了漏水经过并查看现场。",
                               proposal="楼上住户承担维修费用并修复防水层")
    services.record_agreement(
        actor=mediator, dispute=leak, form="written", facts="楼上卫生间防水层老化漏水，致楼下天花板、墙面受损。",
        matters="维修费用由谁承担、防水层修复", responsibilities="楼上住户对漏水负全部责任。",
        content="楼上住户赔偿楼下维修费用3000元，并于十日内修复卫生间防水层。", performance_manner="现金一次性支付",
        performance_due=today - dt.timedelta(days=20), at=now - dt.timedelta(days=35))
    leak.refresh_from_db()
    services.apply_for_confirmation(actor=mediator, dispute=leak, court="北京市朝阳区人民法院",
                                    applied_on=today - dt.timedelta(days=30))
    services.record_follow_up(actor=mediator, dispute=leak, result="performed", checked_on=today - dt.timedelta(days=18),
                              note="已支付3000元，防水层已修复，双方满意。")

    # 2. Agreed in writing, its performance still due (the mediator's "to follow up").
    fee = register("物业费与电梯维修纠纷", "property_management", 20, grid=grids[-1],
                   parties=[_entered("刘德明", 135, dt.date(1958, 11, 2), role="applicant", phone="13922223333",
                                     address=f"{community.name}7号楼"), resident(1)],
                   facts="业主以电梯长期故障为由拒交物业费，物业公司催缴未果。", claims="减免部分物业费", amount="2400")
    assign(fee, 19)
    fee = consent_and_session(fee, 15, place="社区议事厅", statements="业主与物业公司说明各自理由。",
                              proposal="物业公司限期修复电梯，业主补缴物业费")
    services.record_agreement(
        actor=mediator, dispute=fee, form="written", facts="电梯故障三个月未修复，业主拒交当年物业费。",
        matters="物业费是否减免、电梯修复期限", responsibilities="物业公司未及时维修负主要责任。",
        content="物业公司三十日内修复电梯并减免两个月物业费；业主于修复后补缴其余物业费。",
        performance_manner="物业公司修复电梯后业主转账补缴", performance_due=today + dt.timedelta(days=3),
        at=now - dt.timedelta(days=14))

    # 3. Failed: the parties told of the court and arbitration routes.
    land = register("宅基地边界争议", "housing_land", 30, grid=grids[0],
                    parties=[_entered("陈国强", 147, dt.date(1966, 8, 21), role="applicant", phone="13933334444",
                                      address=f"{community.name}平房区12号"), resident(2)],
                    facts="相邻两户对院墙位置各执一词。", claims="拆除越界院墙")
    assign(land, 29)
    land = consent_and_session(land, 25, place="现场", statements="双方分歧较大，均不接受调解方案。")
    services.record_failure(actor=mediator, dispute=land, reason="双方分歧过大，调解不成。",
                            routes_told=["administrative", "court"], at=now - dt.timedelta(days=24))

    # 4. Withdrawn.
    traffic = register("电动车剐蹭赔偿", "traffic", 12, grid=grids[-1],
                       parties=[_entered("赵磊", 159, dt.date(1990, 1, 30), role="applicant", phone="13944445555",
                                         address=f"{community.name}9号楼"), resident(3)],
                       facts="小区内电动车剐蹭私家车。", claims="赔偿修车费800元", amount="800")
    assign(traffic, 11)
    traffic.refresh_from_db()
    services.withdraw_dispute(actor=mediator, dispute=traffic, reason="双方已自行和解，申请人撤回。",
                              at=now - dt.timedelta(days=10))

    # 5. Being mediated.
    wages = register("装修工人劳务费拖欠", "labour", 6, grid=grids[0],
                     parties=[_entered("孙志刚", 161, dt.date(1984, 4, 12), role="applicant", phone="13955556666",
                                       address="河北省三河市燕郊镇"), resident(4)],
                     facts="装修完工后业主以质量问题为由拒付尾款。", claims="支付劳务费尾款6000元", amount="6000")
    assign(wages, 5)
    consent_and_session(wages, 3, place=f"{community.name}调解室", statements="双方对质量问题说法不一，约定现场查看后再谈。")

    # 6. Assigned, the parties' consent still to be asked.
    dog = register("宠物狗夜间吠叫扰民", "neighbours", 2, grid=grids[-1],
                   parties=[_entered("李梅", 172, dt.date(1979, 6, 6), role="applicant", phone="13966667777",
                                     address=f"{community.name}5号楼"), resident(5)],
                   facts="邻居饲养的狗夜间频繁吠叫，多次沟通无果。", claims="采取措施减少噪声")
    assign(dog, 1)

    # 7. Registered, major risk with threats: the community and the police station are warned.
    register("离婚财产分割纠纷", "marriage_family", 1, grid=grids[0],
             parties=[_entered("周芳", 184, dt.date(1988, 9, 15), role="applicant", phone="13977778888",
                               address=f"{community.name}2号楼"),
                      _entered("吴强", 193, dt.date(1986, 2, 3), role="respondent", phone="13988889999",
                               address=f"{community.name}2号楼")],
             facts="夫妻离婚后因房产分割发生争吵，一方扬言报复。", claims="依法分割共同财产",
             risk_level="major", risk_reasons="一方多次扬言报复，情绪激动。", signs=["threats"])

    # 8. From a case: the case waits for the dispute's outcome.
    case = (Case.objects.filter(region_code__startswith=community.code[:12], state__in=(CaseState.RECEIVED,
                                                                                       CaseState.IN_PROGRESS),
                                dispute__isnull=True).order_by("-id").first())
    if case is not None:
        register(case.title[:90], "other", 0, case=case, parties=[applicant, resident(6)],
                 facts=case.description or case.title)
    counts["disputes"] = Dispute.objects.filter(title__endswith=MARK).count()

    # A screening round: last period every grid filed, this period one grid has not filed yet.
    places = grids + [community]
    this_period = services.period_of(today)
    last_period = services.period_of(this_period - dt.timedelta(days=1))
    for index, place in enumerate(places):
        for period, skip in ((last_period, False), (this_period, index == 0)):
            if skip:
                continue
            found = 1 if (index + period.month) % 3 == 0 else 0
            services.file_screening_report(
                actor=staff, region=place, period=period, is_zero=not found, found_count=found,
                findings="排查发现邻里噪声矛盾一起，已登记调解。" if found else "")
            counts["screening"] += 1
    return counts


def seed_mediation_step(*, rng, size, regions, units, users, stdout):
    """The mediation step of ``manage.py seed_demo``."""
    counts = seed_mediation(rng=rng, regions=regions, users=users)
    if counts is None:
        stdout.write("Mediation: demo disputes already present (or no demo mediator), nothing added.")
    else:
        stdout.write(f"Mediation: {counts['disputes']} disputes in every state, agreements with the PDF, "
                     f"{counts['screening']} screening reports.")
    return counts
