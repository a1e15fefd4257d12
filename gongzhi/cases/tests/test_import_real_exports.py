"""Imports that hold up on real hotline exports (issue 14, item 3).

First-level categories, long letters, every problem counted in the user's language against the
column as written, changed orders updated with an audited diff or reported as conflicts, more
time formats, and an import that writes in short batches so a sign-in is never held up behind it.
"""

import csv
import datetime as dt
import io
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import importing
from gongzhi.cases.importing import import_cases
from gongzhi.cases.models import Case, CaseContact, CaseEvent, CaseState, Category
from gongzhi.cases.taxonomy import CATCH_ALL_NAME

from .conftest import POINT_A1, TZ

HEADERS = ["工单编号", "来电时间", "诉求类别", "紧急程度", "标题", "诉求内容", "地址", "经度", "纬度", "坐标系", "来电人",
           "联系电话"]


def order(hotline_id, *, received="2025-09-15 09:12:00", category="0201", title="夜间施工噪声",
          text="工地每晚十点后仍在施工。", urgency="一般", phone="13812345678", name="王秀英"):
    return [hotline_id, received, category, urgency, title, text, "永安里小区东侧", POINT_A1[0], POINT_A1[1], "WGS84",
            name, phone]


def csv_bytes(rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def run(actor, rows, headers=HEADERS, **options):
    return import_cases(actor=actor, data=csv_bytes(rows, headers), filename="hotline.csv", **options)


def counts():
    return (Case.objects.count(), CaseEvent.objects.count(), CaseContact.objects.count(), AuditEvent.objects.count())


@pytest.mark.django_db
def test_every_group_has_its_catch_all_and_a_first_level_category_goes_there(world):
    groups = Category.objects.filter(parent=None)
    assert all(g.children.filter(name=CATCH_ALL_NAME).exists() for g in groups)
    report = run(world.users.admin, [order("GD1", category="城乡建设"), order("GD2", category="01")])
    assert report.ok, report.errors
    assert {c.category.code for c in Case.objects.all()} == {"0100"}
    assert Case.objects.get(hotline_id="GD1").category.parent.name == "城乡建设"


@pytest.mark.django_db
def test_a_group_made_later_gets_its_catch_all_at_the_import_audited_and_not_in_a_dry_run(world):
    group = Category.objects.create(code="12", name="应急管理", sort_order=90)
    Category.objects.create(code="1201", name="防汛", parent=group)
    assert run(world.users.admin, [order("GD1", category="应急管理")], dry_run=True).ok
    assert not group.children.filter(name=CATCH_ALL_NAME).exists()  # a dry run writes nothing
    report = run(world.users.admin, [order("GD1", category="应急管理"), order("GD2", category="应急管理")])
    assert report.ok, report.errors
    leaf = group.children.get(name=CATCH_ALL_NAME)
    assert leaf.code == "1200" and set(Case.objects.values_list("category", flat=True)) == {leaf.pk}
    assert AuditEvent.objects.filter(action="cases.category.catch_all", object_id=str(leaf.pk)).count() == 1


@pytest.mark.django_db
def test_long_letters_are_kept_whole_up_to_20000_characters(world):
    letter = "尊敬的领导：" + "我们小区的问题反映多次未解决。" * 1300  # 19,506 characters
    report = run(world.users.admin, [order("GD1", text=letter, title="")])
    assert report.ok, report.errors
    case = Case.objects.get()
    assert case.description == letter and len(case.description) > 19_000
    assert case.title == "尊敬的领导：我们小区的问题反映多次未解决。我们小区的问题反…" and len(case.title) == 30

    with translation.override("zh-hans"):
        report = run(world.users.admin, [order("GD2", text="长" * 20_001)],
                     headers=[*HEADERS[:5], "问题描述", *HEADERS[6:]])
    assert [(p.row, p.column) for p in report.errors] == [(2, "问题描述")]  # the header as written
    assert "20000" in report.errors[0].message or "20,000" in report.errors[0].message
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_every_problem_is_counted_the_first_500_listed_in_the_users_language(world):
    before = counts()
    rows = [order(f"GD{n}", category="没有这个类别") for n in range(600)]
    with translation.override("zh-hans"):
        report = run(world.users.admin, rows, headers=[*HEADERS[:2], "问题分类", *HEADERS[3:]])
    assert report.error_count == 600 and len(report.errors) == 500 and report.truncated
    assert {p.column for p in report.errors} == {"问题分类"}
    assert "没有这个类别" in report.errors[0].message and "There is" not in report.errors[0].message
    assert counts() == before


@pytest.mark.django_db
def test_call_times_as_real_exports_write_them(world):
    times = {"GD1": "2019/2/28 9:05:05", "GD2": "2018/4/24", "GD3": "2019年2月28日 11时25分", "GD4": "2019.02.28 11:25",
             "GD5": "43524.5"}
    report = run(world.users.admin, [order(key, received=value) for key, value in times.items()])
    assert report.ok, report.errors
    got = {c.hotline_id: c.created_at.astimezone(TZ).replace(tzinfo=None) for c in Case.objects.all()}
    assert got == {"GD1": dt.datetime(2019, 2, 28, 9, 5, 5), "GD2": dt.datetime(2018, 4, 24),
                   "GD3": dt.datetime(2019, 2, 28, 11, 25), "GD4": dt.datetime(2019, 2, 28, 11, 25),
                   "GD5": dt.datetime(2019, 2, 28, 12, 0)}


@pytest.mark.django_db
def test_an_excel_serial_call_time_in_a_workbook(world, tmp_path):
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(order("GD1", received=43524.25))
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_cases(actor=world.users.admin, data=buffer.getvalue(), filename="h.xlsx")
    assert report.ok, report.errors
    assert Case.objects.get().created_at == dt.datetime(2019, 2, 28, 6, 0, tzinfo=TZ)


@pytest.mark.django_db
def test_a_changed_order_updates_its_case_with_an_audited_diff_and_the_same_file_again_changes_nothing(world):
    first = run(world.users.admin, [order("GD1"), order("GD2")])
    assert first.ok and first.created == 2
    case = Case.objects.get(hotline_id="GD1")
    version, events = case.version, CaseEvent.objects.count()

    again = run(world.users.admin, [order("GD1"), order("GD2")])
    assert again.ok and (again.created, again.updated, again.skipped) == (0, 0, 2)
    assert not AuditEvent.objects.filter(action="cases.import.update").exists()

    changed = run(world.users.admin, [order("GD1", text="工地每晚十点后仍在施工，已持续一周。", category="城乡建设",
                                            phone="13900001111"), order("GD2")])
    assert changed.ok, changed.errors
    assert (changed.created, changed.updated, changed.skipped) == (0, 1, 1)
    case.refresh_from_db()
    assert case.description == "工地每晚十点后仍在施工，已持续一周。" and case.category.code == "0100"
    assert case.version == version + 1 and CaseEvent.objects.count() == events
    assert CaseContact.objects.get(case=case).phone == "13900001111"
    audit = AuditEvent.objects.get(action="cases.import.update")
    assert audit.object_id == str(case.pk)
    assert audit.changes["description"] == ["工地每晚十点后仍在施工。", "工地每晚十点后仍在施工，已持续一周。"]
    assert audit.changes["category_id"][1] == case.category_id
    assert "13900001111" not in str(audit.changes)  # the contact's change is recorded masked

    assert run(world.users.admin, [order("GD1", text="工地每晚十点后仍在施工，已持续一周。", category="城乡建设",
                                         phone="13900001111")]).skipped == 1


@pytest.mark.django_db
def test_a_change_the_case_has_moved_past_is_reported_as_a_conflict_and_nothing_is_written(world):
    from gongzhi.cases import services

    assert run(world.users.admin, [order("GD1"), order("GD2")]).ok
    case = Case.objects.get(hotline_id="GD1")
    services.dispatch_case(case=case, actor=world.users.dispatcher, unit="U-CG")
    before = counts()
    with translation.override("en"):
        report = run(world.users.admin, [order("GD1", category="0204"), order("GD2", text="新的内容"), order("GD3")])
    assert [(p.row, p.column) for p in report.errors] == [(2, "工单编号")]
    assert "has been dispatched" in report.errors[0].message
    assert counts() == before and Case.objects.get(hotline_id="GD2").description == "工地每晚十点后仍在施工。"

    # Text alone may still be brought up to date while the case is open.
    report = run(world.users.admin, [order("GD1", text="补充：周末也施工。")])
    assert report.ok and report.updated == 1
    assert Case.objects.get(hotline_id="GD1").state == CaseState.DISPATCHED


@pytest.mark.django_db
def test_bad_input_is_refused_clearly_and_changes_nothing(world):
    before = counts()
    with translation.override("zh-hans"):
        report = import_cases(actor=world.users.admin, data=b"\x00\x01garbage", filename="h.xlsx")
        assert not report.ok and "XLSX" in report.errors[0].message
        report = run(world.users.admin, [order("GD1", text="控制字符\x1b[31m")])
        assert [(p.row, p.column) for p in report.errors] == [(2, "诉求内容")]
        report = run(world.users.admin, [order("GD1", received="2019年13月1日")])
        assert [(p.row, p.column) for p in report.errors] == [(2, "来电时间")]
        assert "不是有效的日期时间" in report.errors[0].message
    assert counts() == before


@pytest.mark.django_db
def test_the_writes_come_in_batches_of_whole_cases(world, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 3)
    monkeypatch.setattr(importing, "SQLITE_PAUSE", 0)
    seen, outside = [], len(connection.atomic_blocks)  # the test's own transaction

    def progress(phase, total):
        return lambda n: seen.append((phase, n, len(connection.atomic_blocks) > outside))

    report = run(world.users.admin, [order(f"GD{n}") for n in range(7)], progress=progress)
    assert report.ok and report.created == 7
    writes = [(n, atomic) for phase, n, atomic in seen if phase == "importing"]
    assert writes == [(3, False), (3, False), (1, False)]  # each batch committed before the next
    assert CaseEvent.objects.count() == CaseContact.objects.count() == 7


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sign_in_succeeds_while_an_import_runs(world, monkeypatch):
    """The import pauses between its batches (here: until the sign-in is done); it holds no lock then."""
    monkeypatch.setattr(importing, "BATCH", 2)
    monkeypatch.setattr(importing, "SQLITE_PAUSE", 0)
    first_batch_written, signed_in = threading.Event(), threading.Event()
    outcome = {}

    def progress(phase, total):
        def tick(n):
            if phase == "importing" and not first_batch_written.is_set():
                first_batch_written.set()
                signed_in.wait(timeout=30)
        return tick

    def import_in_a_thread():
        try:
            outcome["report"] = run(world.users.admin, [order(f"GD{n}") for n in range(6)], progress=progress)
        finally:
            connection.close()

    importer = threading.Thread(target=import_in_a_thread)
    importer.start()
    try:
        assert first_batch_written.wait(timeout=60)
        assert Case.objects.count() == 2  # the first batch is committed; the import is not finished
        client = Client()
        response = client.post(reverse("login"), {"username": "dispatcher", "password": "Gongzhi-test-2026"})
        assert response.status_code == 302 and client.session.get("_auth_user_id") == str(world.users.dispatcher.pk)
        world.users.dispatcher.refresh_from_db()
        assert world.users.dispatcher.last_login is not None  # the sign-in wrote, during the import
    finally:
        signed_in.set()
        importer.join(timeout=60)
    assert outcome["report"].ok and outcome["report"].created == 6


@pytest.mark.django_db
def test_imported_cases_get_work_order_numbers_of_their_call_day_in_order(world, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 2)
    monkeypatch.setattr(importing, "SQLITE_PAUSE", 0)
    rows = [order(f"GD{n}", received="2019/2/28 9:05" if n % 2 else "2019/3/1 10:00") for n in range(5)]
    assert run(world.users.admin, rows).ok
    numbers = dict(Case.objects.values_list("hotline_id", "number"))
    assert sorted(numbers.values()) == ["2019022800001", "2019022800002", "2019030100001", "2019030100002",
                                        "2019030100003"]
    assert numbers["GD0"] == "2019030100001" and numbers["GD1"] == "2019022800001"


@pytest.mark.django_db
def test_imported_orders_and_their_changed_letters_are_found_by_search(world):
    from gongzhi.cases import selectors

    def found(words):
        return [c.hotline_id for c in selectors.list_cases(world.users.admin, selectors.CaseFilters(q=words))]

    assert run(world.users.admin, [order("GD1", text="小区东门的路灯坏了一个月。", title="路灯不亮")]).ok
    assert found("路灯") == ["GD1"]
    assert run(world.users.admin, [order("GD1", text="小区东门的窨井盖松动，有人绊倒。", title="井盖松动")]).ok
    assert found("井盖") == ["GD1"] and found("路灯") == []
