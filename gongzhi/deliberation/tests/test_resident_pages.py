"""The resident's pages over HTTP: the community fund (propose, pick, see what was funded and spent) and an
item followed to its publication, with objections raised in the window and answered in public."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.models import FundBallot, FundProject, FundProjectState, Objection, Publication

pytestmark = pytest.mark.django_db


def _as(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def fund(staff, tree):
    return services.create_fund(actor=staff["community_a"], region=tree["comm_a"], title="2027年社区微基金",
                                period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 12, 31),
                                budget="100000", min_picks=1, max_picks=2)


def test_a_resident_proposes_a_project_picks_on_the_ballot_and_sees_the_funded_ones(client, staff, tree, fund,
                                                                                   resident):
    (author, _p), (neighbour, _n) = resident(), resident()
    url = reverse("deliberation_fund", args=[fund.pk])
    client = _as(client, author, "zh-hans")
    listed = client.get(reverse("deliberation_funds"))
    assert listed.status_code == 200 and fund.title in listed.content.decode()
    too_dear = client.post(url, {"action": "propose", "propose-title": "新建会所", "propose-body": "太贵",
                                 "propose-cost": "200000"})
    assert too_dear.status_code == 400 and "费用须大于零且不超过基金预算 100000.00 元。" in too_dear.content.decode()
    assert not FundProject.objects.exists()
    for title, cost in (("口袋花园", "60000"), ("休闲座椅", "50000"), ("共享书屋", "30000")):
        made = client.post(url, {"action": "propose", "propose-title": title, "propose-body": "改造",
                                 "propose-cost": cost})
        assert made.status_code == 302
    garden, benches, library = FundProject.objects.order_by("id")
    for project in (garden, benches, library):
        services.decide_fund_project(actor=staff["community_a"], project=project, admit=True)
    now = timezone.now()
    services.open_fund_voting(actor=staff["community_a"], fund=fund, opens_at=now - dt.timedelta(minutes=1),
                              closes_at=now + dt.timedelta(days=7))
    page = client.get(url).content.decode()
    assert 'name="ballot-picks"' in page and "口袋花园" in page
    too_many = client.post(url, {"action": "ballot", "ballot-picks": [garden.pk, benches.pk, library.pk]})
    assert too_many.status_code == 400 and not FundBallot.objects.exists()
    assert "最多可选 2 个项目，已选 3 个。" in too_many.content.decode()
    assert client.post(url, {"action": "ballot", "ballot-picks": [garden.pk, library.pk]}).status_code == 302
    assert 'id="fund-voted"' in client.get(url).content.decode()
    _as(client, neighbour).post(url, {"action": "ballot", "ballot-picks": [garden.pk]})
    assert FundBallot.objects.count() == 2
    services.close_fund(actor=staff["community_a"], fund=fund, at=now + dt.timedelta(days=8))
    result = client.get(url).content.decode()
    assert FundProject.objects.get(pk=garden.pk).state == FundProjectState.FUNDED
    assert "2 votes" in result and "Spent 0.00 of 60000.00 yuan" in result


def test_a_resident_objects_within_the_window_and_reads_the_answer(client, staff, tree, resident):
    (objector, _p), (neighbour, _n) = resident(), resident()
    actor = staff["community_a"]
    item = services.create_item(actor=actor, region=tree["grid_a1"], title="增设充电桩")
    item = services.deliberate(actor=actor, item=services.schedule_item(actor=actor, item=item))
    item = services.decide_by_consensus(actor=actor, item=item, decision="在3号楼北侧增设充电桩")
    publication = services.publish_decision(actor=actor, item=item)
    url = reverse("deliberation_item", args=[item.pk])
    client = _as(client, objector, "zh-hans")
    page = client.get(url).content.decode()
    assert "在3号楼北侧增设充电桩" in page and 'name="object-text"' in page
    empty = client.post(url, {"action": "object", "object-text": ""})
    assert empty.status_code == 400 and "这个字段是必填项。" in empty.content.decode()
    assert client.post(url, {"action": "object", "object-text": "充电桩离住户太近"}).status_code == 302
    objection = Objection.objects.get()
    others = _as(client, neighbour).get(url).content.decode()
    assert "充电桩离住户太近" not in others and "One other objection was raised." in others
    staff_page = reverse("deliberation_staff_item", args=[item.pk])
    answered = _as(client, actor).post(staff_page, {"action": f"answer_{objection.pk}",
                                                    f"answer_{objection.pk}-answer": "已调整至距楼10米以外"})
    assert answered.status_code == 302
    mine = _as(client, objector).get(url).content.decode()
    assert "充电桩离住户太近" in mine and "已调整至距楼10米以外" in mine
    Publication.objects.filter(pk=publication.pk).update(objections_until=timezone.now())
    late = client.post(url, {"action": "object", "object-text": "还是太近"})
    assert late.status_code == 400 and "objection window closed" in late.content.decode()
    assert Objection.objects.count() == 1


def test_another_communitys_fund_and_item_are_not_found(client, staff, tree, fund, resident):
    outsider, _p = resident(tree["grid_b1"])
    client = _as(client, outsider)
    assert client.get(reverse("deliberation_fund", args=[fund.pk])).status_code == 404
    item = services.create_item(actor=staff["community_a"], region=tree["grid_a1"], title="增设充电桩")
    assert client.get(reverse("deliberation_item", args=[item.pk])).status_code == 404
