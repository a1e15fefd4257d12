"""The written agreement as a PDF: every element the law requires, a copy per party and one for the file,
a Chinese font embedded, and generating it is an audited reveal."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from gongzhi.audit.models import AuditEvent
from gongzhi.mediation.documents import agreement_pdf

from .conftest import OTHER_ID, VALID_ID

pytestmark = pytest.mark.django_db


def test_the_pdf_holds_every_required_element(world, dispute_in):
    dispute = dispute_in("agreed")
    agreement = dispute.agreement
    pdf = agreement_pdf(actor=world.users.mediator, agreement=agreement, reason="打印协议书供当事人签字")
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = text.replace(" ", "").replace("\n", "")
    for element in ["人民调解协议书", agreement.number, "永安里社区人民调解委员会",
                    "申请人", "张三", VALID_ID, "女", "被申请人", "李四", OTHER_ID, "男",  # basic information
                    "纠纷的主要事实", "楼上卫生间漏水致楼下受损", "争议事项", "维修费用由谁承担",
                    "各方当事人的责任", "楼上住户承担全部责任", "楼上住户赔偿维修费3000元",
                    "履行方式", "现金一次性支付", "履行期限",
                    "签名或按指印", "人民调解员（签名）", "mediator", "印章", "一式3份", "三十日内"]:
        assert element in compact, element
    assert "\ufffd" not in text and "□" not in text  # no missing glyphs
    # one copy per party and one for the file, each on its own page(s)
    for copy in ("第1份（申请人张三执）共3份", "第2份（被申请人李四执）共3份", "第3份（调委会存档）共3份"):
        assert copy in compact, copy
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fonts.append(any(k in descendant["/FontDescriptor"].get_object() for k in ("/FontFile2", "/FontFile3")))
    assert fonts and all(fonts)  # the CJK font is embedded
    event = AuditEvent.objects.get(action="mediation.agreement.pdf")
    assert event.reason == "打印协议书供当事人签字" and event.changes["copies"] == 3


def test_only_those_who_may_reveal_get_it(world, dispute_in):
    dispute = dispute_in("agreed")
    with pytest.raises(PermissionDenied):
        agreement_pdf(actor=world.users.comm_staff, agreement=dispute.agreement, reason="打印协议书供当事人签字")
    with pytest.raises(ValidationError):
        agreement_pdf(actor=world.users.mediator, agreement=dispute.agreement, reason="")
    assert not AuditEvent.objects.filter(action="mediation.agreement.pdf").exists()
