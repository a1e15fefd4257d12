"""Matching a need to resources (需求与资源对接): proposals by type, place and availability, each with its reasons.

:func:`propose` reads the active resources of the actor's area and scores each
for one need; every point given or taken is explained in a sentence of the
user's language, so staff see why a resource is proposed (or ranked low):

- type: the kind of resource the need asks for (+50); a resource of kind
  "other" may help (+10); any other kind is not proposed;
- place: the same grid (+30), the community-wide resource of the need's
  community or a resource of a grid beside it in that community (+20), the same
  subdistrict (+5); farther away is not proposed;
- availability: withdrawn or expired resources are not proposed; available now
  (+15), from a day before the need is needed (+10), only after it (-20);
- capacity, when the need says how many people and the resource counts people
  (人): enough (+10), not enough alone (-10);
- load: already used by active projects (-5 each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongzhi.core.scoping import scope_queryset

from .models import Need, ProjectState, Resource, ResourceKind

PEOPLE_UNITS = {"人", "名", "people", "persons", "人次"}


@dataclass
class Proposal:
    resource: Resource
    score: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str) -> None:
        self.score += points
        self.reasons.append(reason)


def _place(proposal: Proposal, need: Need, resource: Resource) -> bool:
    need_code, code = need.region.code, resource.region.code
    if code == need_code:
        proposal.add(30, _("In the same place (%(place)s).") % {"place": resource.region.name})
    elif code[:12] == need_code[:12]:
        if resource.region.level == "community":
            proposal.add(20, _("Offered to the whole community (%(place)s).") % {"place": resource.region.name})
        else:
            proposal.add(20, _("In the same community, in %(place)s.") % {"place": resource.region.name})
    elif code[:9] == need_code[:9]:
        proposal.add(5, _("In the same subdistrict, in %(place)s.") % {"place": resource.region.name})
    else:
        return False
    return True


def _availability(proposal: Proposal, need: Need, resource: Resource, today: date) -> bool:
    if resource.available_until and resource.available_until < max(today, need.needed_by or today):
        return False
    starts = resource.available_from
    if starts is None or starts <= today:
        proposal.add(15, _("Available now.") if not resource.availability
                     else _("Available now (%(when)s).") % {"when": resource.availability})
    elif need.needed_by is None or starts <= need.needed_by:
        proposal.add(10, _("Available from %(day)s, in time.") % {"day": starts.isoformat()})
    else:
        proposal.add(-20, _("Available only from %(day)s, after it is needed (%(needed)s).")
                     % {"day": starts.isoformat(), "needed": need.needed_by.isoformat()})
    return True


def _capacity(proposal: Proposal, need: Need, resource: Resource) -> None:
    if not need.people_affected or resource.capacity is None or resource.capacity_unit.strip() not in PEOPLE_UNITS:
        return
    capacity = int(resource.capacity)
    if capacity >= need.people_affected:
        proposal.add(10, _("Room for %(capacity)d people; %(people)d are concerned.")
                     % {"capacity": capacity, "people": need.people_affected})
    else:
        proposal.add(-10, _("Room for %(capacity)d people only; %(people)d are concerned.")
                     % {"capacity": capacity, "people": need.people_affected})


def propose(actor, need: Need, *, limit: int = 10, today: date | None = None) -> list[Proposal]:
    """The best resources of the actor's area for ``need``, best first, each with the reasons for its score."""
    today = today or timezone.localdate()
    kinds = [need.kind] if need.kind == ResourceKind.OTHER else [need.kind, ResourceKind.OTHER]
    resources = (scope_queryset(Resource.objects.filter(is_active=True, kind__in=kinds)
                                .filter(region__code__startswith=need.region.code[:9]), actor)
                 .select_related("region", "provider_unit", "provider_party")
                 .annotate(active_projects=Count("projects", filter=Q(projects__state__in=(
                     ProjectState.PLANNED, ProjectState.UNDER_WAY)), distinct=True)))
    proposals = []
    for resource in resources:
        proposal = Proposal(resource)
        if resource.kind == need.kind:
            proposal.add(50, _("Offers %(kind)s, the kind needed.") % {"kind": resource.get_kind_display().lower()})
        else:
            proposal.add(10, _("Of another kind, may still help."))
        if not _place(proposal, need, resource) or not _availability(proposal, need, resource, today):
            continue
        _capacity(proposal, need, resource)
        if resource.active_projects:
            proposal.add(-5 * resource.active_projects, ngettext(
                "Already used by %(n)d active project.", "Already used by %(n)d active projects.",
                resource.active_projects) % {"n": resource.active_projects})
        proposals.append(proposal)
    proposals.sort(key=lambda p: (-p.score, p.resource.pk))
    return proposals[:limit]
