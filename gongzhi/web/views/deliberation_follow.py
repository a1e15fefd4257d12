"""The resident's deliberation pages beyond proposals and votes: the community fund (propose a project, pick
projects on the ballot, see what was funded and spent) and an agenda item followed to its end (the decision,
its publication, objections within the window and their answers, the project carrying it out).

Thin: ``gongzhi.deliberation`` services decide and refuse in the user's language; the page shows why.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.deliberation import selectors, services
from gongzhi.deliberation.models import FundBallot, FundProjectState, FundState, Project
from gongzhi.deliberation.services.common import person_of

from ..access import page
from ..forms import apply_service_error
from ..forms.deliberation import FundBallotForm, FundProjectForm, ObjectionForm
from ..navigation import takes_part_in_deliberation

PAGE_SIZE = 20


def _attempt(form, action) -> bool:
    try:
        action()
    except ValidationError as exc:
        apply_service_error(form, exc)
        return False
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return False
    return True


@page(takes_part_in_deliberation)
def funds(request):
    rows = Paginator(selectors.funds(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/resident/funds.html", {"page": rows})


@page(takes_part_in_deliberation)
def fund(request, fund_id):
    found = selectors.fund(request.user, fund_id)
    if found is None:
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    person = person_of(request.user)
    on_ballot = list(found.projects.filter(state=FundProjectState.ON_BALLOT).order_by("id"))
    propose = FundProjectForm(request.POST if action == "propose" else None, prefix="propose")
    ballot = FundBallotForm(request.POST if action == "ballot" else None, prefix="ballot", projects=on_ballot)
    if action == "propose" and propose.is_valid():
        data = propose.cleaned_data
        if _attempt(propose, lambda: services.propose_fund_project(actor=request.user, fund=found, title=data["title"],
                                                                   body=data["body"], cost=data["cost"])):
            messages.success(request, _("Your project is proposed; the community checks it before the ballot."))
            return redirect("deliberation_fund", fund_id=found.pk)
    elif action == "ballot" and ballot.is_valid():
        if _attempt(ballot, lambda: services.cast_budget_ballot(actor=request.user, fund=found,
                                                                picks=ballot.cleaned_data["picks"])):
            messages.success(request, _("Your budget ballot was cast. Thank you for taking part."))
            return redirect("deliberation_fund", fund_id=found.pk)
    now = timezone.now()
    voting = found.state == FundState.VOTING and found.voting_opens_at <= now < found.voting_closes_at
    voted = person is not None and FundBallot.objects.filter(fund=found, person=person).exists()
    projects = found.projects.order_by("-votes", "cost", "id") if found.state == FundState.CLOSED else \
        found.projects.order_by("id")
    carried = {p.fund_project_id: p for p in Project.objects.filter(fund_project__fund=found).prefetch_related(
        "expenses")}
    return render(request, "deliberation/resident/fund.html", {
        "fund": found, "projects": [(p, carried.get(p.pk)) for p in projects], "propose": propose, "ballot": ballot,
        "proposing": found.state == FundState.PROPOSING or action == "propose",
        "voting": (voting and not voted) or action == "ballot", "voted": voted, "linked": person is not None},
        status=400 if action else 200)


@page(takes_part_in_deliberation)
def item(request, item_id):
    found = selectors.item(request.user, item_id)
    if found is None:
        raise Http404
    publication = found.publications.select_related("notice").order_by("-published_at").first()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = ObjectionForm(request.POST if action == "object" else None, prefix="object")
    if action == "object" and publication is None:
        form.add_error(None, _("The decision has not been published."))
    elif action == "object" and form.is_valid():
        if _attempt(form, lambda: services.raise_objection(actor=request.user, publication=publication,
                                                           text_=form.cleaned_data["text"])):
            messages.success(request, _("Your objection is recorded; the community will answer it here."))
            return redirect("deliberation_item", item_id=found.pk)
    project = Project.objects.filter(item=found).prefetch_related("milestones", "reports", "expenses").first()
    return render(request, "deliberation/resident/item.html", {
        "item": found, "publication": publication, "form": form,
        # One's own objections with their answers; of the others only how many (their words may name people).
        "objections": publication.objections.filter(author=request.user).order_by("created_at", "id")
        if publication else [],
        "others": publication.objections.exclude(author=request.user).count() if publication else 0,
        "window_open": publication is not None and timezone.now() < publication.objections_until,
        "votes": selectors.votes(request.user).filter(item=found), "project": project,
        "proposals": found.proposals.all()}, status=400 if action else 200)
