"""Deliberation pages: residents raise and co-sign proposals and vote; staff follow proposals, items and votes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.deliberation import selectors, services
from gongzhi.deliberation.models import ItemState, ProposalState, RollEntry, VoteState
from gongzhi.deliberation.services.common import person_of
from gongzhi.regions.models import Region

from ..access import page
from ..forms import apply_service_error
from ..forms.deliberation import BallotForm, ProposalForm
from ..navigation import follows_deliberation, takes_part_in_deliberation

PAGE_SIZE = 20


@page(takes_part_in_deliberation)
def resident_home(request):
    actor = request.user
    proposals = Paginator(selectors.proposals(actor, q=request.GET.get("q", "")[:100]),
                          PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/deliberation/resident_home.html", {
        "page": proposals, "q": request.GET.get("q", ""),
        "votes": selectors.votes(actor).filter(state__in=[VoteState.OPEN, VoteState.CLOSED])[:10],
        "items": selectors.items(actor).exclude(state=ItemState.DROPPED)[:10],
        "mine": selectors.proposals(actor, mine=True)[:10],
        "supported": set(request.user and actor.pk and
                         selectors.proposals(actor).filter(supports__user=actor).values_list("pk", flat=True)),
        "linked": person_of(actor) is not None,
    })


@page(takes_part_in_deliberation)
def resident_new(request):
    person = person_of(request.user)
    places = []
    if person is not None:
        grid = person.grid
        places = [(grid.code, grid.name)] + ([(grid.parent.code, grid.parent.name)] if grid.parent_id else [])
    form = ProposalForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.raise_proposal(actor=request.user, title=form.cleaned_data["title"],
                                               body=form.cleaned_data["body"],
                                               region=Region.objects.filter(code=form.cleaned_data["region"]).first())
        except ValidationError as exc:
            apply_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your proposal “%(title)s” was raised; neighbours can now co-sign it.")
                             % {"title": proposal.title})
            return redirect("deliberation_home")
    return render(request, "web/deliberation/new.html", {"form": form, "linked": person is not None})


@require_POST
@page(takes_part_in_deliberation)
def resident_support(request, proposal_id):
    proposal = selectors.proposal(request.user, proposal_id)
    if proposal is None:
        raise Http404
    try:
        services.support_proposal(actor=request.user, proposal=proposal)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("You co-signed “%(title)s”.") % {"title": proposal.title})
    return redirect("deliberation_home")


@page(takes_part_in_deliberation)
def resident_vote(request, vote_id):
    vote = selectors.vote(request.user, vote_id)
    if vote is None:
        raise Http404
    status = selectors.my_ballot_status(request.user, vote)
    entries = [e for e in status["entries"] if not e["voted"]]
    form = BallotForm(request.POST or None, entries=[(e["id"], RollEntry.objects.get(pk=e["id"])) for e in entries])
    if request.method == "POST" and form.is_valid():
        entry = RollEntry.objects.filter(vote=vote, pk=form.cleaned_data.get("entry") or 0).first()
        try:
            services.cast_ballot(actor=request.user, vote=vote, choice=form.cleaned_data["choice"], entry=entry)
        except ValidationError as exc:
            apply_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your ballot was cast. Thank you for taking part."))
            return redirect("deliberation_vote", vote_id=vote.pk)
    return render(request, "web/deliberation/vote.html", {
        "vote": vote, "form": form, "status": status, "turnout": selectors.turnout(vote),
        "can_vote": vote.state == VoteState.OPEN and bool(entries)})


@page(follows_deliberation)
def staff_home(request):
    actor = request.user
    return render(request, "web/deliberation/staff_home.html", {
        "queued": selectors.proposals(actor, state=ProposalState.QUEUED)[:50],
        "open_proposals": selectors.proposals(actor, state=ProposalState.OPEN)[:50],
        "items": selectors.items(actor).exclude(state__in=[ItemState.DONE, ItemState.DROPPED])[:100],
        "votes": selectors.votes(actor)[:50],
    })
