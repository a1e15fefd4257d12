"""Deliberation rows placed in a region, for accounts/tests/test_scoping_proof.py."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.deliberation.models import (
    Expense,
    Fund,
    FundBallot,
    FundProject,
    Item,
    ItemEvent,
    Meeting,
    MeetingParticipant,
    Milestone,
    Objection,
    Participation,
    Photo,
    ProgressReport,
    Project,
    Proposal,
    ProposalSupport,
    Publication,
    RollChange,
    RollEntry,
    SecretBallot,
    Vote,
)
from gongzhi.noticeboard.models import Notice
from gongzhi.registry.models import Person


def _user(n, tag):
    return User.objects.create(username=f"delib-{tag}-{n}")


def proposal(place, n):
    return Proposal.objects.create(region=place, title=f"提案{n}", body="加装电梯", author=_user(n, "p"),
                                   supporters_needed=3)


def support(place, n):
    return ProposalSupport.objects.create(proposal=proposal(place, n), user=_user(n, "s"))


def photo(place, n):
    return Photo.objects.create(region=place, proposal=proposal(place, n), file="x.png", content_type="image/png",
                                size=1, sha256="0" * 64)


def item(place, n):
    return Item.objects.create(region=place, title=f"议题{n}")


def item_event(place, n):
    return ItemEvent.objects.create(item=item(place, n), action="collect", to_state="collected")


def meeting(place, n):
    return Meeting.objects.create(region=place, title=f"议事会{n}", starts_at=timezone.now())


def participant(place, n):
    return MeetingParticipant.objects.create(meeting=meeting(place, n), party="stakeholder")


def vote(place, n):
    now = timezone.now()
    return Vote.objects.create(item=item(place, n), region=place, question=f"表决{n}", rule="residents_meeting",
                               electorate="adults", opens_at=now, closes_at=now + dt.timedelta(days=1))


def entry(place, n):
    return RollEntry.objects.create(vote=vote(place, n), key=f"person:{n}")


def roll_change(place, n):
    e = entry(place, n)
    return RollChange.objects.create(vote=e.vote, entry=e, kind="add", reason="漏登")


def participation(place, n):
    e = entry(place, n)
    return Participation.objects.create(vote=e.vote, entry=e, channel="online", choice="yes")


def secret_ballot(place, n):
    return SecretBallot.objects.create(vote=vote(place, n), choice="yes")


def publication(place, n):
    notice = Notice.objects.create(title=f"公示{n}", body="决定", region=place)
    return Publication.objects.create(item=item(place, n), notice=notice, objections_until=timezone.now())


def objection(place, n):
    return Objection.objects.create(publication=publication(place, n), author=_user(n, "o"), text="异议")


def project(place, n):
    return Project.objects.create(region=place, title=f"项目{n}", owner=_user(n, "r"), budget=Decimal(100))


def milestone(place, n):
    return Milestone.objects.create(project=project(place, n), title="开工", due=dt.date(2026, 1, 1))


def report(place, n):
    return ProgressReport.objects.create(project=project(place, n), text="进展", progress=10)


def expense(place, n):
    return Expense.objects.create(project=project(place, n), amount=Decimal(1), note="材料", spent_on=dt.date(2026, 1, 1))


def fund(place, n):
    return Fund.objects.create(region=place, title=f"基金{n}", period_start=dt.date(2026, 1, 1),
                               period_end=dt.date(2026, 12, 31), budget=Decimal(1000))


def fund_project(place, n):
    return FundProject.objects.create(fund=fund(place, n), title="花园", body="改造", cost=Decimal(10),
                                      proposed_by=_user(n, "f"))


def fund_ballot(place, n):
    person = Person.objects.create(grid=place, name=f"居民{n}")
    return FundBallot.objects.create(fund=fund(place, n), voter=_user(n, "b"), person=person)


FACTORIES = {
    Proposal: proposal, ProposalSupport: support, Photo: photo, Item: item, ItemEvent: item_event, Meeting: meeting,
    MeetingParticipant: participant, Vote: vote, RollEntry: entry, RollChange: roll_change,
    Participation: participation, SecretBallot: secret_ballot, Publication: publication, Objection: objection,
    Project: project, Milestone: milestone, ProgressReport: report, Expense: expense, Fund: fund,
    FundProject: fund_project, FundBallot: fund_ballot,
}
