"""Reads of the party app, always scoped (``gongzhi.core.scoping``).

Membership is sensitive, read like the care tags of sensitivity "high": the
querysets of members, member reports and participation are empty for an actor
without ``party.members`` (:func:`_sensitive`), whatever its area; with it, the
area applies as everywhere. Pages show the names masked.
"""

from __future__ import annotations

import math
from fractions import Fraction
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from gongzhi.accounts.roles import can
from gongzhi.core.scoping import scope_queryset

from .models import (
    Decision,
    DecisionState,
    GroupActivity,
    GroupMember,
    Incubation,
    JointMeeting,
    MemberReport,
    Need,
    PartTimeMember,
    Project,
    Resource,
    Participation,
    ParticipationMinimum,
    PartyMember,
    PartyOrganisation,
    ServicePost,
    Support,
    UnitReport,
)


def _id(value) -> int | None:
    try:
        value = int(value)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def _sensitive(queryset: QuerySet, actor) -> QuerySet:
    """Rows that say someone is a party member: scoped, and none at all without ``party.members``."""
    if not can(actor, "party.members"):
        return queryset.none()
    return scope_queryset(queryset, actor)


def _get(queryset: QuerySet, pk):
    pk = _id(pk)
    return queryset.filter(pk=pk).first() if pk else None


# --- the tree -----------------------------------------------------------------------


def organisations(actor, *, q: str = "", level: str = "", active: bool | None = True) -> QuerySet:
    queryset = scope_queryset(PartyOrganisation.objects.select_related("region", "parent", "building"), actor)
    if q:
        queryset = queryset.filter(name__icontains=q)
    if level:
        queryset = queryset.filter(level=level)
    if active is True:
        queryset = queryset.filter(dissolved_on__isnull=True)
    elif active is False:
        queryset = queryset.filter(dissolved_on__isnull=False)
    return queryset.annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))


def organisation(actor, pk) -> PartyOrganisation | None:
    return _get(organisations(actor, active=None), pk)


@dataclass
class TreeNode:
    organisation: PartyOrganisation
    children: list


def tree(actor) -> list[TreeNode]:
    """The active organisations of the actor's area as a forest (roots: those whose parent is out of sight)."""
    rows = list(organisations(actor).order_by("region__code", "level", "name"))
    nodes = {org.pk: TreeNode(org, []) for org in rows}
    roots = []
    for org in rows:
        parent = nodes.get(org.parent_id)
        (parent.children if parent else roots).append(nodes[org.pk])
    return roots


def members(actor, *, organisation: PartyOrganisation | None = None, current: bool = True,
            role: str = "") -> QuerySet:
    """Members (names masked by the pages): nothing without ``party.members``."""
    queryset = _sensitive(PartyMember.objects.select_related("person", "organisation__region"), actor)
    if organisation is not None:
        queryset = queryset.filter(organisation=organisation)
    if current:
        queryset = queryset.filter(left_on__isnull=True)
    if role:
        queryset = queryset.filter(role=role)
    return queryset


def member(actor, pk) -> PartyMember | None:
    return _get(members(actor, current=False), pk)


# --- 双报到 -------------------------------------------------------------------------


def posts(actor, *, community=None, active: bool | None = True) -> QuerySet:
    queryset = scope_queryset(ServicePost.objects.select_related("community"), actor)
    if community is not None:
        queryset = queryset.filter(community=community)
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.annotate(
        units_taken=Count("unit_reports", filter=Q(unit_reports__ended_on__isnull=True), distinct=True),
        members_taken=Count("member_reports", filter=Q(member_reports__ended_on__isnull=True), distinct=True))


def post(actor, pk) -> ServicePost | None:
    return _get(posts(actor, active=None), pk)


def unit_reports(actor, *, community=None, current: bool = True, q: str = "") -> QuerySet:
    queryset = scope_queryset(UnitReport.objects.select_related("unit", "community"), actor)
    if community is not None:
        queryset = queryset.filter(community=community)
    if current:
        queryset = queryset.filter(ended_on__isnull=True)
    if q:
        queryset = queryset.filter(unit__name__icontains=q)
    return queryset.prefetch_related("posts")


def unit_report(actor, pk) -> UnitReport | None:
    return _get(unit_reports(actor, current=False), pk)


def member_reports(actor, *, community=None, current: bool = True) -> QuerySet:
    queryset = _sensitive(MemberReport.objects.select_related("person", "community", "unit"), actor)
    if community is not None:
        queryset = queryset.filter(community=community)
    if current:
        queryset = queryset.filter(ended_on__isnull=True)
    return queryset.prefetch_related("posts")


def member_report(actor, pk) -> MemberReport | None:
    return _get(member_reports(actor, current=False), pk)


def participations(actor, *, report: MemberReport | None = None, year: int | None = None) -> QuerySet:
    queryset = _sensitive(Participation.objects.select_related("report__person", "post"), actor)
    if report is not None:
        queryset = queryset.filter(report=report)
    if year is not None:
        queryset = queryset.filter(on__year=year)
    return queryset


def minimum_for(community_id: int) -> int:
    """The yearly minimum of a community: its own, else ``PARTY_PARTICIPATION_MINIMUM``."""
    row = ParticipationMinimum.objects.filter(community_id=community_id).first()
    return row.minimum if row else settings.PARTY_PARTICIPATION_MINIMUM


def expected_in(minimum: int, year: int, reported_on: date, ended_on: date | None) -> int:
    """The minimum for the part of ``year`` a member was reporting: pro rata by days, to the nearest whole time.

    A member who reported on 1 July owes half the year's minimum; a whole year owes all of it.
    """
    start, end = max(date(year, 1, 1), reported_on), min(date(year, 12, 31), ended_on or date(year, 12, 31))
    if end < start:
        return 0
    days_in_year = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    share = Fraction(minimum * ((end - start).days + 1), days_in_year)
    return math.floor(share + Fraction(1, 2))


@dataclass
class ParticipationRow:
    report: MemberReport
    times: int
    hours: Decimal
    minimum: int
    expected: int

    @property
    def below(self) -> bool:
        return self.times < self.expected

    @property
    def name_masked(self) -> str:
        return self.report.name_masked


def participation(actor, *, year: int, community=None, below_only: bool = False) -> list[ParticipationRow]:
    """Each member reporting at some time in ``year``: times and hours served, the minimum, whether below it.

    A member who reported (or stopped) during the year owes the minimum pro rata
    (:func:`expected_in`); in the current year the whole year's share counts, so a
    member is listed until they have served enough for the year.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    reports = (member_reports(actor, community=community, current=False)
               .filter(reported_on__lte=last).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
               .annotate(times=Count("participations", filter=Q(participations__on__year=year)),
                         hours=Coalesce(Sum("participations__hours", filter=Q(participations__on__year=year)),
                                        Decimal("0")))
               .order_by("community__code", "person__name_pinyin", "id"))
    minimums: dict[int, int] = {}
    rows = []
    for report in reports:
        if report.community_id not in minimums:
            minimums[report.community_id] = minimum_for(report.community_id)
        minimum = minimums[report.community_id]
        row = ParticipationRow(report=report, times=report.times, hours=report.hours, minimum=minimum,
                               expected=expected_in(minimum, year, report.reported_on, report.ended_on))
        if not below_only or row.below:
            rows.append(row)
    return rows


def below_minimum(actor, *, year: int, community=None) -> list[ParticipationRow]:
    """The members who served fewer times in ``year`` than the minimum asks of them (不达标名单)."""
    return participation(actor, year=year, community=community, below_only=True)


# --- the 大党委 ------------------------------------------------------------------------


def part_time_members(actor, *, committee=None, serving_on: date | None = None) -> QuerySet:
    queryset = scope_queryset(PartTimeMember.objects.select_related("committee", "unit"), actor)
    if committee is not None:
        queryset = queryset.filter(committee=committee)
    if serving_on is not None:
        queryset = queryset.filter(term_start__lte=serving_on, term_end__gte=serving_on)
    return queryset


def meetings(actor, *, committee=None, state: str = "") -> QuerySet:
    queryset = scope_queryset(JointMeeting.objects.select_related("committee__region"), actor)
    if committee is not None:
        queryset = queryset.filter(committee=committee)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.annotate(open_decisions=Count("decisions", filter=Q(decisions__state=DecisionState.OPEN)))


def meeting(actor, pk) -> JointMeeting | None:
    return _get(meetings(actor), pk)


def decisions(actor, *, open_only: bool = False, overdue_at=None) -> QuerySet:
    queryset = scope_queryset(Decision.objects.select_related("meeting__committee__region", "owner_unit"), actor)
    if open_only:
        queryset = queryset.filter(state=DecisionState.OPEN)
    if overdue_at is not None:
        queryset = queryset.filter(state=DecisionState.OPEN, due_at__lt=overdue_at)
    return queryset.order_by("due_at", "id")


def decision(actor, pk) -> Decision | None:
    return _get(decisions(actor), pk)


# --- social organisations ---------------------------------------------------------------


def incubations(actor, *, stage: str = "") -> QuerySet:
    queryset = scope_queryset(Incubation.objects.select_related("organisation__grid", "sponsor"), actor)
    if stage:
        queryset = queryset.filter(stage=stage)
    return queryset


def incubation(actor, pk) -> Incubation | None:
    return _get(incubations(actor), pk)


def group_members(actor, organisation) -> QuerySet:
    """The current members of a social organisation (names masked by the pages)."""
    return scope_queryset(GroupMember.objects.filter(organisation=organisation, left_on__isnull=True)
                          .select_related("person"), actor).order_by("role", "id")


def group_activities(actor, organisation) -> QuerySet:
    return scope_queryset(GroupActivity.objects.filter(organisation=organisation), actor).order_by("-on", "-id")


def supports(actor, incubation) -> QuerySet:
    return scope_queryset(Support.objects.filter(incubation=incubation), actor).order_by("-on", "-id")


# --- the three lists --------------------------------------------------------------------


def needs(actor, *, state: str = "", q: str = "", kind: str = "") -> QuerySet:
    queryset = scope_queryset(Need.objects.select_related("region"), actor)
    if state:
        queryset = queryset.filter(state=state)
    if kind:
        queryset = queryset.filter(kind=kind)
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return queryset


def need(actor, pk) -> Need | None:
    return _get(needs(actor), pk)


def resources(actor, *, kind: str = "", q: str = "", active: bool | None = True) -> QuerySet:
    queryset = scope_queryset(Resource.objects.select_related("region", "provider_unit", "provider_party"), actor)
    if kind:
        queryset = queryset.filter(kind=kind)
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if active is not None:
        queryset = queryset.filter(is_active=active)
    return queryset


def resource(actor, pk) -> Resource | None:
    return _get(resources(actor, active=None), pk)


def projects(actor, *, state: str = "") -> QuerySet:
    queryset = scope_queryset(Project.objects.select_related("region", "owner", "owner_unit"), actor)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.prefetch_related("needs", "resources")


def project(actor, pk) -> Project | None:
    return _get(projects(actor), pk)
