"""The data administrators' pages of personal-data protection: retention rules and sweeps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.accounts.models import LoginFailure
from gongzhi.privacy.models import RetentionRule, RetentionRun

pytestmark = pytest.mark.django_db


def test_an_administrator_sees_changes_and_runs_the_retention_rules(world, signed_in):
    client = signed_in(world.users.admin)
    html = client.get("/console/privacy/retention/").content.decode()
    assert 'data-kind="audit_events"' in html and 'data-kind="closed_case_contacts"' in html
    assert "No sweep has run yet." in html
    assert 'href="/console/privacy/retention/"' in client.get("/console/").content.decode()  # the menu

    too_short = client.post("/console/privacy/retention/", {"kind": "audit_events", "days": "30", "enabled": "1"},
                            follow=True)
    assert "must be kept for at least 180 days" in too_short.content.decode()
    assert not RetentionRule.objects.exists()
    client.post("/console/privacy/retention/", {"kind": "failed_signins", "days": "30", "enabled": "1"})
    assert RetentionRule.objects.get(kind="failed_signins").days == 30

    LoginFailure.objects.create(name_hash="a" * 64, at=timezone.now() - timedelta(days=31))
    client.post("/console/privacy/retention/", {"action": "sweep", "dry_run": "1"})
    assert LoginFailure.objects.count() == 1 and RetentionRun.objects.get().dry_run
    response = client.post("/console/privacy/retention/", {"action": "sweep", "dry_run": "0"}, follow=True)
    assert not LoginFailure.objects.exists()
    assert "Failed sign-ins: 1" in response.content.decode()


def test_nobody_else_reaches_the_retention_page(world, signed_in):
    for user in (world.users.dispatcher, world.users.leader, world.users.resident):
        client = signed_in(user)
        assert client.get("/console/privacy/retention/").status_code == 403
        assert client.post("/console/privacy/retention/", {"kind": "failed_signins", "days": "30"}).status_code == 403
    assert not RetentionRule.objects.exists()


def test_a_resident_files_a_request_the_owner_answers_it_and_the_resident_reads_the_answer(world, signed_in):
    from gongzhi.privacy.models import SubjectRequest

    resident = world.users.resident
    resident.phone = "13812345678"
    resident.save()
    client = signed_in(resident)
    assert 'href="/r/privacy/"' in client.get("/r/").content.decode() or client.get("/r/privacy/").status_code == 200
    refused = client.post("/r/privacy/", {"kind": "deletion", "details": ""})
    assert "Say what should be corrected or deleted." in refused.content.decode()
    assert not SubjectRequest.objects.exists()
    client.post("/r/privacy/", {"kind": "access", "details": "我想知道你们存了我哪些信息"})
    request = SubjectRequest.objects.get()
    assert request.owner == world.users.admin and request.subject_user == resident
    assert "The answer is due by" in client.get("/r/privacy/").content.decode()

    staff = signed_in(world.users.admin)
    listing = staff.get("/console/privacy/requests/").content.decode()
    assert f'data-request="{request.pk}"' in listing and "138****5678" not in listing
    assert f'data-request="{request.pk}"' in staff.get("/console/privacy/requests/", {"q": f"#{request.pk}"}).content.decode()
    assert "No request matches." in staff.get("/console/privacy/requests/", {"q": "nobody"}).content.decode()
    detail = staff.get(f"/console/privacy/requests/{request.pk}/").content.decode()
    assert "138****5678" in detail and "13812345678" not in detail
    held = staff.post(f"/console/privacy/requests/{request.pk}/", {"action": "held"}).content.decode()
    assert "13812345678" in held  # in clear, on purpose, audited
    staff.post(f"/console/privacy/requests/{request.pk}/", {"action": "answer", "answer": "我们存有您的账户信息。"})
    assert SubjectRequest.objects.get().state == "answered"
    assert "我们存有您的账户信息。" in signed_in(resident).get("/r/privacy/").content.decode()


def test_the_owner_registers_a_deletion_request_and_erases_through_the_page(world, signed_in):
    from gongzhi.privacy.models import SubjectRequest

    staff = signed_in(world.users.admin)
    form = staff.get("/console/privacy/requests/new/")
    assert form.status_code == 200
    refused = staff.post("/console/privacy/requests/new/", {"kind": "deletion", "owner": world.users.admin.pk,
                                                             "subject_name": "王五"})
    assert "a name alone does not identify anyone" in refused.content.decode()
    staff.post("/console/privacy/requests/new/", {"kind": "deletion", "owner": world.users.admin.pk,
                                                   "subject_name": "王五", "subject_phone": "13900000000"})
    request = SubjectRequest.objects.get()
    page = staff.post(f"/console/privacy/requests/{request.pk}/", {"action": "erase"}, follow=True).content.decode()
    assert 'data-erasure="privacy"' in page and "kept as the record that they were handled" in page
    assert SubjectRequest.objects.get().erased_at is not None


def test_the_api_files_lists_and_answers_requests(world, client):
    resident = world.users.resident
    client.force_login(resident)
    made = client.post("/api/v1/privacy/mine", {"kind": "correction", "details": "我的姓名写错了"},
                       content_type="application/json")
    assert made.status_code == 201
    request_id = made.json()["id"]
    assert client.get("/api/v1/privacy/mine").json()["items"][0]["id"] == request_id
    assert client.get("/api/v1/privacy/requests").status_code == 403
    assert client.get(f"/api/v1/privacy/requests/{request_id}").status_code == 403

    client.force_login(world.users.admin)
    listed = client.get("/api/v1/privacy/requests", {"state": "open"}).json()
    assert [row["id"] for row in listed["items"]] == [request_id]
    assert client.post(f"/api/v1/privacy/requests/{request_id}/erase").status_code == 422  # not a deletion request
    answered = client.post(f"/api/v1/privacy/requests/{request_id}/answer", {"answer": "已更正。"},
                           content_type="application/json")
    assert answered.status_code == 200 and answered.json()["state"] == "answered"
    again = client.post(f"/api/v1/privacy/requests/{request_id}/answer", {"answer": "再次"},
                        content_type="application/json")
    assert again.status_code == 422
    assert client.get("/api/v1/privacy/requests/999999").status_code == 404


def test_an_export_is_watermarked_and_listed_in_the_export_log(world, signed_in, new_case):
    import csv
    import io

    new_case()
    dispatcher = signed_in(world.users.dispatcher)
    response = dispatcher.get("/console/cases/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "dispatcher" in rows[-1][0] and rows[-2] == []  # who, after an empty line

    staff = signed_in(world.users.admin)
    html = staff.get("/console/privacy/exports/").content.decode()
    assert "data-export=" in html and "(csv)" in html and "dispatcher" in html
    assert "No export matches." in staff.get("/console/privacy/exports/", {"q": "nobody-such"}).content.decode()
    assert signed_in(world.users.dispatcher).get("/console/privacy/exports/").status_code == 403
