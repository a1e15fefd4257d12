"""The export log: every watermarked file becomes one ``export.file`` audit event naming who, what, rows and why."""

from datetime import datetime, timezone

import pytest

from gongzhi.audit.models import AuditEvent
from gongzhi.core import exports

MARK = exports.Watermark(who="王五 (wangwu)", when=datetime(2026, 12, 6, 1, 2, 3, tzinfo=timezone.utc), why="核对名单")


@pytest.mark.django_db
def test_each_watermarked_file_is_logged_and_a_blank_template_is_not():
    exports.xlsx("名单", ["姓名"], [["张三"], ["李四"]], watermark=MARK)
    exports.csv_bytes([["h"], ["1"]], watermark=MARK, title="名单")
    exports.xlsx("模板", ["姓名"], [], watermark=None)
    logged = list(AuditEvent.objects.filter(action="export.file").order_by("id"))
    assert [(e.changes["format"], e.object_repr, e.changes["rows"], e.changes["who"], e.changes["why"])
            for e in logged] == [("xlsx", "名单", 3, "王五 (wangwu)", "核对名单"), ("csv", "名单", 2, "王五 (wangwu)", "核对名单")]
