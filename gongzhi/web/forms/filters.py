"""The filters of the case list: the API's filters (CaseFilters), plus due today / this week."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Unit
from gongzhi.cases import selectors
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Level, Region
from gongzhi.cases.models import OPEN_STATES, CaseState

from .base import StyledForm

GRIDS_UP_TO = 2000  # beyond this many regions, grids are left out of the area picker (communities remain)
INDENT = {Level.DISTRICT: 0, Level.SUBDISTRICT: 1, Level.COMMUNITY: 2, Level.GRID: 3}


def region_choices(user) -> list[tuple[str, str]]:
    """The areas a user filters by, by name and in tree order: their own area's regions, else all.

    Names of administrative areas are public; a department (whose staff have no
    area, only their unit's cases) picks among them all. Indented by level
    with full-width spaces, so the tree reads without codes.
    """
    regions = Region.objects.all()
    if user is not None:
        scoped = scope_queryset(regions, user)
        if scoped.exists():
            regions = scoped
    if regions.count() > GRIDS_UP_TO:
        regions = regions.exclude(level=Level.GRID)
    rows = regions.order_by("code").values_list("code", "name", "level")
    return [(code, "\u3000" * INDENT.get(level, 0) + name) for code, name, level in rows]

OVERDUE = [("", _("Any")), ("1", _("Overdue")), ("0", _("Not overdue"))]
# The "open" choice of the state filter: every open state, in the order of the states.
OPEN_FILTER = ",".join(state for state in CaseState.values if state in OPEN_STATES)
DUE = [("", _("Any time")), ("today", _("Due today")), ("week", _("Due this week"))]


class CaseFilterForm(StyledForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words or case number")}))
    state = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.ChoiceField(label=_("Area"), required=False)
    unit = forms.ChoiceField(label=_("Lead unit"), required=False)
    created_from = forms.DateField(label=_("Reported from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    created_to = forms.DateField(label=_("Reported until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    overdue = forms.ChoiceField(label=_("Overdue"), choices=OVERDUE, required=False)
    due = forms.ChoiceField(label=_("Deadline"), choices=DUE, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        regions = region_choices(user)
        asked = (self.data.get("region") or "").strip() if self.is_bound else ""
        if asked and asked not in {code for code, _name in regions}:
            # A link may name a grid left out of a long list: it is offered by name too.
            found = Region.objects.filter(code=asked).values_list("code", "name").first()
            if found:
                regions.append(found)
        self.fields["region"].choices = [("", _("Anywhere"))] + regions
        self.fields["unit"].choices = [("", _("Any"))] + list(
            Unit.objects.filter(is_active=True).order_by("kind", "name").values_list("code", "name"))
        self.fields["state"].choices = [("", _("Any")), ("received,returned,arbitration", _("Waiting for dispatch")),
                                        ("dispatched,in_progress", _("Being handled")),
                                        (OPEN_FILTER, _("Open"))] + list(CaseState.choices)
        self.fields["category"].choices = [("", _("Any"))] + [
            (c.code, f"{c.parent.name} · {c.name}" if c.parent_id else c.name) for c in selectors.categories()]

    def case_filters(self) -> selectors.CaseFilters:
        data = self.cleaned_data
        overdue = {"1": True, "0": False}.get(data.get("overdue") or "")
        return selectors.CaseFilters(
            state=data.get("state") or None, category=data.get("category") or None, region=data.get("region") or None,
            unit=data.get("unit") or None, created_from=data.get("created_from"), created_to=data.get("created_to"),
            overdue=overdue, q=data.get("q") or None)
