"""Demo party-led co-building (党建引领) and volunteering: the tree of the first subdistrict, members, 双报到
with a year of participation (some below the minimum), the 大党委 with part-time members and joint meetings
whose decisions are done, open or overdue, two social organisations in incubation; volunteers of the first
community with a year of finished activities credited to the time bank, upcoming activities open for
sign-up and a points shop with redemptions.

Through the services where a person acts (staff record, members report, meetings are held). The past
activities of the year are history: their rows are written as they ended (finished, attended) and their
hours credited through the ledger, whose transfers are then dated at the check-out (a past month's figures
show that month's hours). Idempotent: nothing is added when the demo's party tree exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.actors import SystemActor
from gongzhi.party import services as party
from gongzhi.party.models import OrgLevel, PartyOrganisation, ServicePost
from gongzhi.registry.models import Organisation, OrganisationKind, Person, PersonStatus
from gongzhi.registry.models.organisations import Registration, SocialType
from gongzhi.volunteers import ledger
from gongzhi.volunteers.models import Activity, ActivityState, Currency, SignUp, SignUpState, Transfer, TransferKind
from gongzhi.volunteers.services import activities, people, shop
from gongzhi.volunteers.services.participation import count_attendance

ACTOR = SystemActor(username="system:seed_demo")
WORKING_COMMITTEE = "{street}党工委"
UNITS = ("区税务所", "区第一医院", "建设银行支行", "区实验小学")
POSTS = (("政策宣传岗", ServicePost.Kind.POLICY), ("环境整治岗", ServicePost.Kind.ENVIRONMENT),
         ("关爱帮扶岗", ServicePost.Kind.CARE), ("平安巡逻岗", ServicePost.Kind.SAFETY),
         ("矛盾调解岗", ServicePost.Kind.MEDIATION))
ACTIVITY_TITLES = ("敬老院陪护", "楼道清扫", "垃圾分类宣传", "反诈宣传", "义诊服务", "助老理发", "邻里节筹备",
                   "文明养犬引导", "消防安全巡查", "社区图书角整理", "共享菜园劳动", "暑期少儿托管")


def _staff(users, username="demo_community_staff"):
    return next((u for u in users if u.username == username), None) or ACTOR


def _persons(grid, n):
    return list(Person.objects.filter(grid=grid, status=PersonStatus.ACTIVE).order_by("id")[:n])


def _organisation(grid, name, kind, **extra):
    org, _ = Organisation.objects.get_or_create(name=name, grid=grid, defaults={"kind": kind, **extra})
    return org


def seed_party(*, rng, regions, users) -> dict | None:
    street = regions.subdistricts[0]
    name = WORKING_COMMITTEE.format(street=street.name)
    if PartyOrganisation.objects.filter(region=street, name=name).exists():
        return None
    communities = [c for c in regions.communities if c.parent_id == street.pk][:2]
    today = timezone.localdate()
    year_start = dt.date(today.year, 1, 1)
    counts = {"members": 0, "member_reports": 0, "participations": 0, "decisions": 0}
    with transaction.atomic():
        working = party.create_organisation(actor=ACTOR, name=name, level=OrgLevel.WORKING_COMMITTEE, region=street)
        for index, community in enumerate(communities):
            grids = [g for g in regions.grids if g.parent_id == community.pk][:2]
            committee = party.create_organisation(
                actor=ACTOR, name=f"{community.name}党委", level=OrgLevel.COMMUNITY_COMMITTEE, region=community,
                parent=working, is_joint_committee=index == 0)
            posts = [party.create_post(actor=ACTOR, community=community, name=title, kind=kind)
                     for title, kind in POSTS]
            branch_people = []
            for number, grid in enumerate(grids, start=1):
                branch = party.create_organisation(actor=ACTOR, name=f"{grid.name}党支部", level=OrgLevel.BRANCH,
                                                   region=grid, parent=committee)
                chosen = _persons(grid, 14)
                for position, person in enumerate(chosen[:8]):
                    role = "secretary" if position == 0 else "committee" if position < 3 else "member"
                    party.add_member(actor=ACTOR, person=person, organisation=branch, role=role,
                                     joined_party_on=str(1975 + rng.randint(0, 45)),
                                     since=today - dt.timedelta(days=rng.randint(60, 2000)))
                    counts["members"] += 1
                branch_people += chosen[8:]
            units = [_organisation(grids[0], f"{community.name}{unit}", OrganisationKind.RESIDENT_UNIT)
                     for unit in UNITS[: 3 if index == 0 else 2]]
            for unit in units:
                party.report_unit(actor=ACTOR, unit=unit, posts=rng.sample(posts, 2), party_leader=f"{unit.name[-4:]}书记",
                                  party_members=rng.randint(8, 60), reported_on=year_start - dt.timedelta(days=90))
            for person in branch_people:  # in-service members living here, reporting since the new year
                report = party.report_member(actor=ACTOR, person=person, community=community,
                                             workplace=rng.choice(units).name, home_party_organisation="单位党支部",
                                             posts=[rng.choice(posts)], reported_on=year_start)
                counts["member_reports"] += 1
                for _ in range(rng.randint(0, 6)):  # some stay below the minimum
                    day = year_start + dt.timedelta(days=rng.randint(0, max((today - year_start).days, 0)))
                    party.record_participation(actor=ACTOR, report=report, on=day, hours=rng.choice(["1.5", "2", "3"]),
                                               description=rng.choice(ACTIVITY_TITLES), post=rng.choice(posts))
                    counts["participations"] += 1
            if index == 0:
                counts["decisions"] += _seed_committee(rng, committee, units, today)
                _seed_groups(rng, grids[0], committee)
    return counts


def _seed_committee(rng, committee, units, today) -> int:
    for unit in units:
        party.add_part_time_member(actor=ACTOR, committee=committee, name=f"{unit.name[-4:]}委员", unit=unit,
                                   position="党委书记", phone=f"1391000{rng.randint(1000, 9999)}",
                                   term_start=today - dt.timedelta(days=400), term_end=today + dt.timedelta(days=700))
    decisions = 0
    plans = [(120, "第一季度联席会议", [("共建社区养老驿站", True), ("驻区单位开放停车位", True)]),
             (45, "第三季度联席会议", [("修缮社区活动室", True), ("组织秋季义诊", False)]),
             (6, "第四季度联席会议", [("冬季供暖问题协调", False), ("年终共建项目评议", False)])]
    for days_ago, title, items in plans:
        starts = timezone.now() - dt.timedelta(days=days_ago)
        meeting = party.schedule_meeting(actor=ACTOR, committee=committee, title=title, starts_at=starts,
                                         agenda="一、通报共建项目进展；二、研究需求清单；三、议定下阶段任务。",
                                         place="社区党群服务中心")
        present = [row.pk for row in meeting.attendance.all() if rng.random() < 0.85]
        meeting = party.record_meeting(actor=ACTOR, meeting=meeting, minutes=f"{title}议定事项如下。",
                                       present=present)
        for text, done in items:
            decision = party.add_decision(actor=ACTOR, meeting=meeting, text=text, owner_name="社区党委书记",
                                          owner_unit=rng.choice(units), working_days=rng.choice([10, 15, 20]))
            if done:
                party.complete_decision(actor=ACTOR, decision=decision, outcome="已按期完成。")
            decisions += 1
    return decisions


def _seed_groups(rng, grid, committee) -> None:
    for name, social_type in (("永安里合唱团", SocialType.CULTURE_SPORTS), ("银发志愿服务队", SocialType.VOLUNTEER)):
        org = _organisation(grid, name, OrganisationKind.SOCIAL_ORGANISATION, social_type=social_type,
                            registration=Registration.INFORMAL)
        incubation = party.start_incubation(actor=ACTOR, organisation=org, sponsor=committee, plan="一年内完成备案。",
                                            started_on=timezone.localdate() - dt.timedelta(days=200))
        for position, person in enumerate(_persons(grid, 30)[20:26]):
            party.add_group_member(actor=ACTOR, organisation=org, person=person,
                                   role="leader" if position == 0 else "member")
        party.record_group_activity(actor=ACTOR, organisation=org, title=f"{name}月度活动",
                                    on=timezone.localdate() - dt.timedelta(days=30), participants=rng.randint(10, 40))
        party.record_support(actor=ACTOR, incubation=incubation, kind="venue", provider="社区党群服务中心")


# --- volunteers ------------------------------------------------------------------------------------------


def seed_volunteers(*, rng, regions, users) -> dict | None:
    community = regions.communities[0]
    if Activity.objects.filter(region__code__startswith=community.code[:12]).exists():
        return None
    staff = _staff(users)
    grids = [g for g in regions.grids if g.parent_id == community.pk][:2]
    now = timezone.now()
    counts = {"volunteers": 0, "activities": 0, "attendances": 0, "redemptions": 0}
    with transaction.atomic():
        crowd = []
        for grid in grids:
            for person in _persons(grid, 30)[:20]:  # the first grid's party members among them
                crowd.append(people.register(actor=staff, person=person, skills=rng.choice(["", "理发", "医护", "法律"])))
        counts["volunteers"] = len(crowd)
        team = people.create_team(actor=staff, region=community, name=f"{community.name}志愿服务队")
        for volunteer in crowd[:8]:
            people.add_member(actor=staff, team=team, volunteer=volunteer)
        post = ServicePost.objects.filter(community=community, name="关爱帮扶岗").first()
        for month in range(12, 0, -1):  # two finished activities a month over the past year
            for week in (1, 3):
                starts = (now - dt.timedelta(days=30 * month - 7 * week)).replace(hour=9, minute=0, second=0,
                                                                                 microsecond=0)
                ends = starts + dt.timedelta(hours=3)
                activity = Activity.objects.create(
                    region=community, team=team, title=rng.choice(ACTIVITY_TITLES), place="社区党群服务中心",
                    starts_at=starts, ends_at=ends, slots=12, hours_cap_minutes=180, points=rng.choice([0, 5, 10]),
                    state=ActivityState.FINISHED, service_post=post, created_by=staff if staff.pk else None,
                    created_at=starts - dt.timedelta(days=7))
                counts["activities"] += 1
                for volunteer in rng.sample(crowd, rng.randint(4, 10)):
                    _attend(rng, staff, activity, volunteer)
                    counts["attendances"] += 1
        for days in (3, 10, 17):
            starts = (now + dt.timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
            upcoming = activities.create_activity(
                actor=staff, region=community, title=rng.choice(ACTIVITY_TITLES), place="社区党群服务中心",
                starts_at=starts, ends_at=starts + dt.timedelta(hours=3), slots=10, points=5, team=team,
                service_post=post, publish=True)
            for volunteer in rng.sample(crowd, 4):
                activities.sign_up(actor=staff, activity=upcoming, volunteer=volunteer)
            counts["activities"] += 1
        rewards = [shop.create_reward(actor=staff, region=community, title=title, currency=currency, price=price,
                                      kind=kind, stock=stock)
                   for title, currency, price, kind, stock in (
                       ("大米一袋", Currency.POINTS, 30, "goods", 50), ("理发一次", Currency.POINTS, 15, "service", None),
                       ("家政服务一小时", Currency.HOURS, 60, "service", None), ("食用油一桶", Currency.POINTS, 40, "goods", 30))]
        for volunteer in crowd[:6]:
            reward = rewards[0] if ledger.balance_from_lines(ledger.member_account(volunteer, Currency.POINTS)) >= 30 \
                else None
            if reward is not None:
                ledger.redeem(actor=staff, volunteer=volunteer, reward=reward, key=f"demo-redeem-{volunteer.pk}")
                counts["redemptions"] += 1
    return counts


def _attend(rng, staff, activity, volunteer) -> None:
    checked_in = activity.starts_at - dt.timedelta(minutes=rng.randint(0, 10))
    minutes = min(rng.randint(120, 190), activity.hours_cap_minutes)
    checked_out = checked_in + dt.timedelta(minutes=minutes)
    signup = SignUp.objects.create(activity=activity, volunteer=volunteer, state=SignUpState.ATTENDED,
                                   signed_up_at=activity.starts_at - dt.timedelta(days=rng.randint(1, 6)),
                                   checked_in_at=checked_in, checked_out_at=checked_out, credited_minutes=minutes)
    posted = [ledger.credit(actor=staff, volunteer=volunteer, currency=Currency.HOURS, amount=minutes,
                            kind=TransferKind.EARN, key=f"attendance:{signup.pk}", signup=signup,
                            memo=activity.title)]
    if activity.points:
        posted.append(ledger.credit(actor=staff, volunteer=volunteer, currency=Currency.POINTS, amount=activity.points,
                                    kind=TransferKind.EARN, key=f"attendance-points:{signup.pk}", signup=signup,
                                    memo=activity.title))
    Transfer.objects.filter(pk__in=[p.transfer.pk for p in posted]).update(created_at=checked_out)
    count_attendance(signup, minutes, checked_out)


def seed_party_step(*, rng, size, regions, units, users, stdout):
    """The party's and the volunteers' step of ``manage.py seed_demo``."""
    counts = seed_party(rng=rng, regions=regions, users=users)
    if counts is None:
        stdout.write("Party: the demo party tree is already present, nothing added.")
    else:
        stdout.write(f"Party: {counts['members']} members, {counts['member_reports']} in-service members reporting "
                     f"with {counts['participations']} participations, {counts['decisions']} meeting decisions.")
    volunteering = seed_volunteers(rng=rng, regions=regions, users=users)
    if volunteering is None:
        stdout.write("Volunteers: demo activities already present, nothing added.")
    else:
        stdout.write(f"Volunteers: {volunteering['volunteers']} volunteers, {volunteering['activities']} activities, "
                     f"{volunteering['attendances']} attendances credited, {volunteering['redemptions']} redemptions.")
    return counts, volunteering


_ = Decimal  # hours are given as text to the services
