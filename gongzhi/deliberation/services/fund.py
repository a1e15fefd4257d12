"""The community fund (社区基金 / participatory budget): a budget for a period, residents' projects with their
costs, a ballot picking between a minimum and a maximum of them, winners funded in order of votes within the
budget, spending recorded against each funded project and published."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.noticeboard.models import BODY_MAX
from gongzhi.noticeboard.services import publish_notice
from gongzhi.regions.models import Level

from .. import rules
from ..models import TEXT_MAX, TITLE_MAX, Fund, FundBallot, FundProject, FundProjectState, FundState, Project
from .common import adult_on, manage, person_of, require_resident_of, text
from .projects import _money


def create_fund(*, actor, region, title: str, period_start: date, period_end: date, budget, min_picks: int = 1,
                max_picks: int = 3) -> Fund:
    manage(actor, region)
    errors = {}
    title = text(title, "title", _("The title"), max_length=TITLE_MAX, multiline=False)
    try:
        budget = _money(budget, "budget", _("The budget"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        budget = None
    if region.level not in (Level.COMMUNITY, Level.SUBDISTRICT, Level.GRID):
        errors["region"] = _("A fund is for a community, a grid or a subdistrict.")
    if not (isinstance(period_start, date) and isinstance(period_end, date)) or period_end < period_start:
        errors["period_end"] = _("The period ends on or after the day it starts.")
    if not (isinstance(min_picks, int) and isinstance(max_picks, int)) or not 1 <= min_picks <= max_picks <= 50:
        errors["max_picks"] = _("A voter picks at least 1 project, and the most is at least the fewest (at most 50).")
    if budget is not None and budget == 0:
        errors["budget"] = _("The budget must be more than zero.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fund = Fund.objects.create(region=region, title=title, period_start=period_start, period_end=period_end,
                                   budget=budget, min_picks=min_picks, max_picks=max_picks, created_by=user_of(actor))
        record(actor=actor, action="deliberation.fund.create", obj=fund,
               changes={"budget": str(budget), "picks": [min_picks, max_picks]})
    return fund


def propose_fund_project(*, actor, fund: Fund, title: str, body: str, cost) -> FundProject:
    require_resident_of(actor, fund.region)
    title = text(title, "title", _("The title"), max_length=TITLE_MAX, multiline=False)
    body = text(body, "body", _("The text"), max_length=TEXT_MAX)
    cost = _money(cost, "cost", _("The cost"))
    if fund.state != FundState.PROPOSING:
        raise ValidationError(_("This fund no longer takes proposals."))
    if cost == 0 or cost > fund.budget:
        raise ValidationError({"cost": _("The cost must be more than zero and within the fund's budget of "
                                         "%(budget)s yuan.") % {"budget": fund.budget}})
    with transaction.atomic():
        project = FundProject.objects.create(fund=fund, title=title, body=body, cost=cost, proposed_by=user_of(actor))
        record(actor=actor, action="deliberation.fund.propose", obj=project, changes={"cost": str(cost)})
    return project


def decide_fund_project(*, actor, project: FundProject, admit: bool, answer: str = "") -> FundProject:
    """Staff admit a proposed project to the ballot, or refuse it with a published answer."""
    manage(actor, project.fund.region)
    if not admit:
        answer = text(answer, "answer", _("The answer"), max_length=TEXT_MAX)
    with transaction.atomic():
        current = FundProject.objects.select_for_update().get(pk=project.pk)
        if current.fund.state != FundState.PROPOSING or current.state != FundProjectState.PROPOSED:
            raise ValidationError(_("This project was already decided."))
        current.state = FundProjectState.ON_BALLOT if admit else FundProjectState.REFUSED
        current.answer = answer or ""
        current.save(update_fields=["state", "answer"])
        record(actor=actor, action="deliberation.fund.decide", obj=current, changes={"state": current.state})
    return current


def open_fund_voting(*, actor, fund: Fund, opens_at: datetime, closes_at: datetime) -> Fund:
    manage(actor, fund.region)
    if opens_at is None or closes_at is None or closes_at <= opens_at or closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("The voting must close after it opens, and in the future.")})
    with transaction.atomic():
        current = Fund.objects.select_for_update().get(pk=fund.pk)
        if current.state != FundState.PROPOSING:
            raise ValidationError(_("Voting on this fund was already opened."))
        on_ballot = current.projects.filter(state=FundProjectState.ON_BALLOT).count()
        if on_ballot < current.min_picks or on_ballot == 0:
            raise ValidationError(_("Admit at least %(n)d projects to the ballot first.")
                                  % {"n": max(1, current.min_picks)})
        current.state, current.voting_opens_at, current.voting_closes_at = FundState.VOTING, opens_at, closes_at
        current.save(update_fields=["state", "voting_opens_at", "voting_closes_at"])
        record(actor=actor, action="deliberation.fund.open", obj=current, changes={"projects": on_ballot})
    return current


def cast_budget_ballot(*, actor, fund: Fund, picks: list, at: datetime | None = None) -> FundBallot:
    """A resident of the fund's area (an adult of the registry, identity checked) picks projects, once."""
    require(actor, "deliberation.take_part")
    now = at or timezone.now()
    person = person_of(actor)
    if person is None:
        raise PermissionDenied(_("Your account is not linked to a resident of the registry (the mobile number you "
                                 "signed in with); ask the community to check it."))
    if not person.grid.code.startswith(fund.region.prefix) or not adult_on(person.birth_date, timezone.localdate(now)):
        raise PermissionDenied(_("Only adult residents of %(area)s vote on this fund.") % {"area": fund.region.name})
    if fund.state != FundState.VOTING or not (fund.voting_opens_at <= now < fund.voting_closes_at):
        raise ValidationError(_("Voting on this fund is not open."))
    ballot_ids = list(fund.projects.filter(state=FundProjectState.ON_BALLOT).values_list("pk", flat=True))
    try:
        picked = rules.check_picks([getattr(p, "pk", p) for p in picks], minimum=fund.min_picks,
                                   maximum=fund.max_picks, projects=ballot_ids)
    except rules.RuleError as exc:
        raise ValidationError({"picks": str(exc)}) from None
    try:
        with transaction.atomic():
            if not Fund.objects.filter(pk=fund.pk, state=FundState.VOTING, voting_opens_at__lte=now,
                                       voting_closes_at__gt=now).update(ballot_count=F("ballot_count") + 1):
                raise ValidationError(_("Voting on this fund is not open."))
            if FundBallot.objects.filter(fund=fund, person=person).exists():
                raise ValidationError(_("You have already voted on this fund."))
            with transaction.atomic():
                ballot = FundBallot.objects.create(fund=fund, voter=user_of(actor), person=person, cast_at=now)
            ballot.picks.set(picked)
            record(actor=actor, action="deliberation.fund.ballot", obj=fund, changes={"picks": len(picked)})
    except IntegrityError:
        raise ValidationError(_("You have already voted on this fund.")) from None
    return ballot


def close_fund(*, actor, fund: Fund, owner=None, at: datetime | None = None) -> list[rules.FundedProject]:
    """After the voting: count, fund in order of votes within the budget, publish the result; each winner
    becomes a project whose spending is recorded against it."""
    manage(actor, fund.region)
    now = at or timezone.now()
    owner = owner or user_of(actor)
    with transaction.atomic():
        current = Fund.objects.select_for_update().get(pk=fund.pk)
        if current.state != FundState.VOTING:
            raise ValidationError(_("Only a fund in its voting can be closed."))
        if now < current.voting_closes_at:
            raise ValidationError(_("The voting is still open."))
        projects = {p.pk: p for p in current.projects.filter(state=FundProjectState.ON_BALLOT)}
        votes = dict(FundBallot.picks.through.objects.filter(fundballot__fund=current).values(
            "fundproject_id").annotate(n=Count("id")).values_list("fundproject_id", "n"))
        result = rules.allocate(current.budget, [(pk, p.cost, votes.get(pk, 0)) for pk, p in projects.items()])
        lines = []
        for funded in result:
            project = projects[funded.key]
            project.votes = funded.votes
            project.state = FundProjectState.FUNDED if funded.funded else FundProjectState.NOT_FUNDED
            project.save(update_fields=["votes", "state"])
            if funded.funded:
                Project.objects.create(fund_project=project, region=current.region, title=project.title,
                                       owner=owner, budget=project.cost)
            lines.append(_("%(title)s: %(votes)d votes, %(cost)s yuan, %(state)s") % {
                "title": project.title, "votes": funded.votes, "cost": project.cost,
                "state": project.get_state_display()})
        current.state = FundState.CLOSED
        current.save(update_fields=["state"])
        publish_notice(actor=actor, title=_("Community fund result: %(title)s") % {"title": current.title},
                       body="\n".join([_("Budget %(budget)s yuan, %(n)d ballots.") % {
                           "budget": current.budget, "n": current.ballot_count}, *lines])[:BODY_MAX],
                       region=current.region)
        record(actor=actor, action="deliberation.fund.close", obj=current,
               changes={"funded": [f.key for f in result if f.funded], "ballots": current.ballot_count})
    return result
