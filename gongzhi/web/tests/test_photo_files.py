"""A report or action that fails after its first photo was stored leaves no file behind."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.cases.models import Attachment, Case, CaseState
from gongzhi.cases.services import attachments

from .conftest import POINT_A1, png_bytes


def files_in(root) -> list[Path]:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def second_photo_refused(monkeypatch):
    """The service refuses the second photo (after the first one's file is stored)."""
    real, calls = attachments.check_image, []

    def check(data, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValidationError({"file": "refused by the test"})
        return real(data, **kwargs)

    monkeypatch.setattr(attachments, "check_image", check)


def two_photos():
    return [SimpleUploadedFile("a.png", png_bytes(), "image/png"),
            SimpleUploadedFile("b.png", png_bytes((0, 90, 0)), "image/png")]


@pytest.mark.django_db
def test_a_resident_report_refused_at_its_second_photo_keeps_no_file(world, signed_in, settings,
                                                                     second_photo_refused):
    client = signed_in(world.users.resident)
    response = client.post("/r/new/", {
        "category": "0201", "title": "夜间施工噪声", "description": "工地每晚十点后仍在施工。",
        "lon": POINT_A1[0], "lat": POINT_A1[1], "photos": two_photos()})
    assert response.status_code == 200 and "refused by the test" in response.content.decode()
    assert not Case.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_a_console_reply_refused_at_its_second_photo_keeps_no_file(world, signed_in, settings, case_in,
                                                                   second_photo_refused):
    case = case_in(CaseState.IN_PROGRESS)
    client = signed_in(world.users.cg_clerk)
    response = client.post(f"/console/cases/{case.pk}/", {
        "action": "reply", "version": case.version, "reply-content": "已处理", "reply-photos": two_photos()})
    assert response.status_code == 200 and "refused by the test" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and not Attachment.objects.exists()
    assert files_in(settings.MEDIA_ROOT) == []
