"""Implementation (跟踪落实): a project with its responsible person, milestones, progress, budget and spending."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import can
from gongzhi.audit.services import record
from gongzhi.core.scoping import ensure_code_in_scope

from .. import machine
from ..models import TEXT_MAX, TITLE_MAX, Item, ItemAction, Milestone, Outcome, ProgressReport, Project, Expense
from .common import manage, text
from .publication import ensure_settled


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("%(field)s is an amount in yuan.") % {"field": label}}) from None
    if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("1e12"):
        raise ValidationError({field: _("%(field)s is an amount in yuan with at most two decimals.")
                               % {"field": label}})
    return amount


def _runs(actor, project: Project) -> None:
    """Staff who manage deliberation in the area, or the project's responsible person."""
    user = user_of(actor)
    if user is not None and user.pk == project.owner_id:
        return
    if not can(actor, "deliberation.manage"):
        raise PermissionDenied(_("You are not allowed to do this."))
    ensure_code_in_scope(project.region.code, actor)


def start_project(*, actor, item: Item, owner, budget, title: str = "") -> Project:
    """An adopted, published decision becomes a project (the item: being implemented)."""
    manage(actor, item.region)
    budget = _money(budget, "budget", _("The budget"))
    title = text(title or item.title, "title", _("The title"), max_length=TITLE_MAX, multiline=False)
    if owner is None:
        raise ValidationError({"owner": _("Name who is responsible.")})
    created = {}

    def change(current: Item):
        if current.outcome != Outcome.ADOPTED:
            raise ValidationError(_("Only an adopted decision is carried out."))
        ensure_settled(current)
        project = Project.objects.create(item=current, region=current.region, title=title, owner=owner,
                                         budget=budget)
        created["project"] = project
        record(actor=actor, action="deliberation.project.start", obj=project,
               changes={"budget": str(budget), "owner": owner.pk})
        return {"project": project.pk}

    machine.transition(item, ItemAction.START_IMPLEMENTATION, actor=actor, change=change)
    return created["project"]


def add_milestone(*, actor, project: Project, title: str, due: date) -> Milestone:
    _runs(actor, project)
    title = text(title, "title", _("The title"), max_length=TITLE_MAX, multiline=False)
    if not isinstance(due, date):
        raise ValidationError({"due": _("Give the date it is due.")})
    if project.done_at is not None:
        raise ValidationError(_("The project is done."))
    with transaction.atomic():
        milestone = Milestone.objects.create(project=project, title=title, due=due)
        record(actor=actor, action="deliberation.milestone.add", obj=milestone,
               changes={"title": title, "due": due.isoformat()})
    return milestone


def complete_milestone(*, actor, milestone: Milestone) -> Milestone:
    _runs(actor, milestone.project)
    with transaction.atomic():
        current = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if current.done_at is not None:
            raise ValidationError(_("This milestone is already done."))
        current.done_at = timezone.now()
        current.save(update_fields=["done_at"])
        record(actor=actor, action="deliberation.milestone.done", obj=current)
    return current


def report_progress(*, actor, project: Project, text_: str, progress: int) -> ProgressReport:
    _runs(actor, project)
    body = text(text_, "text", _("The report"), max_length=TEXT_MAX)
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a whole percentage from 0 to 100.")})
    with transaction.atomic():
        report = ProgressReport.objects.create(project=project, text=body, progress=progress,
                                               created_by=user_of(actor))
        Project.objects.filter(pk=project.pk).update(progress=progress)
        record(actor=actor, action="deliberation.project.progress", obj=project, changes={"progress": progress})
    return report


def record_expense(*, actor, project: Project, amount, note: str, spent_on: date) -> Expense:
    """Spending against a project: published with it; beyond the budget it is refused."""
    _runs(actor, project)
    amount = _money(amount, "amount", _("The amount"))
    if amount == 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    note = text(note, "note", _("What it was for"), max_length=200, multiline=False)
    if not isinstance(spent_on, date) or spent_on > timezone.localdate():
        raise ValidationError({"spent_on": _("Give the day it was spent (not in the future).")})
    with transaction.atomic():
        current = Project.objects.select_for_update().get(pk=project.pk)
        if current.spent + amount > current.budget:
            raise ValidationError({"amount": _("This would spend %(total)s yuan of a budget of %(budget)s.")
                                   % {"total": current.spent + amount, "budget": current.budget}})
        expense = Expense.objects.create(project=current, amount=amount, note=note, spent_on=spent_on,
                                         recorded_by=user_of(actor))
        Project.objects.filter(pk=current.pk).update(spent=F("spent") + amount)
        record(actor=actor, action="deliberation.project.expense", obj=current,
               changes={"amount": str(amount), "note": note, "spent_on": spent_on.isoformat()})
    return expense


def complete_project(*, actor, project: Project) -> Project:
    _runs(actor, project)
    with transaction.atomic():
        current = Project.objects.select_for_update().get(pk=project.pk)
        if current.done_at is not None:
            raise ValidationError(_("The project is already done."))
        if current.milestones.filter(done_at=None).exists():
            raise ValidationError(_("Some milestones are not done yet."))
        current.done_at, current.progress = timezone.now(), 100
        current.save(update_fields=["done_at", "progress"])
        record(actor=actor, action="deliberation.project.complete", obj=current)
        if current.item_id:
            machine.transition(current.item, ItemAction.COMPLETE, actor=actor,
                               expected_version=Item.objects.get(pk=current.item_id).version)
    return current


def sweep_overdue_milestones(*, now: datetime | None = None) -> int:
    """Flag, once, every milestone past its due day and not done (the periodic job)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    flagged = 0
    for milestone in Milestone.objects.filter(done_at=None, overdue_flagged_at=None, due__lt=today,
                                              project__done_at=None).select_related("project__region"):
        with transaction.atomic():
            if Milestone.objects.filter(pk=milestone.pk, overdue_flagged_at=None).update(overdue_flagged_at=now):
                record(actor=None, action="deliberation.milestone.overdue", obj=milestone,
                       changes={"due": milestone.due.isoformat(), "project": milestone.project_id})
                flagged += 1
    return flagged
