"""Admin of the calendar overrides (``core.CalendarOverride``; listed under the core mechanisms).

A ``ScopedAuditedAdmin`` for the capability ``calendar.manage``: an
administrator without an area sees and changes every override; one with an
area sees the overrides inside it and may create them only there (a
deployment-wide override, blank region, needs no area). Writes go through
:func:`gongzhi.workdays.services.set_override` / ``remove_override``, which
check the same, audit the change and refresh the calendar cache.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from gongzhi.audit.admin_base import ScopedAuditedAdmin
from gongzhi.core.models import CalendarOverride
from gongzhi.regions.models import Region

from . import services


def region_names(codes) -> dict[str, str]:
    """Names of the regions whose significant prefix is one of ``codes``."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    candidates = {code if len(code) >= 12 else code.ljust(12, "0") for code in codes}
    names = {}
    for region in Region.objects.filter(code__in=candidates).only("code", "name", "level"):
        if region.prefix in codes:
            names[region.prefix] = region.name
    return names


class RegionCodeFilter(admin.SimpleListFilter):
    title = _("region")
    parameter_name = "region_code"
    EVERYWHERE = "-"

    def lookups(self, request, model_admin):
        codes = sorted(set(model_admin.get_queryset(request).values_list("region_code", flat=True)))
        names = region_names(codes)
        return [(code or self.EVERYWHERE, f"{names.get(code, '')} {code}".strip() if code else _("Everywhere"))
                for code in codes]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(region_code="" if value == self.EVERYWHERE else value)


class CalendarOverrideForm(forms.ModelForm):
    request = None  # set by CalendarOverrideAdmin.get_form

    class Meta:
        model = CalendarOverride
        fields = ("date", "region_code", "kind", "note")

    def clean_region_code(self):
        try:
            code = services.region_prefix(self.cleaned_data.get("region_code"))
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        try:
            services.ensure_may_manage(self.request.user, code)
        except PermissionDenied:
            if code:
                raise ValidationError(_("This region is outside your area."), code="scope") from None
            raise ValidationError(_("Only an administrator without an area may set an override for everywhere: "
                                    "enter a region of your area."), code="scope") from None
        return code


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ScopedAuditedAdmin):
    capability_view = services.CAPABILITY
    capability_change = services.CAPABILITY
    form = CalendarOverrideForm
    list_display = ("date", "weekday", "region", "kind", "note", "updated_at")
    list_filter = ("kind", RegionCodeFilter)
    search_fields = ("note", "region_code")
    date_hierarchy = "date"
    fields = ("date", "region_code", "kind", "note")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_readonly_fields(self, request, obj=None):
        # An override is keyed by its day and region: to move it, remove it and add another.
        return ("date", "region_code") if obj is not None else ()

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    @admin.display(description=_("region"), ordering="region_code")
    def region(self, obj):
        if not obj.region_code:
            return _("Everywhere")
        name = region_names([obj.region_code]).get(obj.region_code, "")
        return f"{name} ({obj.region_code})" if name else obj.region_code

    # --- writes through the audited services ----------------------------------
    def save_model(self, request, obj, form, change):
        saved = services.set_override(actor=request.user, date=obj.date, kind=obj.kind, note=obj.note,
                                     region=obj.region_code, reason="admin")
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.remove_override(actor=request.user, date=obj.date, region=obj.region_code, reason="admin")
