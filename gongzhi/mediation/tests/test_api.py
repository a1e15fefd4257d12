"""The JSON API of mediation: register through it, 404 outside the area, 409 on a conflict, the PDF, figures."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from gongzhi.mediation.models import Dispute

from .conftest import VALID_ID, parties

pytestmark = pytest.mark.django_db


def _body(world, **extra):
    body = {"dispute_type": "neighbours", "title": "楼上漏水纠纷", "facts": "楼上漏水。", "grid": world.tree["grid_a1"].code,
            "parties": parties(world)}
    body.update(extra)
    return body


def test_register_and_read_masked(client, world):
    client.force_login(world.users.mediator)
    response = client.post("/api/v1/mediation/disputes", _body(world), content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("TJ") and data["state"] == "registered"
    applicant = next(p for p in data["parties"] if p["role"] == "applicant")
    assert applicant["name"] == "张*" and applicant["id_number"] == "1101**********002X"
    assert VALID_ID not in response.content.decode()
    listed = client.get("/api/v1/mediation/disputes").json()
    assert listed["count"] == 1
    revealed = client.post(f"/api/v1/mediation/parties/{applicant['id']}/reveal", {"reason": "联系当事人安排调解"},
                           content_type="application/json")
    assert revealed.json()["id_number"] == VALID_ID


def test_bad_input_is_422_and_changes_nothing(client, world):
    client.force_login(world.users.mediator)
    response = client.post("/api/v1/mediation/disputes",
                           _body(world, parties=parties(world, id_number="110105194912310021")),
                           content_type="application/json")
    assert response.status_code == 422 and "parties.0.id_number" in response.json()["errors"]
    assert not Dispute.objects.exists()


def test_outside_the_area_is_404(client, world, register):
    dispute = register()
    client.force_login(world.users.other_mediator)
    assert client.get(f"/api/v1/mediation/disputes/{dispute.pk}").status_code == 404


def test_a_stale_version_is_409(client, world, register):
    dispute = register()
    client.force_login(world.users.mediator)
    body = {"committee_id": world.committees.village.pk, "mediator_ids": [world.users.mediator.pk],
            "version": dispute.version}
    assert client.post(f"/api/v1/mediation/disputes/{dispute.pk}/assign", body,
                       content_type="application/json").status_code == 200
    again = client.post(f"/api/v1/mediation/disputes/{dispute.pk}/assign", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "version_conflict"
    wrong = client.post(f"/api/v1/mediation/disputes/{dispute.pk}/agreement",
                        {"form": "oral", "facts": "f", "matters": "m", "responsibilities": "r", "content": "c",
                         "performance_manner": "p", "performance_due": timezone.localdate().isoformat()},
                        content_type="application/json")
    assert wrong.status_code == 409 and wrong.json()["code"] == "transition_not_allowed"


def test_court_referral_through_the_api(client, world):
    client.force_login(world.users.mediator)
    body = _body(world, court="朝阳区人民法院", court_number="(2026)京0105民诉前调9号",
                 referred_on=timezone.localdate().isoformat())
    response = client.post("/api/v1/mediation/court-referrals", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["court_referral"]["result"] == "pending" and response.json()["source"] == "court"
    assert client.get("/api/v1/mediation/court-referrals").json()["count"] == 1


def test_the_agreement_pdf_and_the_figures(client, world, dispute_in):
    dispute = dispute_in("agreed")
    client.force_login(world.users.mediator)
    response = client.post(f"/api/v1/mediation/disputes/{dispute.pk}/agreement.pdf",
                           {"reason": "打印协议书供当事人签字"}, content_type="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 3
    today = timezone.localdate().isoformat()
    figures = client.get(f"/api/v1/mediation/figures?start={today}&end={today}").json()
    assert figures["agreed"] == 1 and figures["success_rate"] == 1.0
    xlsx = client.get(f"/api/v1/mediation/figures.xlsx?start={today}&end={today}")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_screening_through_the_api(client, world):
    client.force_login(world.users.grid_a1)
    today = timezone.localdate().isoformat()
    response = client.post("/api/v1/mediation/screening-reports",
                           {"region": world.tree["grid_a1"].code, "period": today, "is_zero": True},
                           content_type="application/json")
    assert response.status_code == 201
    client.force_login(world.users.dispatcher)
    missing = client.get(f"/api/v1/mediation/screening-reports/missing?period={today}").json()
    assert world.tree["grid_a1"].code not in [r["code"] for r in missing] and len(missing) == 4


@pytest.mark.parametrize("path", ["/api/v1/mediation/disputes", "/api/v1/mediation/court-referrals"])
def test_a_caller_who_may_not_register_gets_403_before_the_case_is_looked_up(client, world, path):
    """Like every write of the API: the capability first (403), whatever the body names; never a 404 that
    tells whether a case exists in someone's area."""
    from gongzhi.accounts.models import ApiKey, hash_api_key
    from gongzhi.cases.models import Case, Category

    raw = ApiKey.generate()
    ApiKey.objects.create(name="mediation-test", key_prefix=raw[:12], key_hash=hash_api_key(raw),
                          unit=world.community_unit)
    case = Case.objects.create(channel="web", category=Category.objects.get(code="0201"), title="噪声",
                               description="夜间噪声", grid=world.tree["grid_a1"], region_code=world.tree["grid_a1"].code)
    body = _body(world, case_id=case.pk, court="朝阳区人民法院", court_number="(2026)京0105民诉前调10号",
                 referred_on=timezone.localdate().isoformat())
    for case_id in (case.pk, case.pk + 1000):
        response = client.post(path, {**body, "case_id": case_id}, content_type="application/json",
                               HTTP_X_API_KEY=raw)
        assert response.status_code == 403, response.content
    client.force_login(world.users.leader)  # a person without the capability, the same answer
    assert client.post(path, body, content_type="application/json").status_code == 403
    assert not Dispute.objects.exists()
