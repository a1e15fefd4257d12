"""Deliberation end to end in a real browser, in Chinese: a resident raises a proposal on a phone →
neighbours co-sign it → community staff take it up, put it on the agenda, mark it deliberated and put it
to an owners' vote (art. 278) → open it (the roll frozen) → the owners vote → staff close it (the
result with every figure) and publish the decision → the residents read it with the objection window.
A console error or a request to another host fails the test (the `watched` fixture)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.core.ids import make_id_number
from gongzhi.deliberation.models import Item, ItemState, Outcome, Proposal, ProposalState, Vote, VoteState
from gongzhi.noticeboard.models import Notice
from gongzhi.registry.models import Compound, Dwelling, DwellingRole, Person, Residence

from .conftest import DESKTOP, PHONE


def owner(make_user, grid, compound, n: int, area: str):
    """A resident's account whose mobile number is a registry person owning a dwelling of the compound."""
    phone = f"1391234{n:04d}"
    person = Person(grid=grid, name=f"业主{n}", id_number=make_id_number("110105", dt.date(1970, 5, 1), n),
                    birth_date=dt.date(1970, 5, 1), phone=phone)
    person.refresh_derived()
    person.save()
    dwelling = Dwelling(grid=grid, compound=compound, room=f"10{n}", exclusive_area=Decimal(area))
    dwelling.refresh_address_text()
    dwelling.save()
    Residence.objects.create(person=person, dwelling=dwelling, role=DwellingRole.OWNER)
    return make_user(f"owner{n}", Role.RESIDENT, grid, phone=phone)


def submit(page, selector):
    with page.expect_navigation():
        page.click(f"{selector} button[type=submit]")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_proposal_goes_to_a_vote_and_its_decision_is_published(tree, make_user, watched, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.DELIBERATION_SUPPORTERS_NEEDED = 2
    grid = tree["grid_a1"]
    compound = Compound.objects.create(name="永安里小区", grid=grid)
    owners = [owner(make_user, grid, compound, n, area) for n, area in enumerate(("100", "80", "60"), start=1)]
    make_user("delib_staff", Role.COMMUNITY_STAFF, tree["comm_a"], is_staff=True)

    # A resident raises a proposal on a phone.
    author = watched(viewport=PHONE, mobile=True)
    page = author.sign_in("owner1")
    page.goto(author.base_url + "/r/deliberation/new/")
    page.fill("#id_title", "加装电动车充电桩")
    page.fill("#id_body", "小区没有充电桩，电动车在楼道充电有火灾隐患。")
    submit(page, "form:has(#id_title)")
    assert page.url.endswith("/r/deliberation/")
    proposal = Proposal.objects.get()

    # Two neighbours co-sign; the second puts it in the agenda queue.
    for username in ("owner2", "owner3"):
        neighbour = watched(viewport=PHONE, mobile=True)
        page = neighbour.sign_in(username)
        page.goto(neighbour.base_url + "/r/deliberation/")
        submit(page, f'form[action="/r/deliberation/proposals/{proposal.pk}/support/"]')
        assert "您已附议该提案。" in page.content()
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.QUEUED and proposal.supporter_count == 2

    # Staff take it up and run it to a vote.
    staff = watched(viewport=DESKTOP)
    page = staff.sign_in("delib_staff")
    page.goto(staff.base_url + "/console/deliberation/")
    with page.expect_navigation():
        page.click(f'a[href="/console/deliberation/proposals/{proposal.pk}/"]')
    submit(page, 'form[data-action="take_up"]')
    item = Item.objects.get()
    assert page.url.endswith(f"/console/deliberation/items/{item.pk}/")
    submit(page, 'form[data-action="schedule"]')
    submit(page, 'form[data-action="deliberate"]')
    assert Item.objects.get().state == ItemState.DELIBERATED
    now = timezone.localtime()
    page.fill("#id_vote-question", "是否在小区加装电动车充电桩？")
    page.select_option("#id_vote-rule", "art278_ordinary")
    page.select_option("#id_vote-art278_item", "9")
    page.select_option("#id_vote-electorate", "owners")
    page.select_option("#id_vote-compound", str(compound.pk))
    page.fill("#id_vote-opens_at", (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_vote-closes_at", (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    submit(page, 'form[data-action="vote"]')
    vote = Vote.objects.get()
    assert page.url.endswith(f"/console/deliberation/votes/{vote.pk}/")
    submit(page, 'form[data-action="open"]')
    assert page.locator("#vote-state").inner_text() == "进行中"
    assert Vote.objects.get().state == VoteState.OPEN and Vote.objects.get().roll.count() == 3

    # The owners vote on their phones.
    for user, choice in zip(owners, ("yes", "yes", "no")):
        voter = watched(viewport=PHONE, mobile=True)
        page = voter.sign_in(user.username)
        page.goto(voter.base_url + f"/r/deliberation/votes/{vote.pk}/")
        label = page.locator(f'label:has(input[name="choice"][value="{choice}"])').inner_text()
        assert label.strip() == {"yes": "同意", "no": "反对"}[choice]
        page.check(f'input[name="choice"][value="{choice}"]')
        submit(page, 'form:has(input[name="choice"])')
        assert page.locator("#voted").count() == 1

    # The window closes; staff close the vote and publish the decision.
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    page = staff.page
    page.goto(staff.base_url + f"/console/deliberation/votes/{vote.pk}/")
    submit(page, 'form[data-action="close"]')
    result = page.locator("#result").inner_text()
    assert "参与表决面积" in result and result.endswith("→ 通过")
    item.refresh_from_db()
    assert item.state == ItemState.DECIDED and item.outcome == Outcome.ADOPTED
    page.goto(staff.base_url + f"/console/deliberation/items/{item.pk}/")
    submit(page, 'form[data-action="publish"]')
    assert Item.objects.get().state == ItemState.PUBLISHED
    assert Notice.objects.filter(title__contains="加装电动车充电桩").exists()

    # The residents read the decision, every figure of the vote and the objection window.
    page = author.page
    page.goto(author.base_url + f"/r/deliberation/items/{item.pk}/")
    assert "是否在小区加装电动车充电桩" in page.locator("#notice").inner_text()
    assert page.locator('textarea[name="object-text"]').count() == 1
