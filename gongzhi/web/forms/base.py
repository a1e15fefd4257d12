"""Bringing a service's refusal back into the form the user filled in.

Services raise ``ValidationError({field: [messages]})`` in the user's language
(they run inside the request's active language). The messages land on the
form field of the same name (or a named alias), or above the form when the
form has no such field, so the page shows them next to what the user typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_service_error(form: forms.Form, exc: ValidationError, aliases: dict | None = None) -> None:
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        items = exc.message_dict.items()
    else:
        items = [(None, exc.messages)]
    for field, messages in items:
        name = aliases.get(field, field)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if hasattr(form, "mark_invalid"):
        form.mark_invalid()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input (Django's documented multiple-file pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def photo_check_attrs() -> dict:
    """What ``photo-check.js`` needs to refuse a photo as soon as it is chosen, in the page's language."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    from gongzhi.cases.images import megabytes

    return {
        "data-photo-check": "", "data-max-bytes": str(settings.CASE_ATTACHMENT_MAX_BYTES),
        "data-max-count": str(settings.WEB_MAX_PHOTOS),
        "data-too-big": _("{name}: the photo is larger than %(max)s MB; please choose another.")
        % {"max": megabytes(settings.CASE_ATTACHMENT_MAX_BYTES)},
        "data-wrong-type": _("{name}: this is not a JPEG, PNG or WebP photo; please choose another."),
        "data-too-many": _("{name}: at most {n} photos; this one was not added."),
        "data-kept": _("Photos kept: {names}"), "data-remove": _("Remove {name}"),
    }


class StyledForm(forms.Form):
    """Marks invalid fields with aria-invalid and links them to their error text; photo inputs
    get the limits and messages of the check made in the browser (``photo-check.js``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        for field in self.fields.values():
            if isinstance(field, MultipleImageField):
                field.widget.attrs.update(photo_check_attrs())

    def full_clean(self):
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self):
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self.prefix + '-' if self.prefix else ''}{name}-errors"
