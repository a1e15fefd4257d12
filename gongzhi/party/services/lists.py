"""Writes of the three lists: needs (需求清单), resources (资源清单), projects (项目清单).

A need may be created from a case (the case's text and place; one need per
case) or from a deliberation topic, named by ``source_ref`` (the deliberation
app or the web layer passes the topic's title, text and place: party cannot
import deliberation, which shares its layer). A project links needs to
resources; completing it marks its needs met, and a finished project can be
published through the noticeboard (``noticeboard.services.publish_notice``).
Progress and completion of a project lock its row and carry its version, so two
people editing at once cannot overwrite each other silently.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.models import User
from gongzhi.audit.services import record
from gongzhi.cases.models import Case
from gongzhi.noticeboard.services import publish_notice
from gongzhi.regions.models import Region
from gongzhi.registry.models import HouseholdVisit, Organisation, Person

from ..models import Need, NeedSource, NeedState, PartyOrganisation, Project, ProjectState, Resource, ResourceKind
from .common import apply_changes, audit_diff, check, full_clean, region_at, take_snapshot
from .common import text as cleaned

ACTIVE_PROJECT_STATES = (ProjectState.PLANNED, ProjectState.UNDER_WAY)


def _kind(kind: str, field: str = "kind") -> str:
    if kind not in ResourceKind.values:
        raise ValidationError({field: _("Choose the kind of resource.")})
    return kind


def _region_in(actor, region) -> Region:
    region = region_at(region)
    if region.level not in ("community", "grid"):
        raise ValidationError({"region": _("Choose a community or a grid.")})
    check(actor, "party.lists", region)
    return region


def _count(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a whole number.")}) from None
    if value < 0:
        raise ValidationError({field: _("The number cannot be negative.")})
    return value


def _money(value, field: str, *, allow_none: bool = False) -> Decimal | None:
    if value in (None, ""):
        if allow_none:
            return None
        value = 0
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: _("The number cannot be negative.")})
    if amount >= Decimal("10000000000"):
        raise ValidationError({field: _("The number is too large.")})
    return amount.quantize(Decimal("0.01"))


# --- needs ---------------------------------------------------------------------------


def record_need(*, actor, region, title: str, description: str, kind: str, source: str = NeedSource.STAFF,
                person: Person | None = None, visit: HouseholdVisit | None = None, case: Case | None = None,
                source_ref: str = "", people_affected: int | None = None, needed_by: date | None = None) -> Need:
    """Collect a need of the area (from a resident, a visit, a case, a topic, or staff)."""
    region = _region_in(actor, region)
    check(actor, "party.lists", person, visit)
    if case is not None:
        check(actor, "cases.view", case)
    if source not in NeedSource.values:
        raise ValidationError({"source": _("Choose where the need comes from.")})
    if source == NeedSource.CASE and case is None:
        raise ValidationError({"case": _("Name the case the need comes from.")})
    if source == NeedSource.VISIT and visit is None:
        raise ValidationError({"visit": _("Name the visit the need comes from.")})
    if source == NeedSource.TOPIC and not (source_ref or "").strip():
        raise ValidationError({"source_ref": _("Name the topic the need comes from.")})
    if needed_by is not None and needed_by < timezone.localdate():
        raise ValidationError({"needed_by": _("This date has passed.")})
    need = Need(region=region, kind=_kind(kind), source=source, person=person, visit=visit, case=case,
                source_ref=(source_ref or "").strip()[:64], people_affected=_count(people_affected, "people_affected"),
                needed_by=needed_by, created_by=user_of(actor),
                title=cleaned(title, "title", _("The title"), max_length=200),
                description=cleaned(description, "description", _("The description"), max_length=5000,
                                    multiline=True))
    try:
        with transaction.atomic():
            full_clean(need)
            need.save()
            record(actor=actor, action="party.need.record", obj=need, changes=audit_diff(need, None))
    except IntegrityError:
        raise ValidationError({"__all__": _("A need was already recorded from this source.")}) from None
    return need


def need_from_case(*, actor, case: Case, kind: str, title: str = "", people_affected: int | None = None) -> Need:
    """A need created from a case (诉求转需求): its title, text and place; one need per case."""
    check(actor, "cases.view", case)
    existing = Need.objects.filter(case=case).first()
    if existing is not None:
        raise ValidationError({"case": _("A need was already created from this case.")})
    region = Region.objects.filter(code=case.region_code).first() if case.region_code else None
    if region is None or region.level not in ("community", "grid"):
        raise ValidationError({"case": _("The case has no community or grid; record the need by hand.")})
    return record_need(actor=actor, region=region, title=title or case.title, description=case.description,
                       kind=kind, source=NeedSource.CASE, case=case, people_affected=people_affected)


def need_from_topic(*, actor, topic_ref: str, region, title: str, description: str, kind: str) -> Need:
    """A need created from a deliberation topic, named ``deliberation.topic:<id>`` (one need per topic)."""
    if not str(topic_ref or "").startswith("deliberation."):
        raise ValidationError({"source_ref": _("Name the topic the need comes from.")})
    return record_need(actor=actor, region=region, title=title, description=description, kind=kind,
                       source=NeedSource.TOPIC, source_ref=topic_ref)


def close_need(*, actor, need: Need, reason: str) -> Need:
    """Close a need that no project will meet (met otherwise, withdrawn, out of reach), with the reason."""
    check(actor, "party.lists", need)
    reason = cleaned(reason, "reason", _("The reason"), max_length=500)
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need.pk)
        if need.state != NeedState.OPEN:
            raise ValidationError({"__all__": _("Only an open need can be closed.")})
        need.state = NeedState.CLOSED
        need.save(update_fields=["state"])
        record(actor=actor, action="party.need.close", obj=need, reason=reason)
    return need


# --- resources -----------------------------------------------------------------------


_RESOURCE_FIELDS = {"title", "kind", "description", "capacity", "capacity_unit", "available_from", "available_until",
                    "availability", "is_active"}


def _validate_resource(resource: Resource) -> None:
    resource.title = cleaned(resource.title, "title", _("The title"), max_length=200)
    resource.description = cleaned(resource.description, "description", _("The description"), max_length=5000,
                                   required=False, multiline=True)
    resource.provider_name = cleaned(resource.provider_name, "provider_name", _("Who offers it"), max_length=100,
                                     required=False)
    resource.capacity_unit = cleaned(resource.capacity_unit, "capacity_unit", _("The unit"), max_length=20,
                                     required=False)
    resource.availability = cleaned(resource.availability, "availability", _("When"), max_length=200,
                                    required=False)
    resource.capacity = _money(resource.capacity, "capacity", allow_none=True)
    _kind(resource.kind)
    if not (resource.provider_unit_id or resource.provider_party_id or resource.provider_name):
        raise ValidationError({"provider_name": _("Say who offers the resource.")})
    if resource.available_from and resource.available_until and resource.available_until < resource.available_from:
        raise ValidationError({"available_until": _("The resource cannot stop being available before it starts.")})
    full_clean(resource)


def offer_resource(*, actor, region, title: str, kind: str, provider_unit: Organisation | None = None,
                   provider_party: PartyOrganisation | None = None, provider_name: str = "", description: str = "",
                   capacity=None, capacity_unit: str = "", available_from: date | None = None,
                   available_until: date | None = None, availability: str = "") -> Resource:
    """A resource offered by a unit or organisation, a party organisation or a person, to the area."""
    region = _region_in(actor, region)
    check(actor, "party.lists", provider_unit, provider_party)
    resource = Resource(region=region, title=title, kind=kind, provider_unit=provider_unit,
                        provider_party=provider_party, provider_name=provider_name, description=description,
                        capacity=capacity, capacity_unit=capacity_unit, available_from=available_from,
                        available_until=available_until, availability=availability, created_by=user_of(actor))
    with transaction.atomic():
        _validate_resource(resource)
        resource.save()
        record(actor=actor, action="party.resource.offer", obj=resource, changes=audit_diff(resource, None))
    return resource


def change_resource(*, actor, resource: Resource, reason: str = "", **changes) -> Resource:
    """Change what is offered, or withdraw it (``is_active=False``)."""
    check(actor, "party.lists", resource)
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        before = take_snapshot(resource)
        apply_changes(resource, changes, _RESOURCE_FIELDS)
        _validate_resource(resource)
        resource.save()
        record(actor=actor, action="party.resource.change", obj=resource, changes=audit_diff(resource, before),
               reason=reason)
    return resource


# --- projects ------------------------------------------------------------------------


def _linked(actor, model, items, field: str) -> list:
    ids = sorted({item.pk if hasattr(item, "pk") else int(item) for item in (items or ())})
    rows = list(model.objects.filter(pk__in=ids))
    if len(rows) != len(ids):
        raise ValidationError({field: _("Something chosen does not exist.")})
    for row in rows:
        check(actor, "party.lists", row)
    return rows


def start_project(*, actor, region, title: str, plan: str, owner: User | None = None, budget=0,
                  owner_unit: Organisation | None = None, needs=(), resources=(), starts_on: date | None = None,
                  ends_on: date | None = None) -> Project:
    """A project that meets needs with resources: owner, plan, budget; its needs are then "in a project"."""
    region = _region_in(actor, region)
    owner = owner or user_of(actor)
    if owner is None or not owner.is_active or owner.role == "resident":
        raise ValidationError({"owner": _("Choose a staff member as the owner.")})
    check(actor, "party.lists", owner_unit)
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The project cannot end before it starts.")})
    with transaction.atomic():
        need_rows = _linked(actor, Need, needs, "needs")
        need_rows = list(Need.objects.select_for_update().filter(pk__in=[n.pk for n in need_rows]).order_by("pk"))
        for need in need_rows:
            if need.state in (NeedState.MET, NeedState.CLOSED):
                raise ValidationError({"needs": _("“%(title)s” is no longer open.") % {"title": need.title}})
        resource_rows = _linked(actor, Resource, resources, "resources")
        for resource in resource_rows:
            if not resource.is_active:
                raise ValidationError({"resources": _("“%(title)s” is no longer offered.") % {"title": resource.title}})
        project = Project(region=region, owner=owner, owner_unit=owner_unit, budget=_money(budget, "budget"),
                          starts_on=starts_on, ends_on=ends_on,
                          title=cleaned(title, "title", _("The title"), max_length=200),
                          plan=cleaned(plan, "plan", _("The plan"), max_length=10000, multiline=True))
        full_clean(project)
        project.save()
        project.needs.set(need_rows)
        project.resources.set(resource_rows)
        Need.objects.filter(pk__in=[n.pk for n in need_rows], state=NeedState.OPEN).update(state=NeedState.IN_PROJECT)
        record(actor=actor, action="party.project.start", obj=project,
               changes={**audit_diff(project, None), "needs": [n.pk for n in need_rows],
                        "resources": [r.pk for r in resource_rows]})
    return project


def _locked(project: Project, version) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if version is not None and int(version) != project.version:
        raise ValidationError({"__all__": _("Someone changed this project meanwhile; look at it again.")})
    if project.state not in ACTIVE_PROJECT_STATES:
        raise ValidationError({"__all__": _("This project is finished.")})
    return project


def report_progress(*, actor, project: Project, progress: int, note: str = "", version: int | None = None) -> Project:
    check(actor, "party.lists", project)
    try:
        progress = int(progress)
    except (TypeError, ValueError):
        raise ValidationError({"progress": _("Enter the progress as a whole number.")}) from None
    if not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is between 0 and 100%.")})
    note = cleaned(note, "progress_note", _("The note"), max_length=5000, required=False, multiline=True)
    with transaction.atomic():
        project = _locked(project, version)
        before = project.progress
        project.progress = progress
        project.progress_note = note or project.progress_note
        if project.state == ProjectState.PLANNED and progress > 0:
            project.state = ProjectState.UNDER_WAY
        project.version += 1
        project.save(update_fields=["progress", "progress_note", "state", "version", "updated_at"])
        record(actor=actor, action="party.project.progress", obj=project,
               changes={"progress": [before, progress], "note": note})
    return project


def complete_project(*, actor, project: Project, evidence: str, version: int | None = None) -> Project:
    """The project is done: the completion evidence; its needs are met."""
    check(actor, "party.lists", project)
    evidence = cleaned(evidence, "evidence", _("The completion evidence"), max_length=5000, multiline=True)
    with transaction.atomic():
        project = _locked(project, version)
        now = timezone.now()
        project.state, project.progress, project.evidence, project.completed_at = ProjectState.DONE, 100, evidence, now
        project.version += 1
        project.save(update_fields=["state", "progress", "evidence", "completed_at", "version", "updated_at"])
        met = list(project.needs.exclude(state__in=(NeedState.MET, NeedState.CLOSED)).values_list("pk", flat=True))
        Need.objects.filter(pk__in=met).update(state=NeedState.MET, met_at=now)
        record(actor=actor, action="party.project.complete", obj=project, changes={"needs_met": met})
    return project


def cancel_project(*, actor, project: Project, reason: str, version: int | None = None) -> Project:
    """Cancel a project; its needs that no other active project holds are open again."""
    check(actor, "party.lists", project)
    reason = cleaned(reason, "reason", _("The reason"), max_length=500)
    with transaction.atomic():
        project = _locked(project, version)
        project.state = ProjectState.CANCELLED
        project.version += 1
        project.save(update_fields=["state", "version", "updated_at"])
        held_elsewhere = Project.objects.filter(state__in=ACTIVE_PROJECT_STATES).exclude(pk=project.pk).values("needs")
        reopened = list(project.needs.filter(state=NeedState.IN_PROJECT).exclude(pk__in=held_elsewhere)
                        .values_list("pk", flat=True))
        Need.objects.filter(pk__in=reopened).update(state=NeedState.OPEN)
        record(actor=actor, action="party.project.cancel", obj=project, reason=reason,
               changes={"needs_reopened": reopened})
    return project


def publish_project(*, actor, project: Project) -> Project:
    """Publish a finished project to the residents of its area (通知公告): what was done, with what."""
    check(actor, "party.lists", project)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.state != ProjectState.DONE:
            raise ValidationError({"__all__": _("Only a finished project is published.")})
        if project.notice_id is not None:
            raise ValidationError({"__all__": _("This project was published already.")})
        needs = "、".join(project.needs.values_list("title", flat=True))
        resources = "、".join(str(r.provider or r.title) for r in project.resources.all())
        lines = [project.plan[:1000], "", _("Completed: %(evidence)s") % {"evidence": project.evidence[:2000]}]
        if needs:
            lines.append(_("Needs met: %(needs)s") % {"needs": needs})
        if resources:
            lines.append(_("With the help of: %(who)s") % {"who": resources})
        title = (_("Project done: %(title)s") % {"title": project.title})[:100]
        notice = publish_notice(actor=actor, title=title, body="\n".join(lines), region=project.region)
        project.notice = notice
        project.save(update_fields=["notice", "updated_at"])
        record(actor=actor, action="party.project.publish", obj=project, changes={"notice": notice.pk})
    return project
