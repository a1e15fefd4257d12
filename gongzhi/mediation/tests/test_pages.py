"""The console's mediation pages: through HTTP as a mediator and as staff, the same services as the API."""

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.mediation.models import Dispute, DisputeState, EarlyWarning, Party, ScreeningReport

from .conftest import VALID_ID

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    return client


def _register_form(world, **extra):
    form = {"action": "register", "rows": "3", "source": "walk_in", "dispute_type": "neighbours",
            "title": "楼上漏水纠纷", "facts": "楼上卫生间漏水，楼下天花板受损。", "claims": "赔偿维修费用",
            "amount": "3500", "grid": world.tree["grid_a1"].code, "risk_level": "general",
            "parties-0-role": "applicant", "parties-0-kind": "person", "parties-0-name": "张三",
            "parties-0-id_number": VALID_ID, "parties-0-phone": "13912345678",
            "parties-0-address": "北京市朝阳区永安里小区3号楼2单元501",
            "parties-1-role": "respondent", "parties-1-kind": "person", "parties-1-pick": f"person:{world.person.pk}"}
    form.update(extra)
    return form


def test_the_mediator_lands_on_their_disputes(client, world, dispute_in):
    mine = dispute_in("assigned")
    client = _signed_in(client, world.users.mediator)
    assert client.get("/")["Location"] == "/console/mediation/"
    html = client.get("/console/mediation/").content.decode()
    assert 'data-menu="mediation_disputes"' in html
    assert "data-mine" in html and f'href="/console/mediation/{mine.pk}/"' in html
    assert "No dispute is assigned to you." not in html


def test_the_list_filters_and_says_when_nothing_matches(client, world, register):
    register(title="楼上漏水纠纷")
    register(title="宠物狗扰民", dispute_type="neighbours", risk_level="major", risk_reasons="双方多次争吵")
    client = _signed_in(client, world.users.comm_staff)
    html = client.get("/console/mediation/", {"q": "宠物"}).content.decode()
    assert "宠物狗扰民" in html and "楼上漏水纠纷" not in html
    html = client.get("/console/mediation/?risk=major").content.decode()
    assert "宠物狗扰民" in html and "楼上漏水纠纷" not in html
    html = client.get("/console/mediation/?state=agreed").content.decode()
    assert "No dispute matches these filters." in html
    assert client.get("/console/mediation/?page=99").status_code == 200
    other = _signed_in(client, world.users.other_mediator).get("/console/mediation/").content.decode()
    assert "No disputes in your area yet." in other and "宠物狗扰民" not in other


def test_registering_with_a_registry_party_and_an_entered_one(client, world):
    client = _signed_in(client, world.users.mediator)
    found = client.post("/console/mediation/new/", {**_register_form(world), "action": "find-1",
                                                    "parties-1-pick": "", "parties-1-q": "李四"})
    assert found.status_code == 200
    html = found.content.decode()
    assert f'value="person:{world.person.pk}"' in html and "李*" in html
    assert not Dispute.objects.exists()  # a search registers nothing
    response = client.post("/console/mediation/new/", _register_form(world))
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/mediation/{dispute.pk}/"
    assert dispute.state == DisputeState.REGISTERED and dispute.parties.count() == 2
    assert Party.objects.get(role="respondent").person == world.person
    page = client.get(response["Location"]).content.decode()
    assert "张*" in page and VALID_ID not in page  # masked on the page


def test_bad_input_is_shown_and_changes_nothing(client, world):
    client = _signed_in(client, world.users.mediator)
    response = client.post("/console/mediation/new/", _register_form(world, **{
        "parties-0-id_number": "110105194912310021"}))
    assert response.status_code == 400
    assert not Dispute.objects.exists()
    html = response.content.decode()
    assert 'value="楼上漏水纠纷"' in html  # what was typed stays
    response = client.post("/console/mediation/new/", _register_form(world, **{"parties-1-pick": ""}))
    assert response.status_code == 400 and "at least one applicant and one respondent" in response.content.decode()
    assert not Dispute.objects.exists()


def test_a_case_becomes_a_dispute_from_the_page(client, world):
    from gongzhi.cases.models import Case, CaseState, Category

    case = Case.objects.create(channel="web", category=Category.objects.get(code="0201"), title="楼上噪声",
                               description="楼上每晚噪声", grid=world.tree["grid_a1"],
                               region_code=world.tree["grid_a1"].code, state=CaseState.IN_PROGRESS)
    client = _signed_in(client, world.users.mediator)
    case_page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert f'href="/console/mediation/new/?case={case.pk}" data-mediation-link' in case_page
    html = client.get(f"/console/mediation/new/?case={case.pk}").content.decode()
    assert "data-case" in html and 'value="楼上噪声"' in html
    form = _register_form(world, case=str(case.pk))
    form.pop("grid")
    response = client.post("/console/mediation/new/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert Dispute.objects.get().case == case and case.state == CaseState.MEDIATING
    dispute = Dispute.objects.get()
    case_page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert f'href="/console/mediation/{dispute.pk}/" data-mediation-link' in case_page


def test_mediating_to_an_agreement_and_its_pdf(client, world, register):
    dispute = register()
    client = _signed_in(client, world.users.mediator)
    url = f"/console/mediation/{dispute.pk}/"
    assert 'data-action="assign"' in client.get(url).content.decode()
    client.post(url, {"action": "assign", "version": dispute.version, "committee": world.committees.village.pk,
                      "mediators": [world.users.mediator.pk]})
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.ASSIGNED
    # a session before both parties consented: refused, shown, nothing recorded
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    session = {"action": "session", "held_at": now, "place": "永安里社区调解室", "attendees": "张三、李四",
               "statements": "双方陈述了漏水经过。"}
    refused = client.post(url, {**session, "version": dispute.version}, follow=True).content.decode()
    assert "Every party must consent" in refused and not dispute.sessions.exists()
    for party in dispute.parties.all():
        dispute.refresh_from_db()
        client.post(url, {"action": "consent", "party": party.pk, "consents": "1", "version": dispute.version})
    dispute.refresh_from_db()
    client.post(url, {**session, "version": dispute.version})
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATING and dispute.sessions.count() == 1
    agreement = {"action": "agree", "version": dispute.version, "form": "written", "facts": "楼上漏水致楼下受损。",
                 "matters": "维修费用由谁承担", "responsibilities": "楼上住户承担全部责任",
                 "content": "楼上住户赔偿维修费3000元", "performance_manner": "现金一次性支付", "performance_due": ""}
    missing_due = client.post(url, agreement, follow=True).content.decode()
    assert "deadline for its performance" in missing_due
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.MEDIATING
    due = (timezone.localdate() + timezone.timedelta(days=10)).isoformat()
    client.post(url, {**agreement, "performance_due": due})
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.AGREED
    html = client.get(url).content.decode()
    assert "data-agreement" in html and "data-pdf" in html
    assert client.get(f"{url}agreement.pdf").status_code == 405
    no_reason = client.post(f"{url}agreement.pdf", {"reason": ""})
    assert no_reason.status_code == 302 and not AuditEvent.objects.filter(action="mediation.agreement.pdf").exists()
    pdf = client.post(f"{url}agreement.pdf", {"reason": "打印协议书供当事人签字"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    assert AuditEvent.objects.filter(action="mediation.agreement.pdf").count() == 1
    # the follow-up and the judicial confirmation from the same page
    client.post(url, {"action": "follow_up", "result": "performed", "checked_on": timezone.localdate().isoformat()})
    assert dispute.agreement.follow_ups.count() == 1
    client.post(url, {"action": "confirm", "court": "朝阳区人民法院", "applied_on": timezone.localdate().isoformat(),
                      "joint": "1"})
    assert dispute.agreement.confirmations.count() == 1


def test_staff_without_the_capability_see_no_actions(client, world, dispute_in):
    dispute = dispute_in("mediating")
    html = _signed_in(client, world.users.leader).get(f"/console/mediation/{dispute.pk}/").content.decode()
    assert "data-actions" not in html and 'data-action="agree"' not in html
    response = client.post(f"/console/mediation/{dispute.pk}/", {"action": "withdraw", "reason": "撤回"})
    dispute.refresh_from_db()
    assert response.status_code == 302 and dispute.state == DisputeState.MEDIATING
    assert client.get("/console/mediation/new/").status_code == 403
    assert _signed_in(client, world.users.other_mediator).get(f"/console/mediation/{dispute.pk}/").status_code == 404


def test_reveal_on_the_page_is_audited(client, world, register):
    dispute = register()
    party = dispute.parties.get(role="applicant")
    client = _signed_in(client, world.users.mediator)
    html = client.post(f"/console/mediation/{dispute.pk}/", {"action": "reveal", "party": party.pk,
                                                             "reason": "联系当事人安排调解"}).content.decode()
    assert VALID_ID in html and "data-revealed" in html
    assert AuditEvent.objects.filter(action="mediation.party.reveal").count() == 1


def test_screening_reports_and_the_missing_ones(client, world):
    client = _signed_in(client, world.users.comm_staff)
    html = client.get("/console/mediation/screening/").content.decode()
    assert f'data-region="{world.tree["grid_a1"].code}"' in html
    response = client.post("/console/mediation/screening/", {"region": world.tree["grid_a1"].code, "is_zero": "1",
                                                             "found_count": "0", "findings": ""})
    assert response.status_code == 302
    report = ScreeningReport.objects.get()
    assert report.is_zero and report.region == world.tree["grid_a1"]
    html = client.get(response["Location"]).content.decode()
    assert f'data-region="{world.tree["grid_a1"].code}"' not in html and "Nothing found (零报告)" in html
    bad = client.post("/console/mediation/screening/", {"region": world.tree["grid_a2"].code, "found_count": "0",
                                                        "findings": ""})
    assert bad.status_code == 400 and ScreeningReport.objects.count() == 1


def test_early_warnings_are_listed_with_who_was_told(client, world, register):
    dispute = register(signs=["threats"], risk_level="major", risk_reasons="扬言报复")
    assert EarlyWarning.objects.filter(dispute=dispute).exists()
    html = _signed_in(client, world.users.comm_staff).get("/console/mediation/warnings/").content.decode()
    assert dispute.number in html and "Threats" in html and "建外派出所" in html
    empty = _signed_in(client, world.users.other_mediator).get("/console/mediation/warnings/").content.decode()
    assert "No early warnings." in empty
