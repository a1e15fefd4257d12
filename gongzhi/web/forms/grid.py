"""Forms of the grid worker's pages: household visit and look-up."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.registry import selectors as registry_selectors

from .base import StyledForm

VISIT_CHOICES_MAX = 2000


class VisitForm(StyledForm):
    household = forms.ChoiceField(label=_("Household"))
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), input_formats=["%Y-%m-%dT%H:%M",
                                                                                  "%Y-%m-%d %H:%M"])
    notes = forms.CharField(label=_("What you found"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)
    follow_up_note = forms.CharField(label=_("What needs to be followed up"), required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.households = {
            str(h.pk): h for h in registry_selectors.households(actor).filter(grid=grid)
            .select_related("dwelling", "head").order_by("dwelling__address_text", "id")[:VISIT_CHOICES_MAX]}
        self.fields["household"].choices = [("", _("Choose the household"))] + [
            (pk, f"{h.dwelling or ''} · {h.head.name if h.head_id else '—'}") for pk, h in self.households.items()]
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"household": self.households[data["household"]], "visited_at": data["visited_at"],
                "notes": data.get("notes", ""), "follow_up_needed": data.get("follow_up_needed", False),
                "follow_up_note": data.get("follow_up_note", "")}


class LookupForm(StyledForm):
    """Sent by POST: see :func:`gongzhi.web.views.grid._lookup`."""

    q = forms.CharField(label=_("Name, pinyin initials, ID number, phone or address"), max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
