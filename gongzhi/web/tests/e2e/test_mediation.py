"""A mediator in a browser (issue 16): registers a walk-in dispute with one party from the registry and one
entered, assigns it, records both parties' consent and a session, records the written agreement and
downloads its PDF. A CSP violation, script error or failed request fails the test (Watched)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEvent
from gongzhi.mediation.models import Committee, Dispute, DisputeState, Tier
from gongzhi.registry.models import Person

from .conftest import DESKTOP


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_mediator_registers_mediates_and_downloads_the_agreement(tree, make_user, watched, tmp_path):
    unit = Unit.objects.create(code="E2E-TWH", name="永安里社区人民调解委员会", kind=UnitKind.MEDIATION_COMMITTEE,
                               region=tree["comm_a"])
    Committee.objects.create(unit=unit, tier=Tier.COMMUNITY)
    make_user("e2e_mediator", Role.MEDIATOR, region=tree["comm_a"], unit=unit, display_name="调解员 赵敏")
    person = Person(name="李四", id_number="110105198001010016", phone="13800138000", grid=tree["grid_a1"])
    person.refresh_derived()
    person.save()

    mediator = watched(viewport=DESKTOP, language="zh-hans")
    page = mediator.sign_in("e2e_mediator")
    assert page.url.endswith("/console/mediation/")  # the mediator's home
    assert page.locator("[data-empty]").count() == 1

    page.click("a.button.primary[href='/console/mediation/new/']")
    page.select_option("#d-type", "neighbours")
    page.fill("#d-title", "楼上漏水纠纷")
    page.fill("#d-facts", "楼上卫生间漏水，楼下天花板受损。")
    page.fill("#d-claims", "赔偿维修费用")
    page.fill("#d-amount", "3500")
    page.select_option("#d-grid", tree["grid_a1"].code)
    page.fill("#p0-name", "张三")
    page.fill("#p0-id", "11010519491231002X")
    page.fill("#p0-phone", "13912345678")
    page.fill("#p0-address", "北京市朝阳区永安里小区3号楼2单元501")
    # the respondent from the registry: search, then choose among the (masked) matches
    page.fill("#p1-q", "李四")
    page.click("button[value='find-1']")
    page.wait_for_load_state()
    page.select_option("#p1-pick", f"person:{person.pk}")
    assert page.input_value("#d-title") == "楼上漏水纠纷"  # what was typed stays across the search
    page.click("button[value='register']")
    page.wait_for_load_state()
    dispute = Dispute.objects.get()
    assert page.url.endswith(f"/console/mediation/{dispute.pk}/")
    assert page.get_attribute("[data-dispute]", "data-state") == "registered"
    assert "11010519491231002X" not in page.content()  # masked on the page

    page.check(f"[data-action='assign'] input[name='mediators']")
    page.click("[data-action='assign'] button[type=submit]")
    page.wait_for_load_state()
    assert page.get_attribute("[data-dispute]", "data-state") == "assigned"
    for party in dispute.parties.order_by("id"):
        page.click(f"button[data-consent='{party.pk}']")
        page.wait_for_load_state()

    session = page.locator("[data-action='session']")
    session.locator("input[name='place']").fill("永安里社区调解室")
    session.locator("textarea[name='attendees']").fill("张三、李四、调解员赵敏")
    session.locator("textarea[name='statements']").fill("双方陈述了漏水经过，查看了现场。")
    session.locator("textarea[name='proposal']").fill("楼上住户承担维修费用")
    session.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_attribute("[data-dispute]", "data-state") == "mediating"
    assert page.locator("[data-session]").count() == 1

    agree = page.locator("[data-action='agree']")
    agree.locator("summary").click()
    agree.locator("select[name='form']").select_option("written")
    agree.locator("textarea[name='responsibilities']").fill("楼上住户承担全部责任")
    agree.locator("textarea[name='content']").fill("楼上住户赔偿楼下维修费3000元")
    agree.locator("input[name='performance_manner']").fill("现金一次性支付")
    agree.locator("input[name='performance_due']").fill((timezone.localdate() + dt.timedelta(days=10)).isoformat())
    agree.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_attribute("[data-dispute]", "data-state") == "agreed"
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.AGREED

    page.fill("#pdf-reason", "打印协议书供当事人签字")
    with page.expect_download() as download_info:
        page.click("[data-pdf] button[type=submit]")
    path = tmp_path / "agreement.pdf"
    download_info.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages).replace(" ", "")
    assert "人民调解协议书" in text and dispute.agreement.number in text and "11010519491231002X" in text
    assert AuditEvent.objects.filter(action="mediation.agreement.pdf", reason="打印协议书供当事人签字").count() == 1
    page.screenshot(path=str(tmp_path / "mediation.png"), full_page=True)
