"""The desk in a browser (issue 14, item 5): the printed work order is one A4 page however long the
case; choosing a reply template fills the reply as text. A CSP violation or script error fails (Watched)."""

from __future__ import annotations

import re

import pytest

from gongzhi.cases.models import Case, CaseState, ReplyTemplate

from .conftest import DESKTOP


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_printed_work_order_is_one_page_and_templates_fill_the_reply(world, case_in, watched):
    case = case_in(CaseState.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(title="长" * 100, address="址" * 200, description="描述很长。" * 800,
                                           reply="答复很长。" * 800)
    clerk = watched(viewport=DESKTOP, language="zh-hans")
    clerk.sign_in("cg_clerk")
    page = clerk.go(f"/console/cases/{case.pk}/print/")
    assert case.number in page.inner_text("[data-number]")
    pdf = page.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the work order prints on {pages} pages"

    ReplyTemplate.objects.create(unit=world.units.chengguan, category=case.category, name="已停工",
                                 text='<b>经核查</b>，已责令工地夜间停工。')
    Case.objects.filter(pk=case.pk).update(reply="")
    page = clerk.go(f"/console/cases/{case.pk}/")
    page.locator("#action-reply").evaluate("details => { details.open = true; }")
    page.select_option("select[data-reply-template]", label="已停工")
    assert page.input_value("#id_reply-content") == '<b>经核查</b>，已责令工地夜间停工。'
    assert page.locator("#action-reply b").count() == 0
