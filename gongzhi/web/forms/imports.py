"""The form of the console's hotline import page: a file, a default region, check only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import StyledForm


class HotlineImportForm(StyledForm):
    file = forms.FileField(label=_("Hotline export (.xlsx or .csv)"), widget=forms.ClearableFileInput(
        attrs={"accept": ".xlsx,.csv"}))
    default_region = forms.CharField(
        label=_("Region code for rows without a place"), max_length=15, required=False,
        help_text=_("Used for rows with neither a point nor a 区划代码; empty: such rows are reported."))
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)
