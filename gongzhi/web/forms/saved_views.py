"""Forms of saved views: save the case list's current filters under a name; rename, share."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.models.saved_view import FILTER_KEYS
from gongzhi.cases.services.saved_views import NAME_MAX

from .base import StyledForm


class SavedViewForm(StyledForm):
    name = forms.CharField(label=_("Name of the view"), max_length=NAME_MAX)
    shared = forms.BooleanField(label=_("Share with my unit"), required=False)


def filters_of(query) -> dict:
    """The case-list filters in a query (a QueryDict), without paging or anything else."""
    return {key: query.get(key, "").strip() for key in FILTER_KEYS if query.get(key, "").strip()}


def query_of(view) -> str:
    return urlencode(sorted(view.filters.items()))
