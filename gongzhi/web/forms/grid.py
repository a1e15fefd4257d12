"""Forms of the grid worker's pages: household visit and look-up."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import StyledForm

class VisitForm(StyledForm):
    """A visit to one household, chosen before the form opens (from the list of visits due or the
    look-up): the page names it and posts its id alongside, never a list of every household."""

    visited_at = forms.DateTimeField(label=_("Visited at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), input_formats=["%Y-%m-%dT%H:%M",
                                                                                  "%Y-%m-%d %H:%M"])
    notes = forms.CharField(label=_("What you found"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    follow_up_needed = forms.BooleanField(label=_("Follow-up needed"), required=False)
    follow_up_note = forms.CharField(label=_("What needs to be followed up"), required=False, max_length=2000,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"household": self.household, "visited_at": data["visited_at"],
                "notes": data.get("notes", ""), "follow_up_needed": data.get("follow_up_needed", False),
                "follow_up_note": data.get("follow_up_note", "")}


class LookupForm(StyledForm):
    """Sent by POST: see :func:`gongzhi.web.views.grid._lookup`."""

    q = forms.CharField(label=_("Name, pinyin initials, ID number, phone or address"), max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
