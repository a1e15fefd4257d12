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
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from gongzhi.cases import selectors as case_selectors
from gongzhi.cases.images import check_image
from gongzhi.cases.models import Urgency
from gongzhi.cases.services.intake import ADDRESS_MAX, DESCRIPTION_MAX, TITLE_MAX
from gongzhi.regions.models import Level
from gongzhi.regions.selectors import descendants

from .base import MultipleImageField, StyledForm


class CategorySelect(forms.Select):
    """The category <select>, each option carrying its keywords for the search (category-picker.js)."""

    keywords: dict = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        words = self.keywords.get(str(value))
        if words:
            option["attrs"]["data-keywords"] = words
        return option


def category_choices(rows=None):
    """Leaf categories grouped under their parents, as (group, [(code, name)]) for a <select>."""
    rows = list(case_selectors.categories()) if rows is None else rows
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
    category = forms.ChoiceField(label=_("Category"), widget=CategorySelect)
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
        rows = list(case_selectors.categories())
        self.fields["category"].choices = category_choices(rows)
        self.fields["category"].widget.keywords = {c.code: c.keywords for c in rows if c.keywords}
        self.popular = case_selectors.popular_categories()
        self.fields["region"].choices = community_choices(region_prefix)
        limit = settings.WEB_MAX_PHOTOS
        if "photos" in self.fields:  # the desk's form has none
            self.fields["photos"].help_text = ngettext(
                "At most %(n)d photo (JPEG, PNG or WebP).", "At most %(n)d photos (JPEG, PNG or WebP).", limit) % {
                "n": limit}

    def clean_photos(self):
        """Every photo is checked; the refusal names each refused photo and the ones that were fine.

        A browser cannot keep chosen files across a refused form, so the fine
        ones are named too: the user knows which to choose again. (With
        script, ``photo-check.js`` refuses a photo over the size limit as soon
        as it is chosen and keeps the others in the form.)
        """
        photos = self.cleaned_data.get("photos") or []
        limit = settings.WEB_MAX_PHOTOS
        if len(photos) > limit:
            raise ValidationError(ngettext("Attach at most %(n)d photo.", "Attach at most %(n)d photos.", limit)
                                  % {"n": limit})
        refused, fine = [], []
        for photo in photos:
            data = photo.read(settings.CASE_ATTACHMENT_MAX_BYTES + 1)
            photo.seek(0)
            try:
                check_image(data, keep_location=False, max_bytes=settings.CASE_ATTACHMENT_MAX_BYTES,
                            max_pixels=settings.CASE_ATTACHMENT_MAX_PIXELS, field="photos")
            except ValidationError as exc:
                refused += [f"{photo.name}：{m}" if get_language().startswith("zh") else f"{photo.name}: {m}"
                            for m in exc.messages]
            else:
                fine.append(photo.name)
        if refused:
            if fine:
                refused.append(_("These photos were fine but must be chosen again: %(names)s.")
                               % {"names": "、".join(fine)})
            raise ValidationError(refused)
        return photos

    def photos_to_choose_again(self) -> list[str]:
        """Names of photos sent with a form refused for another reason: the page asks for them again."""
        if not self.is_bound or not self.errors or "photos" in self.errors:
            return []
        return [f.name for f in self.files.getlist(self.add_prefix("photos"))] if hasattr(self.files, "getlist") \
            else []

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
