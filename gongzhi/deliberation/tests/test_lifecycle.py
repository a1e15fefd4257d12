"""Proposals to the agenda, an item's lifecycle, meetings, publication with objections, implementation."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from gongzhi.audit.models import AuditEvent
from gongzhi.deliberation import machine, services
from gongzhi.deliberation.models import (
    Item,
    ItemAction,
    ItemEvent,
    ItemState,
    Milestone,
    Objection,
    Project,
    Proposal,
    ProposalState,
    ProposalSupport,
    Publication,
)
from gongzhi.noticeboard.models import Notice


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def supporters_needed(settings):
    settings.DELIBERATION_SUPPORTERS_NEEDED = 2


def test_a_proposal_joins_the_agenda_queue_at_its_supporters_and_nobody_signs_twice(tree, resident,
                                                                                    supporters_needed):
    author, _p = resident()
    proposal = services.raise_proposal(actor=author, title="加装电梯", body="3号楼老人上下楼困难", region=tree["grid_a1"])
    assert proposal.state == ProposalState.OPEN and proposal.supporters_needed == 2
    with pytest.raises(ValidationError, match="others co-sign"):
        services.support_proposal(actor=author, proposal=proposal)
    first, second = resident()[0], resident()[0]
    services.support_proposal(actor=first, proposal=proposal)
    with pytest.raises(ValidationError, match="already co-signed"):
        services.support_proposal(actor=first, proposal=proposal)
    queued = services.support_proposal(actor=second, proposal=proposal)
    assert queued.state == ProposalState.QUEUED and queued.supporter_count == 2 and queued.queued_at
    assert ProposalSupport.objects.filter(proposal=proposal).count() == 2


def test_a_resident_raises_and_signs_only_where_they_live(tree, resident):
    elsewhere, _p = resident(tree["grid_b1"])
    with pytest.raises(PermissionDenied, match="where you live"):
        services.raise_proposal(actor=elsewhere, title="路灯", body="不亮", region=tree["grid_a1"])
    author, _p = resident()
    with pytest.raises(ValidationError) as caught:
        services.raise_proposal(actor=author, title="", body="\u202e反转", region=tree["grid_a1"])
    assert {"title", "body"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError, match="compound, building, grid or community"):
        services.raise_proposal(actor=author, title="路灯", body="不亮", region=tree["street"])
    assert not Proposal.objects.exists()


def test_a_proposal_photo_is_checked_and_only_the_author_adds_one(tree, resident):
    author, _p = resident()
    other, _p = resident()
    proposal = services.raise_proposal(actor=author, title="垃圾站", body="异味", region=tree["grid_a1"])
    photo = services.add_proposal_photo(actor=author, proposal=proposal, content=png())
    assert photo.content_type == "image/png" and photo.file.name
    with pytest.raises(ValidationError, match="not an image"):
        services.add_proposal_photo(actor=author, proposal=proposal, content=b"GIF89a nonsense")
    with pytest.raises(ValidationError, match="Only the author"):
        services.add_proposal_photo(actor=other, proposal=proposal, content=png())


def test_staff_merge_duplicates_and_answer_what_they_do_not_take_up(staff, tree, resident, supporters_needed):
    a, b, c = (resident()[0] for _ in range(3))
    main = services.raise_proposal(actor=a, title="停车难", body="晚上无处停车", region=tree["grid_a1"])
    duplicate = services.raise_proposal(actor=b, title="停车位不够", body="希望规划车位", region=tree["grid_a1"])
    services.support_proposal(actor=c, proposal=duplicate)
    merged = services.merge_proposal(actor=staff["community_a"], proposal=duplicate, into=main)
    assert merged.state == ProposalState.MERGED and merged.answer
    main.refresh_from_db()
    assert main.supporter_count == 2 and main.state == ProposalState.QUEUED  # b and c now support it
    other = services.raise_proposal(actor=c, title="拆除围墙", body="打通两个小区", region=tree["grid_a1"])
    with pytest.raises(ValidationError):
        services.decline_proposal(actor=staff["community_a"], proposal=other, answer=" ")
    with pytest.raises(PermissionDenied):
        services.decline_proposal(actor=staff["community_b"], proposal=other, answer="不在本社区")
    declined = services.decline_proposal(actor=staff["community_a"], proposal=other, answer="围墙属于产权单位，不在议事范围")
    assert declined.state == ProposalState.DECLINED and declined.answer.startswith("围墙")
    item = services.take_up_proposals(actor=staff["community_a"], proposals=[main])
    assert item.state == ItemState.COLLECTED and list(item.proposals.all()) == [main]


def test_the_lifecycle_is_the_table_and_nothing_else(staff, tree):
    item = services.create_item(actor=staff["community_a"], region=tree["comm_a"], title="楼道堆物清理")
    with pytest.raises(ValidationError, match="not possible"):
        services.decide_by_consensus(actor=staff["community_a"], item=item, decision="清理")
    with pytest.raises(PermissionDenied):
        services.schedule_item(actor=staff["community_b"], item=item)
    with pytest.raises(PermissionDenied):
        services.schedule_item(actor=staff["leader"], item=item)
    stale = Item.objects.get(pk=item.pk)
    services.schedule_item(actor=staff["community_a"], item=item)
    with pytest.raises(ValidationError, match="changed this item meanwhile"):
        services.drop_item(actor=staff["community_a"], item=stale, reason="重复")
    assert set(machine.allowed_actions(ItemState.DELIBERATED)) == {
        ItemAction.PUT_TO_VOTE, ItemAction.DECIDE_BY_CONSENSUS, ItemAction.DROP}
    with pytest.raises(PermissionDenied):
        machine.transition(Item.objects.get(pk=item.pk), ItemAction.DELIBERATE, actor=None)


def test_meeting_with_parties_attendance_and_minutes(staff, tree):
    item = services.create_item(actor=staff["community_a"], region=tree["comm_a"], title="小区绿化改造")
    with pytest.raises(ValidationError) as caught:
        services.create_meeting(actor=staff["community_a"], region=tree["comm_a"], title="议事会",
                                starts_at=timezone.now(), mode="both", items=[item], participants=[])
    assert {"place", "online_link", "participants"} <= set(caught.value.message_dict)
    meeting = services.create_meeting(
        actor=staff["community_a"], region=tree["comm_a"], title="绿化改造协商会", starts_at=timezone.now(),
        mode="in_person", place="社区议事厅", items=[item],
        participants=[("party_organisation", None, None), ("residents_committee", None, staff["community_a"]),
                      ("property_company", None, None)])
    ids = list(meeting.participants.values_list("id", flat=True))
    held = services.record_meeting(actor=staff["community_a"], meeting=meeting, minutes="各方同意分两期实施。",
                                   present={ids[0]: True, ids[1]: True, ids[2]: False})
    assert held.state == "held" and held.participants.filter(present=True).count() == 2
    with pytest.raises(ValidationError, match="not invited"):
        services.record_meeting(actor=staff["community_a"], meeting=meeting, minutes="x", present={999999: True})


def test_from_consensus_to_publication_objections_implementation_and_done(staff, tree, resident, settings):
    actor = staff["community_a"]
    item = services.create_item(actor=actor, region=tree["comm_a"], title="增设电动车充电桩")
    item = services.deliberate(actor=actor, item=services.schedule_item(actor=actor, item=item))
    item = services.decide_by_consensus(actor=actor, item=item, decision="在2号院增设20个充电口")
    publication = services.publish_decision(actor=actor, item=item)
    notice = Notice.objects.get(pk=publication.notice_id)
    assert "在2号院增设20个充电口" in notice.body and notice.region == tree["comm_a"] and notice.expire_at
    resident_user, _p = resident()
    objection = services.raise_objection(actor=resident_user, publication=publication, text_="充电桩离住户太近")
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="object until"):
        services.start_project(actor=actor, item=item, owner=actor, budget="50000")
    Publication.objects.filter(pk=publication.pk).update(objections_until=timezone.now())
    with pytest.raises(ValidationError, match="objection window closed"):
        services.raise_objection(actor=resident_user, publication=Publication.objects.get(pk=publication.pk),
                                 text_="再提一次")
    with pytest.raises(ValidationError, match="Answer every objection"):
        services.start_project(actor=actor, item=item, owner=actor, budget="50000")
    services.answer_objection(actor=actor, objection=objection, answer="已调整至距楼10米以外")
    project = services.start_project(actor=actor, item=item, owner=actor, budget="50000")
    item.refresh_from_db()
    assert item.state == ItemState.IMPLEMENTING
    milestone = services.add_milestone(actor=actor, project=project, title="完成招标", due=timezone.localdate())
    services.report_progress(actor=actor, project=project, text_="已选定施工方", progress=40)
    services.record_expense(actor=actor, project=project, amount="30000", note="设备采购",
                            spent_on=timezone.localdate())
    with pytest.raises(ValidationError, match="budget of 50000"):
        services.record_expense(actor=actor, project=project, amount="20000.01", note="施工",
                                spent_on=timezone.localdate())
    with pytest.raises(ValidationError, match="milestones are not done"):
        services.complete_project(actor=actor, project=project)
    services.complete_milestone(actor=actor, milestone=milestone)
    services.complete_project(actor=actor, project=Project.objects.get(pk=project.pk))
    item.refresh_from_db()
    project.refresh_from_db()
    assert item.state == ItemState.DONE and project.spent == Decimal("30000") and project.progress == 100
    assert list(ItemEvent.objects.filter(item=item).values_list("action", flat=True)) == [
        "collect", "schedule", "deliberate", "decide_by_consensus", "publish", "start_implementation", "complete"]
    assert Objection.objects.get().answered_by == actor
    assert AuditEvent.objects.filter(action__startswith="deliberation.item.").count() == 7


def test_a_rejected_decision_is_not_carried_out_but_closed(staff, tree):
    actor = staff["community_a"]
    item = services.create_item(actor=actor, region=tree["comm_a"], title="取消门禁")
    item = services.deliberate(actor=actor, item=services.schedule_item(actor=actor, item=item))
    Item.objects.filter(pk=item.pk).update(state=ItemState.DECIDED, outcome="rejected", decision="未通过")
    item = Item.objects.get(pk=item.pk)
    publication = services.publish_decision(actor=actor, item=item)
    Publication.objects.filter(pk=publication.pk).update(objections_until=timezone.now())
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="Only an adopted decision"):
        services.start_project(actor=actor, item=item, owner=actor, budget="1")
    closed = services.close_item(actor=actor, item=item)
    assert closed.state == ItemState.DONE


def test_overdue_milestones_are_flagged_once(staff, tree):
    project = Project.objects.create(region=tree["comm_a"], title="楼道粉刷", owner=staff["community_a"],
                                     budget=Decimal(100))
    late = Milestone.objects.create(project=project, title="开工", due=timezone.localdate() - dt.timedelta(days=1))
    Milestone.objects.create(project=project, title="完工", due=timezone.localdate() + dt.timedelta(days=5))
    assert services.sweep_overdue_milestones() == 1
    assert services.sweep_overdue_milestones() == 0
    late.refresh_from_db()
    assert late.overdue_flagged_at is not None
    assert AuditEvent.objects.filter(action="deliberation.milestone.overdue", object_id=str(late.pk)).count() == 1


def test_the_periodic_sweep_is_registered_and_runs(staff, tree):
    from gongzhi.deliberation.sweep import run_periodic
    from gongzhi.ops import schedule

    assert "deliberation_sweep" in {job.name for job in schedule.registered()}
    assert run_periodic() == {"votes_closed": 0, "milestones_flagged": 0}
