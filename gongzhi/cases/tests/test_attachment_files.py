"""A photo's file does not outlive the transaction that failed to record it."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from gongzhi.cases import machine, services
from gongzhi.cases.models import Attachment, Case, CaseEvent
from gongzhi.core import files


def png(colour="blue") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, format="PNG")
    return out.getvalue()


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_a_failed_audit_after_the_file_was_stored_leaves_no_file(world, new_case, media, monkeypatch):
    case = new_case()
    events = CaseEvent.objects.count()

    def audit_down(**kwargs):
        assert files_in(media), "the file is stored before the audit event"
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(machine, "record", audit_down)
    with pytest.raises(RuntimeError):
        services.add_attachment(case=case, actor=world.users.resident, content=png())
    assert files_in(media) == []
    assert not Attachment.objects.exists() and CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_a_later_refusal_in_the_same_transaction_deletes_the_earlier_photo(world, new_case, media):
    """Two photos of one report: the second is not an image, so neither is kept (as the report pages do)."""
    case = new_case()
    with pytest.raises(ValidationError), files.atomic():
        services.add_attachment(case=case, actor=world.users.resident, content=png())
        assert len(files_in(media)) == 1
        services.add_attachment(case=case, actor=world.users.resident, content=b"not an image")
    assert files_in(media) == []
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_committed_photo_keeps_its_file(world, new_case, media):
    attachment = services.add_attachment(case=new_case(), actor=world.users.resident, content=png())
    assert [p.name for p in files_in(media)] == [Path(attachment.file.name).name]


@pytest.mark.django_db
def test_a_photo_is_attached_after_a_change_the_uploader_did_not_see(world, new_case, media):
    """Found by the load test: a resident's photo was refused (409) because a dispatcher had
    dispatched the case between the submission and the upload. A photo only adds to the case."""
    seen = new_case()
    services.dispatch_case(case=Case.objects.get(pk=seen.pk), actor=world.users.dispatcher,
                           unit=world.units.chengguan)
    services.add_attachment(case=seen, actor=world.users.resident, content=png())
    now = Case.objects.get(pk=seen.pk)
    assert now.state == "dispatched" and now.attachments.count() == 1 and now.version == seen.version == 3
    # A caller that names the version it saw is still told when the case has moved on.
    with pytest.raises(machine.ConflictError):
        services.add_attachment(case=seen, actor=world.users.resident, content=png("red"), expected_version=0)
