"""The three lists: needs from cases and topics, resources, projects to done and published; the matching view."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.models import Case, Category
from gongzhi.noticeboard.models import Notice
from gongzhi.party import matching, services
from gongzhi.party.models import NeedSource, NeedState, ProjectState, ResourceKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(tree):
    category = Category.objects.filter(parent__isnull=False).order_by("code").first() or Category.objects.create(
        code="F01", name="设施")
    return Case.objects.create(channel="web", category=category, title="楼下缺少老年活动场地",
                               description="3号楼老人没有地方下棋", grid=tree["grid_a1"], region_code=tree["grid_a1"].code)


def test_a_need_from_a_case_once(staff, case, tree):
    need = services.need_from_case(actor=staff["a"], case=case, kind=ResourceKind.VENUE, people_affected=30)
    assert (need.title, need.region, need.source, need.state) == (case.title, tree["grid_a1"], NeedSource.CASE,
                                                                  NeedState.OPEN)
    with pytest.raises(ValidationError):
        services.need_from_case(actor=staff["a"], case=case, kind=ResourceKind.VENUE)
    with pytest.raises(PermissionDenied):
        services.need_from_case(actor=staff["b"], case=case, kind=ResourceKind.VENUE)


def test_a_need_from_a_topic_once_and_bad_input(staff, tree):
    need = services.need_from_topic(actor=staff["grid_a1"], topic_ref="deliberation.topic:12", region=tree["grid_a1"],
                                    title="增设充电桩", description="议事会议题", kind=ResourceKind.FUNDS)
    assert need.source == NeedSource.TOPIC
    with pytest.raises(ValidationError):
        services.need_from_topic(actor=staff["grid_a1"], topic_ref="deliberation.topic:12", region=tree["grid_a1"],
                                 title="again", description="x", kind=ResourceKind.FUNDS)
    for bad in ({"kind": "gold"}, {"title": ""}, {"region": tree["street"]}, {"needed_by": date(2000, 1, 1)},
                {"people_affected": -3}, {"source": NeedSource.CASE}):
        values = {"region": tree["grid_a1"], "title": "t", "description": "d", "kind": ResourceKind.VENUE, **bad}
        with pytest.raises(ValidationError):
            services.record_need(actor=staff["grid_a1"], **values)
    with pytest.raises(PermissionDenied):
        services.record_need(actor=staff["grid_a1"], region=tree["grid_b1"], title="t", description="d",
                             kind=ResourceKind.VENUE)


@pytest.fixture
def offers(tree, staff, party_tree, make_unit):
    today = timezone.localdate()
    school = make_unit(tree["grid_a1"], name="建外中学")
    return {
        "hall": services.offer_resource(actor=staff["a"], region=tree["grid_a1"], title="中学礼堂", kind="venue",
                                        provider_unit=school, capacity=200, capacity_unit="人",
                                        availability="周末"),
        "room": services.offer_resource(actor=staff["a"], region=tree["comm_a"], title="社区活动室", kind="venue",
                                        provider_party=party_tree["comm_a"], capacity=20, capacity_unit="人"),
        "later": services.offer_resource(actor=staff["a"], region=tree["grid_a2"], title="新建驿站", kind="venue",
                                         provider_name="物业", available_from=today + timedelta(days=60)),
        "other_kind": services.offer_resource(actor=staff["a"], region=tree["grid_a1"], title="法律咨询",
                                              kind="skills", provider_name="律师李"),
        "far": services.offer_resource(actor=staff["b"], region=tree["grid_b1"], title="光华里会议室", kind="venue",
                                       provider_name="光华里"),
        "expired": services.offer_resource(actor=staff["a"], region=tree["grid_a1"], title="旧仓库", kind="venue",
                                           provider_name="某公司", available_until=today - timedelta(days=1),
                                           available_from=today - timedelta(days=90)),
    }


def test_the_matching_view_proposes_and_says_why(staff, tree, offers):
    need = services.record_need(actor=staff["a"], region=tree["grid_a1"], title="老年活动场地", description="下棋",
                                kind=ResourceKind.VENUE, people_affected=30,
                                needed_by=timezone.localdate() + timedelta(days=30))
    proposals = matching.propose(staff["admin"], need)
    titles = [p.resource.title for p in proposals]
    # Nothing of another kind, another subdistrict or expired; the neighbour community's room ranks low.
    assert titles == ["中学礼堂", "社区活动室", "光华里会议室", "新建驿站"], titles
    hall, room, neighbour, later = proposals
    assert "In the same subdistrict, in 光华里第一网格." in neighbour.reasons
    assert hall.reasons == ["Offers venue, the kind needed.", "In the same place (永安里第一网格).",
                            "Available now (周末).", "Room for 200 people; 30 are concerned."]
    assert hall.score == 105
    assert "Offered to the whole community (永安里社区)." in room.reasons
    assert "Room for 20 people only; 30 are concerned." in room.reasons
    assert any(reason.startswith("Available only from") for reason in later.reasons)
    # Staff of community B see none of A's resources.
    assert [p.resource.title for p in matching.propose(staff["b"], need)] == ["光华里会议室"]


def test_a_project_from_needs_and_resources_to_done_and_published(staff, tree, offers, case):
    need = services.need_from_case(actor=staff["a"], case=case, kind=ResourceKind.VENUE)
    with pytest.raises(ValidationError):
        services.start_project(actor=staff["a"], region=tree["comm_a"], title="x", plan="y", budget="-1",
                               needs=[need])
    project = services.start_project(actor=staff["a"], region=tree["comm_a"], title="老年活动角", plan="改造活动室",
                                     budget="5000", needs=[need], resources=[offers["room"]])
    need.refresh_from_db()
    assert need.state == NeedState.IN_PROJECT and project.budget == Decimal("5000.00")
    with pytest.raises(ValidationError):
        services.report_progress(actor=staff["a"], project=project, progress=101)
    project = services.report_progress(actor=staff["a"], project=project, progress=40, note="已采购桌椅", version=1)
    assert project.state == ProjectState.UNDER_WAY
    with pytest.raises(ValidationError):
        services.report_progress(actor=staff["a"], project=project, progress=50, version=1)  # stale
    with pytest.raises(ValidationError):
        services.publish_project(actor=staff["a"], project=project)
    with pytest.raises(ValidationError):
        services.complete_project(actor=staff["a"], project=project, evidence="")
    project = services.complete_project(actor=staff["a"], project=project, evidence="活动角已开放，照片见附件")
    need.refresh_from_db()
    assert need.state == NeedState.MET and need.met_at is not None and project.progress == 100
    project = services.publish_project(actor=staff["a"], project=project)
    notice = Notice.objects.get(pk=project.notice_id)
    assert notice.region == tree["comm_a"] and "老年活动角" in notice.title and "社区活动室" not in notice.body
    assert "永安里社区党委" in notice.body and "楼下缺少老年活动场地" in notice.body
    with pytest.raises(ValidationError):
        services.publish_project(actor=staff["a"], project=project)
    assert AuditEvent.objects.filter(action="party.project.publish").count() == 1


def test_cancelling_a_project_reopens_its_needs(staff, tree, offers):
    need = services.record_need(actor=staff["a"], region=tree["grid_a1"], title="需", description="d", kind="venue")
    project = services.start_project(actor=staff["a"], region=tree["grid_a1"], title="p", plan="q", needs=[need])
    services.cancel_project(actor=staff["a"], project=project, reason="资金未落实")
    need.refresh_from_db()
    assert need.state == NeedState.OPEN
    services.close_need(actor=staff["a"], need=need, reason="居民已自行解决")
    with pytest.raises(ValidationError):
        services.start_project(actor=staff["a"], region=tree["grid_a1"], title="p2", plan="q", needs=[need])


def test_resources_validate(staff, tree):
    for bad in ({"kind": "x"}, {"capacity": "-5"}, {"provider_name": ""},
                {"available_from": date(2026, 5, 1), "available_until": date(2026, 4, 1)}):
        values = {"region": tree["grid_a1"], "title": "t", "kind": "venue", "provider_name": "p", **bad}
        with pytest.raises(ValidationError):
            services.offer_resource(actor=staff["a"], **values)
