"""The console's hotline import page: upload, progress, the problem report as XLSX beside each row."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.cases.models import Case, ImportRun, ImportState

from .conftest import POINT_A1

pytestmark = pytest.mark.django_db

HEADERS = ["工单编号", "来电时间", "诉求类别", "紧急程度", "标题", "诉求内容", "地址", "经度", "纬度", "坐标系", "来电人",
           "联系电话"]


def upload(rows, name="hotline.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def good(n):
    return [f"GD{n}", "2019/2/28 9:05:05", "城乡建设", "一般", "路灯不亮", "小区路灯坏了。", "永安里", POINT_A1[0], POINT_A1[1],
            "", "王秀英", "13812345678"]


def test_upload_imports_in_the_background_and_shows_the_outcome(world, signed_in, django_capture_on_commit_callbacks):
    client = signed_in(world.users.dispatcher, language="zh-hans")
    page = client.get("/console/imports/").content.decode()
    assert "热线导入" in page and 'enctype="multipart/form-data"' in page
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued once the run is committed
        response = client.post("/console/imports/", {"file": upload([good(1), good(2)])})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?run={run.pk}")
    # The immediate task backend ran it at once; a worker would take it from the queue instead.
    progress = client.get(f"/console/imports/progress/?run={run.pk}").json()
    assert progress["finished"] and progress["state"] == ImportState.DONE and progress["created"] == 2
    assert Case.objects.count() == 2 and run.created_by == world.users.dispatcher
    run.refresh_from_db()
    assert run.data is None  # the file is dropped after a clean import
    html = client.get(f"/console/imports/?run={run.pk}").content.decode()
    assert "2 行：新建 2 件，更新 0 件，未变 0 件；问题 0 个。" in html
    assert AuditEvent.objects.filter(action="cases.import.start", object_id=str(run.pk)).exists()


def test_a_refused_file_offers_its_problems_as_xlsx_beside_each_row(world, signed_in,
                                                                    django_capture_on_commit_callbacks):
    client = signed_in(world.users.dispatcher, language="zh-hans")
    bad = good(2)
    bad[2] = "没有这个类别"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/console/imports/", {"file": upload([good(1), bad])})
    run = ImportRun.objects.get()
    assert run.state == ImportState.REFUSED and run.problem_count == 1 and Case.objects.count() == 0
    html = client.get(f"/console/imports/?run={run.pk}").content.decode()
    assert "没有这个类别" in html and "诉求类别" in html and "problems.xlsx" in html
    response = client.get(f"/console/imports/problems.xlsx?run={run.pk}")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("行", "问题") and rows[0][2:4] == ("工单编号", "来电时间")
    assert rows[1][0] == 3 and "诉求类别" in rows[1][1] and rows[1][2] == "GD2"
    assert "13812345678" not in str(rows)  # the caller's phone is masked in the download


def test_bad_uploads_are_refused_on_the_form_and_start_nothing(world, signed_in):
    client = signed_in(world.users.dispatcher, language="zh-hans")
    response = client.post("/console/imports/", {"file": SimpleUploadedFile("notes.txt", b"hello")})
    assert response.status_code == 400 and "只能导入 .xlsx 和 .csv 文件" in response.content.decode()
    response = client.post("/console/imports/", {})
    assert response.status_code == 400
    assert not ImportRun.objects.exists()


def test_a_run_is_its_starters_alone(world, signed_in):
    signed_in(world.users.dispatcher).post("/console/imports/", {"file": upload([good(1)])})
    run = ImportRun.objects.get()
    client = signed_in(world.users.admin)
    assert client.get(f"/console/imports/?run={run.pk}").status_code == 404
    assert client.get(f"/console/imports/progress/?run={run.pk}").status_code == 404
    assert client.get(f"/console/imports/problems.xlsx?run={run.pk}").status_code == 404
    assert client.get("/console/imports/progress/?run=x").status_code == 404
    assert signed_in(world.users.leader).get("/console/imports/").status_code == 403


def test_a_fault_during_the_import_ends_the_run_with_a_plain_message_and_is_logged(
        world, signed_in, django_capture_on_commit_callbacks, monkeypatch, caplog):
    from gongzhi.cases import importing

    def broken(**_kwargs):
        raise RuntimeError("database connection string postgres://secret@db")

    monkeypatch.setattr(importing, "import_cases", broken)
    client = signed_in(world.users.dispatcher, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/console/imports/", {"file": upload([good(1)])})
    run = ImportRun.objects.get()
    progress = client.get(f"/console/imports/progress/?run={run.pk}").json()
    assert progress["finished"] and progress["state"] == ImportState.FAILED
    html = client.get(f"/console/imports/?run={run.pk}").content.decode()
    assert "系统故障" in html and "secret" not in html
    assert any("hotline import run" in r.getMessage() and r.exc_info for r in caplog.records)
    assert Case.objects.count() == 0
