"""The party console's pages, through HTTP: the tree, members masked with the one audited reveal, 双报到 and
the below-minimum list, joint meetings with decisions tracked to done (the page the sweep links to), and the
incubation of social organisations."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.party import services
from gongzhi.party.models import Decision, DecisionState, IncubationStage, Participation
from gongzhi.registry.models import OrganisationKind
from gongzhi.registry.models.organisations import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(party_tree, staff, make_person, tree):
    person = make_person(tree["grid_a1"], name="张志强")
    return services.add_member(actor=staff["admin"], person=person, organisation=party_tree["branch"])


def test_the_tree_shows_the_area_and_the_menu_links_to_it(client, staff, party_tree):
    client.force_login(staff["a"])
    page = client.get("/console/party/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-menu="party_home"' in text
    assert "永安里第一网格党支部" in text and "3号楼党小组" in text
    assert "光华里社区党委" not in text  # community B is outside staff A's area
    assert client.get("/console/party/", {"q": "党小组"}).content.decode().count("data-org=") == 1


def test_a_grid_worker_and_a_resident_do_not_see_the_console(client, staff, make_user):
    client.force_login(staff["grid_a1"])
    assert client.get("/console/party/").status_code == 403
    client.force_login(make_user("party_resident"))
    assert client.get("/console/party/").status_code == 403


def test_members_are_masked_and_a_reveal_is_audited(client, staff, member):
    client.force_login(staff["a"])
    listing = client.get("/console/party/members/").content.decode()
    assert "张志强" not in listing and "张**" in listing
    page = client.get(f"/console/party/members/{member.pk}/").content.decode()
    assert "张志强" not in page
    refused = client.post(f"/console/party/members/{member.pk}/", {"action": "reveal", "reason": ""})
    assert "张志强" not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="party.member.reveal").exists()
    shown = client.post(f"/console/party/members/{member.pk}/", {"action": "reveal", "reason": "核实党员身份以便走访"})
    assert "张志强" in shown.content.decode()
    assert AuditEvent.objects.filter(action="party.member.reveal", object_id=str(member.pk)).count() == 1


def test_membership_pages_need_party_members(client, staff, member, make_user, tree):
    from gongzhi.accounts.roles import Role

    dispatcher = make_user("party_dispatcher", Role.DISPATCHER, tree["street"])
    client.force_login(dispatcher)
    assert client.get("/console/party/").status_code == 200
    assert client.get("/console/party/members/").status_code == 403
    assert client.get(f"/console/party/members/{member.pk}/").status_code == 403
    assert "张**" not in client.get(f"/console/party/organisations/{member.organisation_id}/").content.decode()
    client.force_login(staff["b"])  # outside the member's community
    assert client.get(f"/console/party/members/{member.pk}/").status_code == 404


def test_the_leader_sees_members_but_cannot_reveal(client, staff, member):
    client.force_login(staff["leader"])
    page = client.post(f"/console/party/members/{member.pk}/", {"action": "reveal", "reason": "核实党员身份以便走访"})
    assert "张志强" not in page.content.decode()
    assert not AuditEvent.objects.filter(action="party.member.reveal").exists()


def test_below_minimum_list_and_participation_form(client, staff, tree, make_person, settings):
    settings.PARTY_PARTICIPATION_MINIMUM = 2
    year = timezone.localdate().year
    start = date(year, 1, 1)
    admin = staff["admin"]
    busy = services.report_member(actor=admin, person=make_person(tree["grid_a1"], name="李勤"), reported_on=start)
    idle = services.report_member(actor=admin, person=make_person(tree["grid_a1"], name="王闲"), reported_on=start)
    client.force_login(staff["a"])
    for day in (start, start + timedelta(days=1)):
        response = client.post("/console/party/participation/", {
            "report": busy.pk, "on": min(day, timezone.localdate()).isoformat(), "hours": "2",
            "description": "清理楼道"})
        assert response.status_code == 302
    assert Participation.objects.filter(report=busy).count() == 2
    below = client.get(f"/console/party/participation/?year={year}&below=1").content.decode()
    assert f'data-report="{idle.pk}"' in below and f'data-report="{busy.pk}"' not in below
    assert "王闲" not in below  # masked
    bad = client.post("/console/party/participation/", {"report": busy.pk, "on": "yesterday", "description": "x"},
                      follow=True)
    assert "YYYY-MM-DD" in bad.content.decode()
    assert Participation.objects.filter(report=busy).count() == 2


def test_unit_reports_and_service_posts(client, staff, tree, make_unit):
    unit = make_unit(tree["grid_a1"], name="国贸物业公司")
    client.force_login(staff["a"])
    client.post("/console/party/reports/", {"action": "post", "community": tree["comm_a"].code, "name": "环境整治岗",
                                            "kind": "environment"})
    page = client.get("/console/party/reports/").content.decode()
    assert "环境整治岗" in page
    from gongzhi.party.models import ServicePost, UnitReport

    post = ServicePost.objects.get(name="环境整治岗")
    client.post("/console/party/reports/", {"action": "unit", "unit": unit.pk, "party_leader": "赵书记",
                                            "posts": [post.pk]})
    report = UnitReport.objects.get(unit=unit)
    assert list(report.posts.all()) == [post]
    assert "国贸物业公司" in client.get("/console/party/reports/", {"q": "国贸"}).content.decode()


def test_joint_meeting_page_tracks_decisions_to_done(client, staff, party_tree, make_unit, tree):
    committee = party_tree["comm_a"]
    client.force_login(staff["a"])
    response = client.post("/console/party/committee/", {
        "action": "meeting", "committee": committee.pk, "title": "第三季度联席会议",
        "starts_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "agenda": "共建项目推进", "place": "社区会议室"})
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith("/console/party/meetings/")
    # Decisions wait until the meeting is held.
    client.post(url, {"action": "decision", "text": "修缮活动室", "owner_name": "刘主任", "working_days": "5"})
    assert not Decision.objects.exists()
    client.post(url, {"action": "held", "minutes": "会议讨论了共建项目。"})
    client.post(url, {"action": "decision", "text": "修缮活动室", "owner_name": "刘主任", "working_days": "5"})
    decision = Decision.objects.get()
    page = client.get(url).content.decode()
    assert "修缮活动室" in page and f'data-decision="{decision.pk}"' in page
    client.post(url, {"action": "complete", "decision": decision.pk, "version": decision.version,
                      "outcome": "活动室已修缮"})
    decision.refresh_from_db()
    assert decision.state == DecisionState.DONE and decision.outcome == "活动室已修缮"
    # The sweep's link is this page; another community's staff do not find it.
    client.force_login(staff["b"])
    assert client.get(url).status_code == 404


def test_incubation_from_start_to_registration(client, staff, tree, make_unit, make_person):
    group = make_unit(tree["grid_a1"], name="永安里合唱团", kind=OrganisationKind.SOCIAL_ORGANISATION,
                      registration=Registration.INFORMAL)
    singer = make_person(tree["grid_a1"], name="陈歌")
    client.force_login(staff["a"])
    response = client.post("/console/party/groups/", {"organisation": group.pk, "plan": "一年内备案"})
    assert response.status_code == 302
    url = response["Location"]
    client.post(url, {"action": "member", "person": singer.pk, "role": "leader"})
    client.post(url, {"action": "activity", "title": "重阳节演出", "on": timezone.localdate().isoformat(),
                      "participants": "20"})
    client.post(url, {"action": "support", "kind": "venue", "provider": "永安里社区", "amount": ""})
    page = client.get(url).content.decode()
    assert "陈*" in page and "陈歌" not in page and "重阳节演出" in page and "永安里社区" in page
    client.post(url, {"action": "register", "registration": Registration.FILED,
                      "on": timezone.localdate().isoformat()})
    group.refresh_from_db()
    assert group.registration == Registration.FILED
    assert group.incubation.stage == IncubationStage.INCUBATING
    assert "重阳节演出" not in client.get("/console/party/groups/?stage=ended").content.decode()
