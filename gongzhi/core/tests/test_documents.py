"""core.documents: PDF generation with an embedded Chinese font."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from pypdf import PdfReader

from gongzhi.core import documents
from gongzhi.core.documents import DocumentError, render_pdf

NOTICE = "documents/sample_notice.html"


def notice_context(**extra):
    context = {
        "title": "关于调解协议履行情况的通知",
        "addressee": "张三、李四",
        "paragraphs": ["经人民调解委员会主持调解，双方自愿达成协议。", "请于三十日内申请司法确认。"],
        "table_headers": ["事项", "内容"],
        "rows": [("赔偿金额", "人民币伍仟元整"), ("履行期限", "2026年12月31日前")],
        "signatory": "王调解员",
        "issuer": "朝阳街道人民调解委员会",
        "date": "2026年12月5日",
    }
    context.update(extra)
    return context


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_every_element_is_in_the_pdf_in_chinese():
    pdf = render_pdf(NOTICE, notice_context(), number="GZ-2026-0001")
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in ["关于调解协议履行情况的通知", "张三、李四", "经人民调解委员会主持调解，双方自愿达成协议。",
                     "请于三十日内申请司法确认。", "事项", "内容", "赔偿金额", "人民币伍仟元整", "履行期限",
                     "王调解员", "朝阳街道人民调解委员会", "盖章", "2026年12月5日", "GZ-2026-0001"]:
        assert expected in text, expected
    assert "\ufffd" not in text and "□" not in text  # no missing-glyph boxes


def test_the_font_is_embedded():
    reader = PdfReader(io.BytesIO(render_pdf(NOTICE, notice_context(), number="GZ-2026-0002")))
    embedded = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            embedded.append(any(key in descriptor for key in ("/FontFile2", "/FontFile3")))
            assert "/ToUnicode" in font  # the glyphs map back to the Chinese text
    assert embedded and all(embedded)


@pytest.mark.usefixtures("chinese_default")
def test_page_numbers_and_number_on_every_page():
    long = notice_context(paragraphs=[f"第{i}段：调解内容。" for i in range(120)])
    reader = PdfReader(io.BytesIO(render_pdf(NOTICE, long, number="GZ-2026-0003")))
    pages = len(reader.pages)
    assert pages > 1
    for n, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert "编号：GZ-2026-0003" in text
        assert f"第 {n} 页 / 共 {pages} 页" in text


def test_the_footer_and_errors_in_english():
    text = text_of(render_pdf(NOTICE, notice_context(), number="GZ-2026-0004"))
    assert "No. GZ-2026-0004 · page 1 of 1" in text
    with pytest.raises(DocumentError, match="No document template “documents/nope.html”"):
        render_pdf("documents/nope.html", notice_context(), number="GZ-1")


def test_values_are_escaped():
    text = text_of(render_pdf(NOTICE, notice_context(addressee="<b>赵六</b>"), number="GZ-1"))
    assert "<b>赵六</b>" in text


@pytest.mark.usefixtures("chinese_default")
def test_a_missing_template_is_a_clear_error():
    with pytest.raises(DocumentError, match="没有文书模板“documents/nope.html”"):
        render_pdf("documents/nope.html", notice_context(), number="GZ-1")


@pytest.mark.usefixtures("chinese_default")
def test_a_missing_context_value_is_a_clear_error():
    context = notice_context()
    del context["signatory"]
    with pytest.raises(DocumentError, match="文书缺少字段“signatory”的值"):
        render_pdf(NOTICE, context, number="GZ-1")


def test_a_number_is_required():
    with pytest.raises(DocumentError):
        render_pdf(NOTICE, notice_context(), number="")


def test_a_configured_font_that_does_not_exist_fails_loudly(tmp_path):
    with override_settings(DOCUMENT_FONT_PATH=str(tmp_path / "none.ttf")):
        with pytest.raises(ImproperlyConfigured, match="DOCUMENT_FONT_PATH"):
            render_pdf(NOTICE, notice_context(), number="GZ-1")


def test_no_font_anywhere_fails_loudly(monkeypatch):
    assert documents.check_document_font() == []
    monkeypatch.setattr(documents, "_discover_font", lambda: "")
    [warning] = documents.check_document_font()
    assert warning.id == "gongzhi.documents.W001" and "DOCUMENT_FONT_PATH" in warning.msg
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
        render_pdf(NOTICE, notice_context(), number="GZ-1")


def test_the_default_font_is_the_chinese_one_of_make_chromium():
    assert Path(documents.font_path()).is_file()
    assert "wqy" in documents.font_path() or "CJK" in documents.font_path()
