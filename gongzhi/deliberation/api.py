"""The JSON API of deliberation and votes at /api/v1/deliberation/: thin over the services and selectors.

A resident lists and raises proposals, co-signs, follows items and votes, casts a ballot, sees the
live turnout and the result with every figure; nothing here ever returns what a voter chose.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.core.schemas import In, Pages
from gongzhi.regions.models import Region

from . import selectors, services
from .models import RollEntry

router = Router(tags=["deliberation"])


class ProposalOut(Schema):
    id: int
    title: str
    body: str
    region: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    state: str
    supporter_count: int
    supporters_needed: int
    answer: str
    item_id: int | None
    created_at: datetime


class ProposalIn(In):
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=20000)
    region: str = Field(..., max_length=20, description="The code of the grid or community the matter is about.")


class ItemOut(Schema):
    id: int
    title: str
    body: str
    region: str = Field(..., alias="region.code")
    state: str
    outcome: str
    decision: str
    created_at: datetime


class VoteOut(Schema):
    id: int
    item_id: int
    question: str
    rule: str
    rule_name: str
    art278_item: int | None
    electorate: str
    secret: bool
    proxies_allowed: bool
    opens_at: datetime
    closes_at: datetime
    state: str
    turnout: dict
    result: dict
    me: dict


class BallotIn(In):
    choice: str = Field(..., max_length=8, description="yes, no or abstain")
    entry_id: int | None = Field(None, ge=1, le=2**63 - 1,
                                 description="The roll entry, when you vote for several (e.g. co-owned dwellings).")


class BallotOut(Schema):
    vote_id: int
    cast_at: datetime
    channel: str


class FundProjectOut(Schema):
    id: int
    title: str
    body: str
    cost: Decimal
    state: str
    votes: int


class FundOut(Schema):
    id: int
    title: str
    region: str
    budget: Decimal
    min_picks: int
    max_picks: int
    state: str
    voting_opens_at: datetime | None
    voting_closes_at: datetime | None
    ballot_count: int
    projects: list[FundProjectOut]


class PicksIn(In):
    projects: list[int] = Field(..., max_length=50)


def _vote_out(request, vote) -> dict:
    actor = actor_of(request)
    result = {k: v for k, v in vote.result.items() if k != "roll"} if vote.state == "closed" else {}
    return {
        "id": vote.pk, "item_id": vote.item_id, "question": vote.question, "rule": vote.rule,
        "rule_name": str(vote.get_rule_display()), "art278_item": vote.art278_item, "electorate": vote.electorate,
        "secret": vote.secret, "proxies_allowed": vote.proxies_allowed, "opens_at": vote.opens_at,
        "closes_at": vote.closes_at, "state": vote.state, "turnout": selectors.turnout(vote), "result": result,
        "me": selectors.my_ballot_status(actor, vote),
    }


def _fund_out(fund) -> dict:
    projects = fund.projects.exclude(state="proposed").exclude(state="refused").order_by("-votes", "cost", "id")
    return {"id": fund.pk, "title": fund.title, "region": fund.region.code, "budget": fund.budget,
            "min_picks": fund.min_picks, "max_picks": fund.max_picks, "state": fund.state,
            "voting_opens_at": fund.voting_opens_at, "voting_closes_at": fund.voting_closes_at,
            "ballot_count": fund.ballot_count, "projects": list(projects)}


def _found(row):
    if row is None:
        raise HttpError(404, _("Not found."))
    return row


@router.get("/proposals", response=list[ProposalOut], summary="Micro-proposals of your area")
@paginate(Pages, page_size=50)
def list_proposals(request, state: str = "", mine: bool = False, q: str = ""):
    return selectors.proposals(actor_of(request), state=state, mine=mine, q=q[:100])


@router.post("/proposals", response={201: ProposalOut}, summary="Raise a micro-proposal")
def raise_proposal(request, payload: ProposalIn):
    region = Region.objects.filter(code=payload.region.strip()).first()
    proposal = services.raise_proposal(actor=actor_of(request), title=payload.title, body=payload.body,
                                       region=region)
    return 201, proposal


@router.get("/proposals/{proposal_id}", response=ProposalOut, summary="One micro-proposal")
def get_proposal(request, proposal_id: int):
    return _found(selectors.proposal(actor_of(request), proposal_id))


@router.post("/proposals/{proposal_id}/support", response=ProposalOut, summary="Co-sign a micro-proposal")
def support_proposal(request, proposal_id: int):
    proposal = _found(selectors.proposal(actor_of(request), proposal_id))
    return services.support_proposal(actor=actor_of(request), proposal=proposal)


@router.get("/items", response=list[ItemOut], summary="Agenda items of your area")
@paginate(Pages, page_size=50)
def list_items(request, state: str = ""):
    return selectors.items(actor_of(request), state=state)


@router.get("/items/{item_id}", response=ItemOut, summary="One agenda item")
def get_item(request, item_id: int):
    return _found(selectors.item(actor_of(request), item_id))


@router.get("/votes", response=list[VoteOut], summary="Votes of your area with live turnout")
@paginate(Pages, page_size=20)
def list_votes(request, state: str = ""):
    return [_vote_out(request, vote) for vote in selectors.votes(actor_of(request), state=state)[:200]]


@router.get("/votes/{vote_id}", response=VoteOut, summary="A vote: window, live turnout, result with every figure")
def get_vote(request, vote_id: int):
    return _vote_out(request, _found(selectors.vote(actor_of(request), vote_id)))


@router.post("/votes/{vote_id}/ballot", response={201: BallotOut}, summary="Cast your ballot online")
def cast_ballot(request, vote_id: int, payload: BallotIn):
    actor = actor_of(request)
    vote = _found(selectors.vote(actor, vote_id))
    entry = RollEntry.objects.filter(vote=vote, pk=payload.entry_id).first() if payload.entry_id else None
    if payload.entry_id and entry is None:
        raise HttpError(422, _("Choose an entry of this vote's roll."))
    participation = services.cast_ballot(actor=actor, vote=vote, choice=payload.choice, entry=entry)
    return 201, {"vote_id": vote.pk, "cast_at": participation.cast_at, "channel": participation.channel}


@router.get("/funds/{fund_id}", response=FundOut, summary="A community fund: budget, projects, votes")
def get_fund(request, fund_id: int):
    return _fund_out(_found(selectors.fund(actor_of(request), fund_id)))


@router.post("/funds/{fund_id}/ballot", response={201: FundOut}, summary="Pick the fund's projects you support")
def cast_budget_ballot(request, fund_id: int, payload: PicksIn):
    actor = actor_of(request)
    fund = _found(selectors.fund(actor, fund_id))
    services.cast_budget_ballot(actor=actor, fund=fund, picks=payload.projects)
    return 201, _fund_out(fund)
