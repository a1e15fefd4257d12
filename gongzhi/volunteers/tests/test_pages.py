"""The pages and the API, through HTTP: apply, browse, sign up, scan, statement PDF, the console, figures."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from gongzhi.volunteers import checkin, ledger
from gongzhi.volunteers.models import Currency, SignUpState, Volunteer
from gongzhi.volunteers.services import activities

from .conftest import id_number_for

START = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)


@pytest.fixture
def activity(world):
    return activities.create_activity(
        actor=world.users.staff_a, region=world.tree["comm_a"], title="楼道清扫", place="3号楼", starts_at=START,
        ends_at=START + dt.timedelta(hours=2), slots=1, publish=True)


@pytest.mark.django_db
def test_a_resident_applies_browses_and_signs_up(world, client, make_user, activity):
    applicant = make_user("applicant")
    client.force_login(applicant)
    page = client.get("/r/volunteer/")
    assert page.status_code == 200 and "Become a volunteer" in page.content.decode()
    bad = client.post("/r/volunteer/", {"region": world.tree["comm_a"].code, "name": "孙", "phone": "123",
                                        "id_number": id_number_for()})
    assert bad.status_code == 400 and "11-digit" in bad.content.decode()
    assert not Volunteer.objects.filter(user=applicant).exists()
    client.post("/r/volunteer/", {"region": world.tree["comm_a"].code, "name": "孙", "phone": "13900002222",
                                  "id_number": id_number_for()})
    assert Volunteer.objects.get(user=applicant).status == "applied"
    client.force_login(world.users.mother)
    listing = client.get("/r/volunteer/activities/").content.decode()
    assert "楼道清扫" in listing
    client.post(f"/r/volunteer/activities/{activity.pk}/", {"action": "signup"})
    assert world.mother.signups.get().state == SignUpState.CONFIRMED


@pytest.mark.django_db
def test_the_organisers_code_checks_a_volunteer_in_from_the_phone(world, client, activity, settings):
    activities.sign_up(actor=world.users.mother, activity=activity)
    client.force_login(world.users.staff_a)
    code_page = client.get(f"/console/volunteers/activities/{activity.pk}/code/in/")
    assert code_page.status_code == 200 and "data:image/svg+xml" in code_page.content.decode()
    token = checkin.make_token(activity.pk, checkin.IN)
    client.force_login(world.users.mother)
    assert client.get(f"/r/volunteer/scan/?c={token}").status_code == 200
    # Too early: refused with the reason, nothing changes.
    client.post("/r/volunteer/scan/", {"c": token})
    assert world.mother.signups.get().state == SignUpState.CONFIRMED
    assert client.get("/r/volunteer/scan/?c=forged").status_code == 400


@pytest.mark.django_db
def test_the_yearly_statement_is_a_pdf_with_the_lines(world, client):
    ledger.credit(actor=world.users.staff_a, volunteer=world.mother, currency=Currency.HOURS, amount=90,
                  memo="敬老院陪护")
    year = timezone.localdate().year
    client.force_login(world.users.mother)
    response = client.get(f"/r/volunteer/statement/{year}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "王妈妈" in text and "敬老院陪护" in text and "1.5" in text
    client.force_login(world.users.staff_b)
    assert client.get(f"/console/volunteers/people/{world.mother.pk}/statement/{year}.pdf").status_code == 404
    client.force_login(world.users.staff_a)
    assert client.get(f"/console/volunteers/people/{world.mother.pk}/statement/{year}.pdf").status_code == 200


@pytest.mark.django_db
def test_staff_see_masked_numbers_and_reveal_one_with_a_reason(world, client):
    client.force_login(world.users.staff_a)
    page = client.get(f"/console/volunteers/people/{world.mother.pk}/").content.decode()
    assert world.mother.phone not in page and world.mother.phone_masked in page
    revealed = client.post(f"/console/volunteers/people/{world.mother.pk}/",
                           {"action": "reveal", "field": "phone", "reason": "联系活动安排"}).content.decode()
    assert world.mother.phone in revealed


@pytest.mark.django_db
def test_the_api_spends_once_per_key(world, client):
    ledger.credit(actor=world.users.staff_a, volunteer=world.mother, currency=Currency.HOURS, amount=60)
    client.force_login(world.users.staff_a)
    body = {"currency": "hours", "amount": 40, "key": "api-key-00001"}
    first = client.post(f"/api/v1/volunteers/volunteers/{world.mother.pk}/spend", body, content_type="application/json")
    again = client.post(f"/api/v1/volunteers/volunteers/{world.mother.pk}/spend", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] and again.json()["id"] == first.json()["id"]
    over = client.post(f"/api/v1/volunteers/volunteers/{world.mother.pk}/spend",
                       {**body, "key": "api-key-00002"}, content_type="application/json")
    assert over.status_code == 422 and "Not enough" in str(over.json())
    client.force_login(world.users.mother)
    me = client.get("/api/v1/volunteers/me").json()
    assert me["balances"] == {"hours": "0.33", "points": 0, "hours_minutes": 20}


@pytest.mark.django_db
def test_figures_export_as_xlsx(world, client):
    ledger.credit(actor=world.users.staff_a, volunteer=world.mother, currency=Currency.HOURS, amount=90)
    client.force_login(world.users.staff_a)
    page = client.get("/console/volunteers/figures/")
    assert page.status_code == 200 and "永安里社区" in page.content.decode()
    export = client.get("/console/volunteers/figures.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
