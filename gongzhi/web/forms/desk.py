"""The desk (受理台): a call or a visit registered by staff; a unit's reply templates.

The desk form is the reporting form (:class:`.reporting.ReportForm`: category, title,
description, place) with the channel, urgency, the hotline's own number and the caller's
name and phone; it ends in :func:`gongzhi.cases.services.hotline.register_desk_case`.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases.models import Channel, Urgency
from gongzhi.cases.services.contacts import NAME_MAX
from gongzhi.cases.services.intake import HOTLINE_ID_MAX
from gongzhi.cases.services.reply_templates import NAME_MAX as TEMPLATE_NAME_MAX
from gongzhi.cases.services.reply_templates import TEXT_MAX

from .base import StyledForm
from .reporting import ReportForm

DESK_CHANNELS = [(Channel.HOTLINE_12345, _("12345 hotline")), (Channel.WALK_IN, _("Walk-in"))]


class DeskForm(ReportForm):
    photos = None  # a call brings no photos; a visitor's are attached on the case page
    channel = forms.ChoiceField(label=_("Channel"), choices=DESK_CHANNELS, initial=Channel.HOTLINE_12345)
    hotline_id = forms.CharField(label=_("Hotline no."), max_length=HOTLINE_ID_MAX, required=False,
                                 help_text=_("The 12345 platform's own work order number, when it has one."))
    caller_name = forms.CharField(label=_("Caller's name"), max_length=NAME_MAX, required=False)
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=30, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
                                   help_text=_("Used for the callback; shown masked. “Earlier cases” finds the "
                                               "caller's other cases by this number."))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)

    field_order = ["channel", "hotline_id", "caller_name", "caller_phone", "category", "title", "description",
                   "urgency"]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {**super().service_values(), "channel": data["channel"], "urgency": data["urgency"],
                "hotline_id": data.get("hotline_id") or None, "caller_name": data.get("caller_name", ""),
                "caller_phone": data.get("caller_phone", "")}


def _template_category_choices():
    """Every category, leaves under their group, and the groups themselves (a group's template serves its leaves)."""
    rows = list(case_selectors.categories())
    return [("", _("Choose a category"))] + [
        (c.code, f"{c.parent.name} · {c.name}" if c.parent_id else c.name) for c in rows]


class ReplyTemplateForm(StyledForm):
    category = forms.ChoiceField(label=_("Category"))
    name = forms.CharField(label=_("Name"), max_length=TEMPLATE_NAME_MAX,
                           help_text=_("A short name to pick it by, e.g. “Street lamp repaired”."))
    text = forms.CharField(label=_("Text of the reply"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _template_category_choices()
