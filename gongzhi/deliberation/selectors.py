"""Reads of deliberation, always scoped: staff see their area; residents the public matters of where they live."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.accounts.roles import can
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Region

from .models import (
    Fund,
    Item,
    Participation,
    Proposal,
    ProposalState,
    RollEntry,
    Vote,
    VoteState,
)
from .services.common import home_code, person_of

COMMUNITY_DIGITS = 12


def _ancestors(code: str) -> list[str]:
    codes, region = [], Region.objects.filter(code=code).select_related("parent").first()
    while region is not None:
        codes.append(region.code)
        region = region.parent
    return codes


def resident_area_q(actor, path: str = "region__code") -> Q:
    """The matters of a resident's community and everything above it (their street, district)."""
    code = home_code(actor)
    if not code:
        return Q(pk__in=[])
    return Q(**{f"{path}__startswith": code[:COMMUNITY_DIGITS]}) | Q(**{f"{path}__in": _ancestors(code)})


def visible(queryset: QuerySet, actor, path: str = "region__code") -> QuerySet:
    """Staff with ``deliberation.view``: their area. Residents (``deliberation.take_part``): their community."""
    if can(actor, "deliberation.view"):
        return scope_queryset(queryset, actor)
    if can(actor, "deliberation.take_part"):
        return queryset.filter(resident_area_q(actor, path))
    return queryset.none()


def proposals(actor, *, state: str = "", mine: bool = False, q: str = "") -> QuerySet:
    queryset = visible(Proposal.objects.select_related("region", "compound", "author"), actor)
    if mine:
        queryset = queryset.filter(author_id=getattr(actor, "pk", None))
    elif not can(actor, "deliberation.view"):
        # Residents see open and answered proposals, never one merged away without its answer.
        queryset = queryset.exclude(state=ProposalState.MERGED, answer="")
    if state:
        queryset = queryset.filter(state=state)
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return queryset.order_by("-created_at", "-id")


def proposal(actor, proposal_id) -> Proposal | None:
    return _one(proposals(actor), proposal_id)


def items(actor, *, state: str = "") -> QuerySet:
    queryset = visible(Item.objects.select_related("region"), actor)
    return (queryset.filter(state=state) if state else queryset).order_by("-created_at", "-id")


def item(actor, item_id) -> Item | None:
    return _one(items(actor), item_id)


def votes(actor, *, state: str = "") -> QuerySet:
    queryset = visible(Vote.objects.select_related("region", "item", "compound"), actor).exclude(
        state=VoteState.DRAFT) if not can(actor, "deliberation.view") else visible(
        Vote.objects.select_related("region", "item", "compound"), actor)
    return (queryset.filter(state=state) if state else queryset).order_by("-opens_at", "-id")


def vote(actor, vote_id) -> Vote | None:
    return _one(votes(actor), vote_id)


def funds(actor) -> QuerySet:
    return visible(Fund.objects.select_related("region"), actor).order_by("-period_start", "-id")


def fund(actor, fund_id) -> Fund | None:
    return _one(funds(actor), fund_id)


def _one(queryset, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return queryset.filter(pk=pk).first() if 0 < pk < 2**63 else None


def turnout(vote: Vote) -> dict:
    """Live turnout: ballots cast of the roll (and, under art. 278, of the exclusive area)."""
    roll = RollEntry.objects.filter(vote=vote, active=True)
    eligible = roll.count()
    figures = {"cast": vote.cast_count, "eligible": eligible,
               "share": round(vote.cast_count / eligible * 100, 1) if eligible else 0.0}
    if vote.electorate == "owners":
        from django.db.models import Sum

        total = roll.aggregate(a=Sum("area"))["a"] or 0
        cast = roll.filter(participations__isnull=False).aggregate(a=Sum("area"))["a"] or 0
        figures.update(area_cast=str(cast), area_eligible=str(total),
                       area_share=round(float(cast) / float(total) * 100, 1) if total else 0.0)
    return figures


def my_ballot_status(actor, vote: Vote) -> dict:
    """Whether the signed-in resident is on the roll and has voted (never what they chose in a secret ballot)."""
    person = person_of(actor)
    if person is None:
        return {"linked": False, "on_roll": False, "voted": False, "entries": []}
    entries = list(RollEntry.objects.filter(vote=vote, active=True, persons=person).order_by("key"))
    voted = set(Participation.objects.filter(vote=vote, entry__in=entries).values_list("entry_id", flat=True))
    return {"linked": True, "on_roll": bool(entries), "voted": bool(entries) and all(e.pk in voted for e in entries),
            "entries": [{"id": e.pk, "voted": e.pk in voted} for e in entries]}


def meetings(actor, *, q: str = "") -> QuerySet:
    from .models import Meeting

    queryset = visible(Meeting.objects.select_related("region"), actor)
    if q:
        queryset = queryset.filter(title__icontains=q)
    return queryset.order_by("-starts_at", "-id")


def meeting(actor, meeting_id):
    return _one(meetings(actor), meeting_id)


def roll(vote: Vote, *, q: str = "", state: str = "") -> QuerySet:
    """The entries of a vote's roll (the vote already read through :func:`vote`), searchable by the
    dwellings' address or the entry's key; ``state``: ``voted``, ``not_voted`` or ``removed``."""
    queryset = RollEntry.objects.filter(vote=vote).prefetch_related("dwellings")
    if q:
        queryset = queryset.filter(Q(dwellings__address_text__icontains=q) | Q(key__icontains=q)).distinct()
    if state == "removed":
        queryset = queryset.filter(active=False)
    elif state in ("voted", "not_voted"):
        queryset = queryset.filter(active=True, participations__isnull=state == "not_voted")
    return queryset.order_by("key")


def roll_entry(vote: Vote, entry_id) -> RollEntry | None:
    return _one(RollEntry.objects.filter(vote=vote), entry_id)


def same_area_proposals(actor, proposal: Proposal) -> QuerySet:
    """The proposals a duplicate may be merged into: still open, in the same community."""
    return proposals(actor).filter(state__in=[ProposalState.OPEN, ProposalState.QUEUED],
                                   region__code__startswith=proposal.region.code[:COMMUNITY_DIGITS]
                                   ).exclude(pk=proposal.pk)
