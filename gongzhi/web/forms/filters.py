"""The filters of the case list: the API's filters (CaseFilters), plus due today / this week."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.cases import selectors
from gongzhi.cases.models import OPEN_STATES, CaseState

from .base import StyledForm

OVERDUE = [("", _("Any")), ("1", _("Overdue")), ("0", _("Not overdue"))]
# The "open" choice of the state filter: every open state, in the order of the states.
OPEN_FILTER = ",".join(state for state in CaseState.values if state in OPEN_STATES)
DUE = [("", _("Any time")), ("today", _("Due today")), ("week", _("Due this week"))]


class CaseFilterForm(StyledForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words or case number")}))
    state = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.CharField(label=_("Region code"), required=False, max_length=15)
    unit = forms.CharField(label=_("Lead unit code"), required=False, max_length=32)
    created_from = forms.DateField(label=_("Reported from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    created_to = forms.DateField(label=_("Reported until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    overdue = forms.ChoiceField(label=_("Overdue"), choices=OVERDUE, required=False)
    due = forms.ChoiceField(label=_("Deadline"), choices=DUE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
