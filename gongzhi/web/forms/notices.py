"""The form of a public notice (staff): title, text, area, publish and expiry time, pinned."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.noticeboard.models import BODY_MAX, TITLE_MAX
from gongzhi.regions.models import Level
from gongzhi.regions.selectors import regions_for

from .base import StyledForm

DATETIME = dict(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
AREA_LEVELS = (Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY)


class NoticeForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8}))
    region = forms.ChoiceField(label=_("For the residents of"),
                               help_text=_("A notice for a subdistrict reaches every community in it."))
    publish_at = forms.DateTimeField(label=_("Publish from"), required=False,
                                     help_text=_("Leave empty to publish now."), **DATETIME)
    expire_at = forms.DateTimeField(label=_("Show until"), required=False,
                                    help_text=_("Leave empty to show it until it is withdrawn."), **DATETIME)
    pinned = forms.BooleanField(label=_("Pin to the top"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        areas = regions_for(actor).filter(level__in=AREA_LEVELS).order_by("code")[:500]
        self.fields["region"].choices = [("", _("Choose the area"))] + [
            (r.code, f"{r.parent.name} · {r.name}" if r.parent_id else r.name) for r in areas]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "body": data["body"], "region": data["region"],
                "publish_at": data.get("publish_at"), "expire_at": data.get("expire_at"),
                "pinned": data.get("pinned", False)}
