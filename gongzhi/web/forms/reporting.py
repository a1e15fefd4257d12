"""Reporting a problem: the resident's request and the grid worker's patrol report.

Both end in :func:`gongzhi.cases.services.create_case` (and
:func:`~gongzhi.cases.services.add_attachment` per photo). The place is a
point (from the browser's location or a pin on the map) or, without one, the
community chosen from the list. Photos are checked here with the same check
the attachment service applies (:func:`gongzhi.cases.images.check_image`), so
a bad photo is refused before anything is saved.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases.images import check_image
from gongzhi.cases.models import Urgency
from gongzhi.cases.services.intake import ADDRESS_MAX, DESCRIPTION_MAX, TITLE_MAX
from gongzhi.regions.models import Level
from gongzhi.regions.selectors import descendants

from .base import MultipleImageField, StyledForm


def category_choices():
    """Leaf categories grouped under their parents, as (group, [(code, name)]) for a <select>."""
    rows = list(case_selectors.categories())
    parents = {c.parent_id for c in rows if c.parent_id}
    groups: dict = {}
    for category in rows:
        if category.pk in parents:
            continue
        group = category.parent.name if category.parent_id else ""
        groups.setdefault(group, []).append((category.code, category.name))
    return [("", _("Choose a category"))] + [(group, items) for group, items in groups.items()]


def community_choices(prefix: str = ""):
    """Communities to name the place without a point. Names of administrative areas are public."""
    rows = descendants(prefix).filter(level=Level.COMMUNITY).select_related("parent").order_by("code")
    return [("", _("— not needed when a point is given —"))] + [
        (r.code, f"{r.parent.name} · {r.name}" if r.parent_id else r.name) for r in rows]


class ReportForm(StyledForm):
    category = forms.ChoiceField(label=_("Category"))
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX,
                            help_text=_("In a few words, e.g. “Street lamp broken at the north gate”."))
    description = forms.CharField(label=_("What happened"), max_length=DESCRIPTION_MAX, widget=forms.Textarea(
        attrs={"rows": 5}))
    photos = MultipleImageField(label=_("Photos"), required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    region = forms.ChoiceField(label=_("Community"), required=False,
                               help_text=_("Only needed when you cannot give the place on the map."))
    address = forms.CharField(label=_("Address or landmark"), max_length=ADDRESS_MAX, required=False)

    def __init__(self, *args, region_prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["region"].choices = community_choices(region_prefix)
        limit = settings.WEB_MAX_PHOTOS
        if "photos" in self.fields:  # the desk's form has none
            self.fields["photos"].help_text = ngettext(
                "At most %(n)d photo (JPEG, PNG or WebP).", "At most %(n)d photos (JPEG, PNG or WebP).", limit) % {
                "n": limit}

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        limit = settings.WEB_MAX_PHOTOS
        if len(photos) > limit:
            raise ValidationError(ngettext("Attach at most %(n)d photo.", "Attach at most %(n)d photos.", limit)
                                  % {"n": limit})
        for photo in photos:
            data = photo.read(settings.CASE_ATTACHMENT_MAX_BYTES + 1)
            photo.seek(0)
            try:
                check_image(data, keep_location=False, max_bytes=settings.CASE_ATTACHMENT_MAX_BYTES,
                            max_pixels=settings.CASE_ATTACHMENT_MAX_PIXELS, field="photos")
            except ValidationError as exc:
                raise ValidationError([f"{photo.name}: {m}" for m in exc.messages]) from None
        return photos

    def clean(self):
        data = super().clean()
        has_point = data.get("lon") is not None and data.get("lat") is not None
        if not has_point and not data.get("region") and not self.has_error("region"):
            self.add_error("region", _("Give the place: put a pin on the map, use your location, or choose the "
                                       "community."))
        return data

    def service_values(self) -> dict:
        data = self.cleaned_data
        has_point = data.get("lon") is not None and data.get("lat") is not None
        return {
            "category": data["category"], "title": data["title"], "description": data["description"],
            "lon": data["lon"] if has_point else None, "lat": data["lat"] if has_point else None,
            "region": data.get("region") or None, "address": data.get("address", ""),
        }


class ResidentReportForm(ReportForm):
    is_anonymous = forms.BooleanField(
        label=_("Keep my name from the handlers"), required=False,
        help_text=_("The units handling it will not see who reported it; the audit trail still records it."))


class PatrolReportForm(ReportForm):
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
