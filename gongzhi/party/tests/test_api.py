"""/api/v1/party/ through HTTP: membership masked and revealed once with a reason (audited), refused without
party.members; a joint meeting held and its decision tracked to done; the below-minimum list; bad input 422."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.party import services
from gongzhi.party.models import Decision, DecisionState

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(party_tree, staff, make_person, tree):
    person = make_person(tree["grid_a1"], name="张志强")
    return services.add_member(actor=staff["admin"], person=person, organisation=party_tree["branch"])


def test_members_leave_masked_and_one_reveal_is_audited(client, staff, member, make_user, tree):
    from gongzhi.accounts.roles import Role

    client.force_login(staff["a"])
    listed = client.get("/api/v1/party/members").json()
    assert [m["name_masked"] for m in listed["items"]] == ["张**"]
    assert "张志强" not in str(listed)
    refused = client.post(f"/api/v1/party/members/{member.pk}/reveal", {"reason": ""}, content_type="application/json")
    assert refused.status_code == 422
    shown = client.post(f"/api/v1/party/members/{member.pk}/reveal", {"reason": "核实党员身份以便走访"},
                        content_type="application/json")
    assert shown.status_code == 200 and shown.json() == {"name": "张志强"}
    assert AuditEvent.objects.filter(action="party.member.reveal").count() == 1
    client.force_login(make_user("party_api_dispatcher", Role.DISPATCHER, tree["street"]))
    assert client.get("/api/v1/party/organisations").status_code == 200
    assert client.get("/api/v1/party/members").status_code == 403
    client.force_login(staff["b"])
    assert client.get(f"/api/v1/party/members/{member.pk}").status_code == 404


def test_a_meeting_held_and_its_decision_done(client, staff, party_tree):
    client.force_login(staff["a"])
    made = client.post("/api/v1/party/meetings", {
        "joint_committee_id": party_tree["comm_a"].pk, "title": "联席会议", "agenda": "共建",
        "starts_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()}, content_type="application/json")
    assert made.status_code == 201, made.content
    meeting_id = made.json()["id"]
    early = client.post(f"/api/v1/party/meetings/{meeting_id}/decisions",
                        {"text": "修缮活动室", "owner_name": "刘主任", "working_days": 5}, content_type="application/json")
    assert early.status_code == 422 and not Decision.objects.exists()
    held = client.post(f"/api/v1/party/meetings/{meeting_id}/held", {"minutes": "讨论了共建项目"},
                       content_type="application/json")
    assert held.status_code == 200 and held.json()["state"] == "held"
    decision = client.post(f"/api/v1/party/meetings/{meeting_id}/decisions",
                           {"text": "修缮活动室", "owner_name": "刘主任", "working_days": 5},
                           content_type="application/json").json()
    assert client.get(f"/api/v1/party/meetings/{meeting_id}").json()["decisions"][0]["id"] == decision["id"]
    done = client.post(f"/api/v1/party/decisions/{decision['id']}/done",
                       {"outcome": "已修缮", "version": decision["version"]}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == DecisionState.DONE
    again = client.post(f"/api/v1/party/decisions/{decision['id']}/done", {"outcome": "再次"},
                        content_type="application/json")
    assert again.status_code == 422


def test_the_below_minimum_list(client, staff, tree, make_person, settings):
    settings.PARTY_PARTICIPATION_MINIMUM = 1
    year = timezone.localdate().year
    report = services.report_member(actor=staff["admin"], person=make_person(tree["grid_a1"]),
                                    reported_on=dt.date(year, 1, 1))
    client.force_login(staff["a"])
    below = client.get(f"/api/v1/party/participation?year={year}&below=true").json()["items"]
    assert [row["report_id"] for row in below] == [report.pk]
    served = client.post(f"/api/v1/party/member-reports/{report.pk}/participations",
                         {"on": timezone.localdate().isoformat(), "description": "清扫", "hours": "1.5"},
                         content_type="application/json")
    assert served.status_code == 201
    assert client.get(f"/api/v1/party/participation?year={year}&below=true").json()["items"] == []
