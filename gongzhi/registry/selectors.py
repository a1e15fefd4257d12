"""Every read of the registry, always narrowed to the actor's area.

Selectors return querysets (the faces paginate them) or small result objects.
Personal values are never filtered by their ciphertext: exact search on an ID
number or phone number goes through the blind index.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can, require
from gongzhi.core import crypto, workcal
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Region

from .models import (
    Building,
    CareTag,
    Compound,
    Dwelling,
    Household,
    HouseholdVisit,
    Organisation,
    Patrol,
    Person,
    PersonCareTag,
    PersonStatus,
    Sensitivity,
)

_ID_LIKE = re.compile(r"^[0-9]{15,17}[0-9Xx]$")
_DIGITS_LIKE = re.compile(r"^[0-9+\-\s()]{7,20}$")
_LATIN = re.compile(r"^[A-Za-z\s]+$")


def _view(actor, queryset: QuerySet) -> QuerySet:
    require(actor, "registry.view")
    return scope_queryset(queryset, actor)


# --- persons --------------------------------------------------------------------


def persons(actor, *, include_inactive: bool = False) -> QuerySet:
    queryset = Person.objects.select_related("grid", "dwelling")
    if not include_inactive:
        queryset = queryset.filter(status=PersonStatus.ACTIVE)
    return _view(actor, queryset)


def search_persons(actor, *, q: str = "", name: str = "", id_number: str = "", phone: str = "", address: str = "",
                   grid: Region | None = None, tag: CareTag | None = None, include_inactive: bool = False) -> QuerySet:
    """Persons matching every given criterion, in the actor's area, by pinyin.

    ``q`` guesses what was typed: an ID number or a phone number (exact, via
    the blind index), Latin letters (pinyin or initials: ``zs`` finds 张三), or
    Chinese (a name, or words of an address).
    """
    queryset = persons(actor, include_inactive=include_inactive)
    q = (q or "").strip()
    if q:
        if _ID_LIKE.match(q.replace(" ", "")):
            id_number = q
        elif _DIGITS_LIKE.match(q):
            phone = q
        elif _LATIN.match(q):
            letters = "".join(q.lower().split())
            queryset = queryset.filter(Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters))
        else:
            queryset = queryset.filter(Q(name__icontains=q) | _address_q(q, "dwelling__address_text"))
    if name:
        queryset = queryset.filter(name__icontains=name.strip())
    if id_number:
        # The unique index on it is partial (not empty): repeating that condition lets the database use it.
        queryset = queryset.filter(id_number_index=crypto.blind_index("id_number", id_number) or "-").exclude(
            id_number_index="")
    if phone:
        queryset = queryset.filter(phone_index=crypto.blind_index("phone", phone) or "-")
    if address:
        queryset = queryset.filter(_address_q(address, "dwelling__address_text"))
    if grid is not None:
        queryset = queryset.filter(grid=grid)
    if tag is not None:
        ensure_tag_visible(actor, tag)
        queryset = queryset.filter(tag_links__tag=tag)
    return queryset.order_by("name_pinyin", "id")


def looks_personal(text: str) -> bool:
    """True for text that looks like an ID number or a phone number, or holds one however written.

    Such values must not travel in URLs (query strings end up in access logs
    and browser history): faces send them in a POST body instead.
    """
    text = (text or "").strip()
    return bool(text) and bool(_ID_LIKE.match(text.replace(" ", "")) or _DIGITS_LIKE.match(text)
                               or crypto.personal_numbers(text))


def _address_q(text: str, field: str) -> Q:
    """Every word of ``text`` must occur in the address (``永安里 3号楼``)."""
    condition = Q()
    for word in text.split():
        condition &= Q(**{f"{field}__icontains": word})
    return condition


def visible_care_tags(actor) -> QuerySet:
    """Care tags the actor may see: "high" sensitivity only with ``registry.view_sensitive``."""
    require(actor, "registry.view")
    queryset = CareTag.objects.filter(is_active=True)
    if not can(actor, "registry.view_sensitive"):
        queryset = queryset.exclude(sensitivity=Sensitivity.HIGH)
    return queryset


def ensure_tag_visible(actor, tag: CareTag) -> None:
    if tag.is_sensitive and not can(actor, "registry.view_sensitive"):
        raise PermissionDenied(_("You are not allowed to do this."))


def tags_of(actor, person: Person) -> list[PersonCareTag]:
    return list(PersonCareTag.objects.filter(person=person, tag__in=visible_care_tags(actor)).select_related("tag"))


def with_visible_tags(actor, queryset: QuerySet) -> QuerySet:
    """Prefetch each person's visible care tags into ``visible_tag_links``."""
    links = PersonCareTag.objects.filter(tag__in=visible_care_tags(actor)).select_related("tag").order_by(
        "tag__position")
    return queryset.prefetch_related(Prefetch("tag_links", queryset=links, to_attr="visible_tag_links"))


def residences_of(actor, person: Person) -> QuerySet:
    return _view(actor, person.residences.select_related("dwelling"))


# --- places and others ------------------------------------------------------------


def dwellings(actor) -> QuerySet:
    return _view(actor, Dwelling.objects.select_related("grid", "compound", "building", "entrance"))


def search_dwellings(actor, *, q: str = "", grid: Region | None = None, compound: Compound | None = None,
                     use: str = "") -> QuerySet:
    queryset = dwellings(actor)
    if q.strip():
        queryset = queryset.filter(_address_q(q, "address_text"))
    if grid is not None:
        queryset = queryset.filter(grid=grid)
    if compound is not None:
        queryset = queryset.filter(compound=compound)
    if use:
        queryset = queryset.filter(use=use)
    return queryset.order_by("address_text", "id")


def compounds(actor) -> QuerySet:
    return _view(actor, Compound.objects.select_related("grid"))


def buildings(actor) -> QuerySet:
    return _view(actor, Building.objects.select_related("grid", "compound"))


def households(actor) -> QuerySet:
    return _view(actor, Household.objects.select_related("grid", "dwelling", "head"))


def organisations(actor, *, q: str = "", kind: str = "") -> QuerySet:
    queryset = _view(actor, Organisation.objects.select_related("grid"))
    if q.strip():
        queryset = queryset.filter(Q(name__icontains=q.strip()) | Q(credit_code=q.strip().upper()))
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def visits(actor, *, grid: Region | None = None) -> QuerySet:
    queryset = _view(actor, HouseholdVisit.objects.select_related("grid", "household", "dwelling", "visitor"))
    return queryset.filter(grid=grid) if grid is not None else queryset


def patrols(actor, *, grid: Region | None = None) -> QuerySet:
    queryset = _view(actor, Patrol.objects.select_related("grid", "patroller").prefetch_related("problems"))
    return queryset.filter(grid=grid) if grid is not None else queryset


# --- visiting rules ---------------------------------------------------------------


@dataclass(frozen=True)
class OverdueVisit:
    person: Person
    tag: CareTag  # the rule that makes the visit due earliest
    last_visit: dt.datetime | None
    due_date: dt.date  # the last working day on which the visit was still on time
    working_days_overdue: int


def overdue_visits(actor, *, grid: Region | None = None, today: dt.date | None = None) -> list[OverdueVisit]:
    """Persons whose care tags ask for a visit that has not happened in time.

    A tag's interval counts working days (``gongzhi.core.workcal``, on the
    calendar of the person's grid, so a local holiday there is skipped) from
    the later of the person's last visit and the day the tag was given; the
    visit is overdue once that many working days have passed without one. Sorted
    most overdue first. Tags the actor may not see are left out.
    """
    today = today or timezone.localdate()
    rule_tags = {t.pk: t for t in visible_care_tags(actor).filter(visit_interval_days__isnull=False)}
    links = scope_queryset(
        PersonCareTag.objects.filter(tag_id__in=list(rule_tags), person__status=PersonStatus.ACTIVE), actor)
    if grid is not None:
        links = links.filter(person__grid=grid)
    link_rows = list(links.values_list("person_id", "tag_id", "since", "person__grid__code"))
    if not link_rows:
        return []
    last_visits = dict(
        Person.objects.filter(pk__in=links.values("person_id")).annotate(last=Max("visits__visited_at"))
        .values_list("pk", "last"))
    due_cache: dict[tuple[dt.date, int, str], dt.date] = {}
    worst: dict[int, tuple[dt.date, int, str]] = {}
    for person_id, tag_id, since, region in link_rows:
        region = region or ""
        last = last_visits.get(person_id)
        start = max(timezone.localdate(last), since) if last else since
        interval = rule_tags[tag_id].visit_interval_days
        key = (start, interval, region)
        if key not in due_cache:
            due_cache[key] = workcal.nth_working_day(start, interval, region=region)
        due = due_cache[key]
        if today > due and (person_id not in worst or due < worst[person_id][0]):
            worst[person_id] = (due, tag_id, region)
    people = Person.objects.select_related("grid", "dwelling").in_bulk(list(worst))
    result = [
        OverdueVisit(person=people[pid], tag=rule_tags[tag_id], last_visit=last_visits.get(pid), due_date=due,
                     working_days_overdue=workcal.working_days_between(due, today, region=region))
        for pid, (due, tag_id, region) in worst.items()
    ]
    result.sort(key=lambda item: (item.due_date, item.person.grid.code, item.person.name_pinyin))
    return result


@dataclass(frozen=True)
class GridCoverage:
    grid: Region
    households: int
    visited: int

    @property
    def share(self) -> float:
        return self.visited / self.households if self.households else 0.0


def coverage(actor, *, days: int = 30, now: dt.datetime | None = None) -> list[GridCoverage]:
    """Per grid of the actor's area: households, and how many were visited in the last ``days`` days."""
    require(actor, "registry.view")
    since = (now or timezone.now()) - dt.timedelta(days=days)
    totals = dict(_view(actor, Household.objects.all()).values("grid").annotate(n=Count("id")).values_list("grid", "n"))
    visited = dict(
        _view(actor, HouseholdVisit.objects.filter(visited_at__gte=since, household__isnull=False))
        .values("household__grid").annotate(n=Count("household", distinct=True))
        .values_list("household__grid", "n"))
    grids = Region.objects.in_bulk(list(set(totals) | set(visited)))
    rows = [GridCoverage(grid=grids[g], households=totals.get(g, 0), visited=visited.get(g, 0)) for g in grids]
    return sorted(rows, key=lambda row: row.grid.code)
