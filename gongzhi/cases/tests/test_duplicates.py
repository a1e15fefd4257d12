"""Duplicates at intake: similar open cases nearby, 附议 (adding one's voice), exact repeats of a caller.

Through the services and selectors; the pages and the API are in test_duplicates_faces.py.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gongzhi.accounts.actors import command_actor
from gongzhi.audit.models import AuditEvent
from gongzhi.cases import duplicates, services
from gongzhi.cases.models import Case, CaseState, CaseSupporter
from gongzhi.cases.services.hotline import register_hotline_case

from .conftest import POINT_A1, POINT_B1, reload

LAMP_TITLE = "北门路灯坏了"
LAMP_TEXT = "永安里小区北门的路灯坏了三天了，晚上很黑，老人孩子出入不安全。请尽快修理。联系电话138-0013-8000。"
# The same problem told by someone else: reworded, other punctuation, the phone written differently.
LAMP_AGAIN_TITLE = "永安里北门路灯不亮"
LAMP_AGAIN_TEXT = "永安里小区北门路灯已经坏了3天，晚上一片漆黑！！老人和孩子进出不安全，请尽快维修 联系13800138000"
SMOKE_TITLE = "楼下饭店油烟扰民"
SMOKE_TEXT = "永安里小区3号楼下的饭店每天晚上排放油烟，窗户都不能开，请管一管。"
# 60 m east of POINT_A1, still in grid A1; and a point of grid A2 a few metres across the border.
NEAR_A1 = (116.4457, 39.905)
EDGE_A1 = (116.4498, 39.905)
EDGE_A2 = (116.4502, 39.905)


@pytest.fixture
def lamp(world, lamp_category):
    return _make(world, POINT_A1, LAMP_TITLE, LAMP_TEXT, lamp_category, reporter=world.users.resident)


@pytest.fixture
def lamp_category():
    from gongzhi.cases.models import Category

    leaves = Category.objects.filter(is_active=True, children__isnull=True).order_by("code")
    return leaves.filter(name__contains="路灯").first() or leaves.first()


def _make(world, point, title, text, category, reporter=None, **extra):
    return services.create_case(actor=reporter or world.users.neighbour, channel="web", category=category,
                                title=title, description=text, lon=point[0], lat=point[1], **extra)


def test_a_reworded_report_nearby_is_found(world, lamp, lamp_category):
    found = duplicates.already_reported(title=LAMP_AGAIN_TITLE, description=LAMP_AGAIN_TEXT, lon=NEAR_A1[0],
                                        lat=NEAR_A1[1])
    assert [r.id for r in found] == [lamp.pk]
    shown = found[0]
    assert shown.similarity >= 45 and shown.place == "永安里第一网格" and shown.distance_m < 100
    assert "138****8000" in shown.title or "138" not in shown.title  # numbers in a title are masked
    assert shown.supporters == 0 and shown.state == CaseState.RECEIVED


def test_an_unrelated_case_nearby_is_not_found(world, lamp, lamp_category):
    _make(world, NEAR_A1, SMOKE_TITLE, SMOKE_TEXT, lamp_category)
    found = duplicates.already_reported(title=SMOKE_TITLE + "又来了", description=SMOKE_TEXT.replace("。", "！"),
                                        lon=POINT_A1[0], lat=POINT_A1[1])
    assert lamp.pk not in [r.id for r in found]
    assert len(found) == 1  # the smoke case only
    unrelated = duplicates.already_reported(title="求职咨询", description="请问社区有没有公益性岗位招聘信息？",
                                            lon=POINT_A1[0], lat=POINT_A1[1])
    assert unrelated == []


def test_a_similar_case_in_another_grid_far_away_is_not_found(world, lamp_category):
    far = _make(world, POINT_B1, LAMP_TITLE, LAMP_TEXT, lamp_category)  # ~1.1 km north, grid B1
    found = duplicates.already_reported(title=LAMP_AGAIN_TITLE, description=LAMP_AGAIN_TEXT, lon=POINT_A1[0],
                                        lat=POINT_A1[1])
    assert far.pk not in [r.id for r in found]


def test_across_a_grid_border_within_the_radius_is_found(world, lamp_category, settings):
    other_side = _make(world, EDGE_A2, LAMP_TITLE, LAMP_TEXT, lamp_category)
    assert other_side.grid.code.endswith("002")
    found = duplicates.already_reported(title=LAMP_AGAIN_TITLE, description=LAMP_AGAIN_TEXT, lon=EDGE_A1[0],
                                        lat=EDGE_A1[1])
    assert [r.id for r in found] == [other_side.pk]
    settings.CASE_DUPLICATE_RADIUS_M = 0  # the radius is a setting: without it, only the same grid counts
    assert duplicates.already_reported(title=LAMP_AGAIN_TITLE, description=LAMP_AGAIN_TEXT, lon=EDGE_A1[0],
                                       lat=EDGE_A1[1]) == []


def test_only_open_recent_cases_count(world, lamp, lamp_category, settings):
    old = _make(world, POINT_A1, LAMP_TITLE, LAMP_TEXT, lamp_category, at=timezone.now() - timedelta(days=45))
    cancelled = _make(world, POINT_A1, LAMP_TITLE, LAMP_TEXT, lamp_category)
    services.cancel_case(case=cancelled, actor=world.users.dispatcher, reason="重复受理")
    found = [r.id for r in duplicates.already_reported(title=LAMP_AGAIN_TITLE, description=LAMP_AGAIN_TEXT,
                                                       lon=POINT_A1[0], lat=POINT_A1[1])]
    assert found == [lamp.pk]
    settings.CASE_DUPLICATE_WINDOW_DAYS = 60
    found = [r.id for r in duplicates.already_reported(title=LAMP_AGAIN_TITLE, description=LAMP_AGAIN_TEXT,
                                                       lon=POINT_A1[0], lat=POINT_A1[1])]
    assert sorted(found) == sorted([lamp.pk, old.pk])


def test_a_case_named_by_community_only_is_a_candidate(world, lamp_category):
    by_region = services.create_case(actor=world.users.dispatcher, channel="hotline_12345", category=lamp_category,
                                     title=LAMP_TITLE, description=LAMP_TEXT, region=world.tree["comm_a"].code)
    found = duplicates.already_reported(title=LAMP_AGAIN_TITLE, description=LAMP_AGAIN_TEXT, lon=POINT_A1[0],
                                        lat=POINT_A1[1])
    assert [r.id for r in found] == [by_region.pk]
    assert found[0].place == "永安里社区" and found[0].distance_m is None


def test_a_bad_place_is_refused_with_the_field(world):
    with pytest.raises(ValidationError) as err:
        duplicates.already_reported(title="路灯", description="坏了", lon=10.0, lat=10.0)
    assert "lon" in err.value.message_dict


def test_staff_see_candidates_of_their_area_only(world, lamp, lamp_category):
    again = _make(world, NEAR_A1, LAMP_AGAIN_TITLE, LAMP_AGAIN_TEXT, lamp_category)
    matches = duplicates.similar_for(world.users.dispatcher, again)
    assert [m.case.pk for m in matches] == [lamp.pk]
    assert duplicates.similar_for(world.users.grid_b1, again) == []  # lamp lies in grid A1
    assert [m.case.pk for m in duplicates.similar_for(world.users.grid_a1, lamp)] == [again.pk]


def test_staff_merge_a_candidate_with_the_existing_action(world, lamp, lamp_category):
    again = _make(world, NEAR_A1, LAMP_AGAIN_TITLE, LAMP_AGAIN_TEXT, lamp_category)
    match = duplicates.similar_for(world.users.dispatcher, again)[0]
    merged = services.merge_case(case=again, actor=world.users.dispatcher, parent=match.case.pk)
    assert merged.state == CaseState.MERGED and merged.parent_id == lamp.pk
    assert duplicates.similar_for(world.users.dispatcher, lamp) == []  # a merged case is no longer open


# --- 附议 -----------------------------------------------------------------------------

def test_support_is_counted_once_per_person_and_audited(world, lamp):
    supporter = services.support_case(case=lamp, actor=world.users.neighbour)
    assert reload(lamp).supporter_count == 1 and supporter.user == world.users.neighbour
    event = AuditEvent.objects.get(action="cases.support")
    assert event.changes["case"] == [None, lamp.pk]
    with pytest.raises(ValidationError) as err:
        services.support_case(case=lamp.pk, actor=world.users.neighbour)
    assert "already added your voice" in err.value.message_dict["case"][0]
    assert reload(lamp).supporter_count == 1 and CaseSupporter.objects.count() == 1
    services.support_case(case=lamp.pk, actor=world.users.leader)  # any person, not only residents
    assert reload(lamp).supporter_count == 2
    assert reload(lamp).version == lamp.version  # no conflict with what the unit does


def test_support_is_refused_clearly(world, lamp, case_in):
    with pytest.raises(ValidationError, match="yourself"):
        services.support_case(case=lamp, actor=world.users.resident)
    closed = case_in(CaseState.CLOSED)
    with pytest.raises(ValidationError, match="only an open case"):
        services.support_case(case=closed, actor=world.users.neighbour)
    merged = case_in(CaseState.MERGED)
    with pytest.raises(ValidationError, match=f"merged into case #{merged.parent_id}"):
        services.support_case(case=merged, actor=world.users.neighbour)
    with pytest.raises(ValidationError, match="no such case"):
        services.support_case(case=10**12, actor=world.users.neighbour)
    with pytest.raises(PermissionDenied):
        services.support_case(case=lamp, actor=command_actor("test"))
    assert CaseSupporter.objects.count() == 0 and not AuditEvent.objects.filter(action="cases.support").exists()


def test_support_message_in_chinese(world, lamp):
    from django.utils import translation

    services.support_case(case=lamp, actor=world.users.neighbour)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as err:
        services.support_case(case=lamp, actor=world.users.neighbour)
    assert "附议" in err.value.message_dict["case"][0]


# --- exact repeats ----------------------------------------------------------------------

def test_exact_repeats_of_the_same_caller(world, lamp_category):
    first = register_hotline_case(
        actor=world.users.dispatcher, hotline_id="H-1", category=lamp_category, title=LAMP_TITLE,
        description=LAMP_TEXT, lon=POINT_A1[0], lat=POINT_A1[1], caller_phone="138 0013 8000")
    assert duplicates.exact_repeat_of(description=LAMP_TEXT + "\n", phone="138-0013-8000") == first.pk
    assert duplicates.exact_repeat_of(description=LAMP_TEXT, phone="13900139000") is None  # another caller
    assert duplicates.exact_repeat_of(description=LAMP_AGAIN_TEXT, phone="13800138000") is None  # reworded
    found = duplicates.exact_repeats([("别的事", "13900139000"), (LAMP_TEXT, "13800138000"), ("别的事", "139-0013-9000"),
                                      ("别的事", ""), ("别的事", "13900139000")])
    assert found == [None, duplicates.Repeat(case_id=first.pk), duplicates.Repeat(item=0), None,
                     duplicates.Repeat(item=0)]


def test_the_hotline_import_warns_of_exact_repeats_and_imports_them(world, tmp_path, capsys, lamp_category):
    from django.core.management import call_command

    from gongzhi.cases.importing import import_cases

    from .test_import import csv_file

    register_hotline_case(actor=world.users.dispatcher, hotline_id="OLD-1", category=lamp_category,
                          title=LAMP_TITLE, description=LAMP_TEXT, lon=POINT_A1[0], lat=POINT_A1[1],
                          caller_phone="13800138000")
    row = ["", "2025-09-15 09:12:00", lamp_category.code, "一般", "", "", "", POINT_A1[0], POINT_A1[1], "WGS84",
           "王秀英", ""]
    data = [
        [*row[:5], LAMP_TEXT + " ", *row[6:11], "138 0013 8000"],   # the stored case again, same caller
        [*row[:5], SMOKE_TEXT, *row[6:11], "13900139000"],
        [*row[:5], SMOKE_TEXT, *row[6:11], "139-0013-9000"],        # row 3 again
        [*row[:5], SMOKE_TEXT, *row[6:11], "13700137000"],          # same text, another caller: no warning
    ]
    for n, line in enumerate(data):
        line[0] = f"GD-R{n}"
    path = csv_file(tmp_path, data)
    report = import_cases(actor=world.users.dispatcher, data=path.read_bytes(), filename=path.name, dry_run=True)
    assert report.ok and report.created == 4
    old = Case.objects.get(hotline_id="OLD-1")
    assert [(w.row, w.column) for w in report.warnings] == [(2, "诉求内容"), (4, "诉求内容")]
    assert f"case #{old.pk}" in report.warnings.listed[0].message and "row 3" in report.warnings.listed[1].message
    call_command("import_cases", str(path), "--no-progress", "--as-user", "dispatcher", "--language", "zh-hans")
    out = capsys.readouterr().out
    assert "第 2 行" in out and "2 " in out
    assert Case.objects.filter(hotline_id__startswith="GD-R").count() == 4  # imported all the same
