"""The staff console over HTTP: answering and merging proposals, running an item to a vote, opening and closing
it, the roll's corrections, paper ballots, meetings; each refusal shown in the user's language, nothing changed."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from gongzhi.deliberation import services
from gongzhi.deliberation.models import (
    Item,
    ItemState,
    Meeting,
    MeetingParticipant,
    MeetingState,
    Participation,
    Proposal,
    ProposalState,
    RollChange,
    RollEntry,
    Vote,
    VoteState,
)

from .test_votes import PDF, deliberated_item, owners_vote

pytestmark = pytest.mark.django_db


def _as(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def proposals(tree, resident):
    author, _p = resident()
    other, _p = resident()
    first = services.raise_proposal(actor=author, title="加装电梯", body="老楼没有电梯", region=tree["grid_a1"])
    duplicate = services.raise_proposal(actor=other, title="装电梯", body="同上", region=tree["grid_a1"])
    return first, duplicate


def test_staff_merge_a_duplicate_and_decline_with_an_answer(client, staff, proposals):
    first, duplicate = proposals
    url = reverse("deliberation_staff_proposal", args=[duplicate.pk])
    page = _as(client, staff["community_a"]).get(url)
    assert page.status_code == 200 and "Merge a duplicate" in page.content.decode()
    merged = client.post(url, {"action": "merge", "merge-into": first.pk, "merge-answer": ""})
    assert merged.status_code == 302
    duplicate.refresh_from_db()
    first.refresh_from_db()
    assert duplicate.state == ProposalState.MERGED and duplicate.merged_into == first
    assert first.supporter_count == 1  # the duplicate's author now supports the first
    again = client.post(url, {"action": "decline", "decline-answer": "重复"})
    assert again.status_code == 400 and "already dealt with" in again.content.decode()
    empty = _as(client, staff["community_a"], "zh-hans").post(
        reverse("deliberation_staff_proposal", args=[first.pk]), {"action": "decline", "decline-answer": ""})
    assert empty.status_code == 400 and "这个字段是必填项。" in empty.content.decode()
    assert Proposal.objects.get(pk=first.pk).state == ProposalState.OPEN


def test_a_leader_sees_the_pages_but_not_the_forms_and_cannot_post(client, staff, proposals):
    first, _d = proposals
    url = reverse("deliberation_staff_proposal", args=[first.pk])
    page = _as(client, staff["leader"]).get(url)
    assert page.status_code == 200 and "Take up" not in page.content.decode()
    refused = client.post(url, {"action": "decline", "decline-answer": "不予采纳"})
    assert refused.status_code == 403
    assert Proposal.objects.get(pk=first.pk).state == ProposalState.OPEN


def test_staff_take_up_schedule_deliberate_put_to_vote_open_and_close(client, staff, tree, compound, proposals,
                                                                      resident, add_dwelling):
    owner, _person = resident()
    add_dwelling("100", _person)
    first, _d = proposals
    client = _as(client, staff["community_a"])
    taken = client.post(reverse("deliberation_staff_proposal", args=[first.pk]),
                        {"action": "take_up", "take_up-title": "", "take_up-body": ""})
    item = Item.objects.get()
    assert taken.status_code == 302 and taken["Location"] == reverse("deliberation_staff_item", args=[item.pk])
    url = reverse("deliberation_staff_item", args=[item.pk])
    stale = client.post(url, {"action": "schedule", "version": item.version + 5, "schedule-note": ""})
    assert stale.status_code == 400 and "changed this item meanwhile" in stale.content.decode()
    for action in ("schedule", "deliberate"):
        version = Item.objects.get().version
        assert client.post(url, {"action": action, "version": version, f"{action}-note": ""}).status_code == 302
    assert Item.objects.get().state == ItemState.DELIBERATED
    now = timezone.localtime()
    fields = {"action": "vote", "version": Item.objects.get().version, "vote-question": "是否加装电梯？",
              "vote-rule": "art278_ordinary", "vote-art278_item": "", "vote-electorate": "owners",
              "vote-compound": compound.pk, "vote-opens_at": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
              "vote-closes_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
    refused = client.post(url, fields)
    assert refused.status_code == 400 and "Name the matter of art. 278" in refused.content.decode()
    assert not Vote.objects.exists()
    made = client.post(url, {**fields, "vote-art278_item": "9"})
    vote = Vote.objects.get()
    assert made.status_code == 302 and vote.state == VoteState.DRAFT
    vote_url = reverse("deliberation_staff_vote", args=[vote.pk])
    assert client.post(vote_url, {"action": "open", "open-id_numbers": ""}).status_code == 302
    vote.refresh_from_db()
    assert vote.state == VoteState.OPEN and RollEntry.objects.filter(vote=vote).count() == 1
    early = client.post(vote_url, {"action": "close", "close-note": ""})
    assert early.status_code == 400 and "cannot be tallied before" in early.content.decode()
    Vote.objects.filter(pk=vote.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1),
                                           opens_at=timezone.now() - dt.timedelta(days=1))
    assert client.post(vote_url, {"action": "close", "close-note": ""}).status_code == 302
    vote.refresh_from_db()
    assert vote.state == VoteState.CLOSED and vote.result["held"] is False  # nobody voted
    assert escape(vote.result["explanation"]) in client.get(vote_url).content.decode()
    assert Item.objects.get().state == ItemState.DECIDED


@pytest.fixture
def open_vote(staff, tree, compound, resident, add_dwelling, window):
    a, b = resident(), resident()
    add_dwelling("100", a[1])
    add_dwelling("60", b[1])
    return owners_vote(staff, tree, compound, window), a, b


def test_staff_enter_a_paper_ballot_with_its_form_once(client, staff, open_vote):
    vote, a, _b = open_vote
    entry = RollEntry.objects.get(vote=vote, persons=a[1])
    url = reverse("deliberation_staff_roll_entry", args=[vote.pk, entry.pk])
    client = _as(client, staff["community_a"], "zh-hans")
    missing = client.post(url, {"action": "paper", "paper-choice": "yes"})
    assert missing.status_code == 400 and "请附上选票扫描件。" in missing.content.decode()
    assert not Participation.objects.exists()
    form = SimpleUploadedFile("ballot.pdf", PDF, content_type="application/pdf")
    entered = client.post(url, {"action": "paper", "paper-choice": "yes", "paper-paper_form": form})
    assert entered.status_code == 302
    participation = Participation.objects.get()
    assert participation.channel == "paper" and participation.cast_by == staff["community_a"]
    assert '<p id="entry-state">已投票</p>' in client.get(url).content.decode()
    roll = client.get(reverse("deliberation_staff_roll", args=[vote.pk]) + "?state=not_voted")
    assert roll.status_code == 200 and f'data-entry="{entry.pk}"' not in roll.content.decode()


def test_staff_correct_and_add_to_the_roll_with_a_logged_reason(client, staff, tree, open_vote, resident):
    vote, _a, b = open_vote
    entry = RollEntry.objects.get(vote=vote, persons=b[1])
    client = _as(client, staff["community_a"])
    url = reverse("deliberation_staff_roll_entry", args=[vote.pk, entry.pk])
    no_reason = client.post(url, {"action": "correct", "correct-kind": "correct", "correct-area": "65.5",
                                  "correct-reason": ""})
    assert no_reason.status_code == 400 and not RollChange.objects.exists()
    fixed = client.post(url, {"action": "correct", "correct-kind": "correct", "correct-area": "65.5",
                              "correct-reason": "产权证面积有误"})
    assert fixed.status_code == 302
    entry.refresh_from_db()
    assert str(entry.area) == "65.50" and RollChange.objects.get().reason == "产权证面积有误"
    _user, newcomer = resident()
    roll_url = reverse("deliberation_staff_roll", args=[vote.pk])
    unknown = client.post(roll_url, {"add-kind": "add", "add-id_numbers": "110105199001010000",
                                     "add-reason": "漏登"})
    assert unknown.status_code == 400 and "No resident of your area" in unknown.content.decode()
    added = client.post(roll_url, {"add-kind": "add", "add-id_numbers": newcomer.id_number, "add-area": "50",
                                   "add-reason": "漏登"})
    assert added.status_code == 302 and RollEntry.objects.filter(vote=vote, persons=newcomer).exists()
    search = client.get(roll_url, {"q": "added"})
    assert search.status_code == 200 and "data-entry" in search.content.decode()


def test_staff_plan_a_meeting_invite_and_record_attendance_and_minutes(client, staff, tree):
    item = deliberated_item(staff, tree)
    client = _as(client, staff["community_a"])
    url = reverse("deliberation_staff_meeting_new")
    fields = {"title": "加装电梯协商会", "region": tree["comm_a"].code, "mode": "in_person", "place": "",
              "starts_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "parties": ["residents_committee", "property_company"]}
    refused = client.post(url, fields)
    assert refused.status_code == 400 and "needs its place" in refused.content.decode()
    assert not Meeting.objects.exists()
    made = client.post(url, {**fields, "place": "社区活动室"})
    meeting = Meeting.objects.get()
    assert made.status_code == 302 and meeting.participants.count() == 2
    assert not meeting.items.exists() and item.state == ItemState.DELIBERATED
    page = reverse("deliberation_staff_meeting", args=[meeting.pk])
    twice = client.post(page, {"action": "invite", "invite-parties": ["property_company"]})
    assert twice.status_code == 400 and "already invited" in twice.content.decode()
    assert client.post(page, {"action": "invite", "invite-parties": ["owners_committee"]}).status_code == 302
    committee = MeetingParticipant.objects.get(party="residents_committee")
    recorded = client.post(page, {"action": "record", "record-present": [committee.pk],
                                  "record-minutes": "同意加装电梯，费用分摊另议。"})
    assert recorded.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD and "费用分摊" in meeting.minutes
    assert dict(meeting.participants.values_list("party", "present")) == {
        "residents_committee": True, "property_company": False, "owners_committee": False}
    listed = client.get(reverse("deliberation_staff_meetings"), {"q": "电梯"})
    assert listed.status_code == 200 and "加装电梯协商会" in listed.content.decode()
    other = _as(client, staff["community_b"]).get(page)
    assert other.status_code == 404
