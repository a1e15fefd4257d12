"""Demo deliberations: a few complete ones, an owners' vote of the largest compound (art. 278), an open vote,
proposals in each state and a community fund, all through the services where a person acts.

The largest compound of the first community gets exclusive areas (专有部分面积, about four fifths of the
floor area) and the demo resident is linked to one of its owners (their mobile number), so signing in as
``demo_resident`` shows a vote to cast. Idempotent: nothing is added when the demo items exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.deliberation import services
from gongzhi.deliberation.models import (
    FundBallot,
    Item,
    Milestone,
    Participation,
    Publication,
    RollEntry,
    SecretBallot,
    Vote,
)
from gongzhi.registry.models import Compound, Dwelling, DwellingRole, Person, PersonStatus

MARK = "（演示）"


def _staff(users):
    return next(u for u in users if u.username == "demo_community_staff")


def _largest_compound(community):
    return (Compound.objects.filter(grid__parent=community).annotate(n=Count("dwellings")).order_by("-n", "id")
            .first())


def _give_exclusive_areas(rng, compound) -> None:
    dwellings = list(Dwelling.objects.filter(compound=compound, exclusive_area__isnull=True))
    for dwelling in dwellings:
        floor = dwelling.floor_area or Decimal(rng.randint(55, 140))
        dwelling.exclusive_area = (Decimal(floor) * Decimal(rng.randint(78, 86)) / 100).quantize(Decimal("0.01"))
    Dwelling.objects.bulk_update(dwellings, ["exclusive_area"], batch_size=2000)


def _link_demo_resident(users, compound) -> None:
    resident = next((u for u in users if u.username == "demo_resident"), None)
    if resident is None or resident.phone:
        return
    owner = (Person.objects.filter(dwelling__compound=compound, dwelling_role=DwellingRole.OWNER,
                                   status=PersonStatus.ACTIVE).exclude(phone_index="").order_by("id").first())
    if owner is None or Person.objects.filter(phone_index=owner.phone_index).count() != 1:
        return
    if User.objects.filter(phone_index=owner.phone_index).exists():
        return
    resident.phone = owner.phone
    resident.region = owner.grid
    resident.save()


def _fill_ballots(rng, vote, share, yes_share, *, secret=False) -> None:
    entries = list(RollEntry.objects.filter(vote=vote).values_list("id", "area"))
    chosen = rng.sample(entries, int(len(entries) * share))
    picks = [("yes" if rng.random() < yes_share else rng.choice(("no", "no", "abstain"))) for _ in chosen]
    now = timezone.now()
    Participation.objects.bulk_create(
        [Participation(vote=vote, entry_id=e, channel="online" if i % 5 else "paper", choice="" if secret else c,
                       cast_at=now - dt.timedelta(minutes=rng.randint(10, 5000)))
         for i, ((e, _a), c) in enumerate(zip(chosen, picks))], batch_size=2000)
    if secret:
        SecretBallot.objects.bulk_create([SecretBallot(vote=vote, choice=c, area=a)
                                          for (_e, a), c in zip(chosen, picks)], batch_size=2000)
    Vote.objects.filter(pk=vote.pk).update(cast_count=len(chosen))


def _decided(staff, region, title, *, compound=None, body=""):
    item = services.create_item(actor=staff, region=region, title=title + MARK, body=body, compound=compound)
    item = services.schedule_item(actor=staff, item=item)
    return services.deliberate(actor=staff, item=item)


def seed_deliberation(*, rng, regions, users) -> dict | None:
    if Item.objects.filter(title__endswith=MARK).exists():
        return None
    staff = _staff(users)
    community = regions.communities[0]
    compound = _largest_compound(community)
    if compound is None:
        return None
    grid = compound.grid
    now = timezone.now()
    _give_exclusive_areas(rng, compound)
    _link_demo_resident(users, compound)
    resident = next(u for u in users if u.username == "demo_resident")
    counts = {}
    with transaction.atomic():
        # 1. Decided by consensus, published, carried out and done.
        item = _decided(staff, community, "楼道堆物集中清理", body="多栋楼道堆放杂物，存在消防隐患。")
        services.create_meeting(actor=staff, region=community, title="楼道清理协商会" + MARK,
                                starts_at=now - dt.timedelta(days=30), place="社区议事厅", items=[item],
                                participants=[("party_organisation", None, None),
                                              ("residents_committee", None, staff),
                                              ("property_company", None, None), ("representatives", None, None)])
        item = services.decide_by_consensus(actor=staff, item=item,
                                            decision="由物业牵头、志愿者协助，两周内完成全部楼道清理。")
        publication = services.publish_decision(actor=staff, item=item)
        Publication.objects.filter(pk=publication.pk).update(objections_until=now - dt.timedelta(minutes=1))
        project = services.start_project(actor=staff, item=Item.objects.get(pk=item.pk), owner=staff,
                                         budget="8000")
        milestone = services.add_milestone(actor=staff, project=project, title="清理完成",
                                           due=timezone.localdate())
        services.report_progress(actor=staff, project=project, text_="全部楼道已清理完毕。", progress=100)
        services.record_expense(actor=staff, project=project, amount="6200", note="垃圾清运",
                                spent_on=timezone.localdate())
        services.complete_milestone(actor=staff, milestone=milestone)
        services.complete_project(actor=staff, project=project)

        # 2. An owners' general meeting of the largest compound, closed and tallied (art. 278 item 4).
        item = _decided(staff, grid, "续聘物业服务企业", compound=compound, body="现物业服务合同年底到期。")
        vote = services.create_vote(actor=staff, item=item, question="是否续聘现物业服务企业？", electorate="owners",
                                    art278_item=4, opens_at=now - dt.timedelta(days=10),
                                    closes_at=now + dt.timedelta(days=1), proxies_allowed=True, compound=compound)
        vote = services.open_vote(actor=staff, vote=vote)
        _fill_ballots(rng, vote, 0.74, 0.78)
        Vote.objects.filter(pk=vote.pk).update(closes_at=now - dt.timedelta(days=1))
        vote = services.close_vote(actor=staff, vote=Vote.objects.get(pk=vote.pk), at=now)
        services.publish_decision(actor=staff, item=Item.objects.get(pk=vote.item_id))
        counts["owners"] = RollEntry.objects.filter(vote=vote).count()

        # 3. An open, secret owners' vote on raising maintenance funds (item 6: three quarters).
        item = _decided(staff, grid, "筹集电梯维修资金", compound=compound)
        open_vote = services.create_vote(actor=staff, item=item, question="是否按每平方米30元筹集电梯维修资金？",
                                         electorate="owners", art278_item=6, opens_at=now - dt.timedelta(days=2),
                                         closes_at=now + dt.timedelta(days=12), secret=True, proxies_allowed=True,
                                         compound=compound)
        open_vote = services.open_vote(actor=staff, vote=open_vote)
        _fill_ballots(rng, open_vote, 0.35, 0.8, secret=True)

        # 4. Proposals: one collecting supporters, one declined with its answer, one taken up.
        author = resident if resident.phone else staff
        first = services.raise_proposal(actor=author, title="小区增设晾衣架", body="希望在中心花园旁增设公共晾衣架。",
                                        region=grid)
        declined = services.raise_proposal(actor=author, title="拆除小区围墙", body="打通与隔壁小区的通道。",
                                           region=grid)
        services.decline_proposal(actor=staff, proposal=declined,
                                  answer="围墙属于两个小区共有部分，须两小区业主分别表决，社区已转告业主委员会。")
        taken = services.raise_proposal(actor=author, title="夜间路灯太暗", body="3号楼至北门一段晚上看不清路。",
                                        region=grid)
        services.take_up_proposals(actor=staff, proposals=[taken])
        counts["proposals"] = 3 if first else 0

        # 5. A community fund, voted and allocated.
        fund = services.create_fund(actor=staff, region=community, title="社区微基金" + MARK,
                                    period_start=dt.date(now.year, 1, 1), period_end=dt.date(now.year, 12, 31),
                                    budget="50000", min_picks=1, max_picks=2)
        projects = [services.propose_fund_project(actor=staff, fund=fund, title=title, body=body, cost=cost)
                    for title, body, cost in (("口袋花园", "改造北侧空地为口袋花园", "30000"),
                                              ("共享书屋", "在活动室设立共享书屋", "12000"),
                                              ("休闲座椅", "中心花园增设座椅20把", "15000"),
                                              ("儿童游乐设施翻新", "更换老化的滑梯和秋千", "28000"))]
        for project in projects:
            services.decide_fund_project(actor=staff, project=project, admit=True)
        services.open_fund_voting(actor=staff, fund=fund, opens_at=now - dt.timedelta(days=7),
                                  closes_at=now + dt.timedelta(days=1))
        voters = list(Person.objects.filter(grid__parent=community, status=PersonStatus.ACTIVE,
                                            birth_date__lte=dt.date(now.year - 18, 1, 1)).order_by("id")[:120])
        ballots = FundBallot.objects.bulk_create([FundBallot(fund=fund, voter=staff, person=p) for p in voters])
        through = FundBallot.picks.through
        weights = (5, 3, 2, 4)
        rows = []
        for ballot in ballots:
            picked = rng.choices(projects, weights=weights, k=2)
            rows += [through(fundballot_id=ballot.pk, fundproject_id=p.pk) for p in {x.pk: x for x in picked}.values()]
        through.objects.bulk_create(rows)
        from gongzhi.deliberation.models import Fund

        Fund.objects.filter(pk=fund.pk).update(ballot_count=len(ballots), voting_closes_at=now - dt.timedelta(hours=1))
        services.close_fund(actor=staff, fund=Fund.objects.get(pk=fund.pk), at=now)
        counts["fund_ballots"] = len(ballots)
    return counts


def seed_deliberation_step(*, rng, size, regions, units, users, stdout):
    """The deliberation step of ``manage.py seed_demo``."""
    counts = seed_deliberation(rng=rng, regions=regions, users=users)
    if counts is None:
        stdout.write("Deliberation: demo deliberations already present (or no compound), nothing added.")
    else:
        stdout.write(f"Deliberation: an owners' vote of {counts['owners']} owners tallied, an open secret vote, "
                     f"a decision carried out, proposals, a community fund with {counts['fund_ballots']} ballots.")
    return counts
