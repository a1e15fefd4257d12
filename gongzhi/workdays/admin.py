"""Admin of the calendar overrides (``core.CalendarOverride``; listed under the core mechanisms).

A ``ScopedAuditedAdmin`` for the capability ``calendar.manage``: an
administrator without an area sees and changes every override; one with an
area sees the overrides inside it and may create them only there (a
deployment-wide override, blank region, needs no area). Writes go through
:func:`gongzhi.workdays.services.set_override` / ``remove_override``, which
check the same, audit the change and refresh the calendar cache.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import can
from gongzhi.audit.admin_base import ScopedAuditedAdmin
from gongzhi.core import workcal
from gongzhi.core.models import CalendarOverride, ScheduleDay
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


class CalendarDayAdmin(ScopedAuditedAdmin):
    """What the admins of calendar days share: a day is keyed by its date and region (to move one,
    remove it and add another), shown with its weekday and the region's name."""

    blank_region = ""  # what a day of no region applies to

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_readonly_fields(self, request, obj=None):
        return ("date", "region_code") if obj is not None else ()

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    @admin.display(description=_("region"), ordering="region_code")
    def region(self, obj):
        if not obj.region_code:
            return self.blank_region
        name = region_names([obj.region_code]).get(obj.region_code, "")
        return f"{name} ({obj.region_code})" if name else obj.region_code


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(CalendarDayAdmin):
    capability_view = services.CAPABILITY
    capability_change = services.CAPABILITY
    form = CalendarOverrideForm
    list_display = ("date", "weekday", "region", "kind", "note", "updated_at")
    list_filter = ("kind", RegionCodeFilter)
    search_fields = ("note", "region_code")
    date_hierarchy = "date"
    fields = ("date", "region_code", "kind", "note")

    blank_region = _("Everywhere")

    # --- writes through the audited services ----------------------------------
    def save_model(self, request, obj, form, change):
        saved = services.set_override(actor=request.user, date=obj.date, kind=obj.kind, note=obj.note,
                                     region=obj.region_code, reason="admin")
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.remove_override(actor=request.user, date=obj.date, region=obj.region_code, reason="admin")


# --- the holiday schedule of a year ----------------------------------------------------------

def _checked_region(request, value) -> str:
    """The stored region of a schedule day the admin's user may write, or a form ValidationError."""
    try:
        code = services.region_prefix(value)
    except ValidationError as error:
        raise ValidationError(error.messages) from None
    try:
        services.ensure_may_manage(request.user, code)
    except PermissionDenied:
        if code:
            raise ValidationError(_("This region is outside your area."), code="scope") from None
        raise ValidationError(_("Only an administrator without an area may change the national schedule: "
                                "enter a region of your area."), code="scope") from None
    return code


class ScheduleDayForm(forms.ModelForm):
    request = None  # set by ScheduleDayAdmin.get_form

    class Meta:
        model = ScheduleDay
        fields = ("date", "region_code", "kind", "name", "source")

    def clean_region_code(self):
        return _checked_region(self.request, self.cleaned_data.get("region_code"))


class LoadYearForm(forms.Form):
    file = forms.FileField(label=_("Schedule file (CSV: date,kind,name)"))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1901, max_value=2199,
                              help_text=_("Optional: every date of the file must lie in this year."))
    region_code = forms.CharField(label=_("Region code"), required=False, max_length=15,
                                  help_text=_("Blank: the national schedule."))
    source = forms.CharField(label=_("Source"), required=False, max_length=200,
                             help_text=_("Where the days come from, e.g. the State Council notice."))
    dry_run = forms.BooleanField(label=_("Only check, write nothing"), required=False)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_region_code(self):
        return _checked_region(self.request, self.cleaned_data.get("region_code"))


class ScheduleYearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = sorted({d.year for d in model_admin.get_queryset(request).dates("date", "year")})
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(date__year=int(value)) if value and value.isdigit() else queryset


@admin.register(ScheduleDay)
class ScheduleDayAdmin(CalendarDayAdmin):
    """Enter or correct the days of a year's holiday schedule, or load a whole year from a file."""

    capability_view = services.CAPABILITY
    capability_change = services.CAPABILITY
    form = ScheduleDayForm
    change_list_template = "admin/core/scheduleday/change_list.html"
    list_display = ("date", "weekday", "kind", "name", "region", "source", "created_by", "updated_at")
    list_filter = (ScheduleYearFilter, "kind", RegionCodeFilter)
    search_fields = ("name", "source", "region_code")
    fields = ("date", "region_code", "kind", "name", "source")

    blank_region = _("National")

    def save_model(self, request, obj, form, change):
        saved = services.set_day(actor=request.user, date=obj.date, kind=obj.kind, name=obj.name,
                                 source=obj.source, region=obj.region_code, reason="admin")
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.remove_day(actor=request.user, date=obj.date, region=obj.region_code, reason="admin")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    # --- load a year ---------------------------------------------------------------------------
    def get_urls(self):
        return [path("load/", self.admin_site.admin_view(self.load_view), name="core_scheduleday_load"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_load": can(request.user, services.CAPABILITY)}
        return super().changelist_view(request, extra_context)

    def load_view(self, request):
        """Upload a year's schedule; every bad line is listed and nothing is written unless all is well."""
        if not can(request.user, services.CAPABILITY):
            raise PermissionDenied
        form = LoadYearForm(request.POST or None, request.FILES or None, request=request)
        result, problems = None, []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                result = services.load_year(actor=request.user, data=data["file"].read(), year=data["year"],
                                            region=data["region_code"], source=data["source"],
                                            dry_run=data["dry_run"], reason="admin")
            except ValidationError as error:
                problems = error.messages
            except PermissionDenied as error:
                problems = [str(error)]
            if result is not None and not result.dry_run:
                self.message_user(request, _("The schedule of %(year)d is loaded: %(n)d days.")
                                  % {"year": result.year, "n": len(result.rows)}, messages.SUCCESS)
                return redirect(f"{request.path.rsplit('load/', 1)[0]}?year={result.year}")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "result": result, "problems": problems, "title": _("Load a year's holiday schedule"),
                   "missing": workcal.missing_schedule_years()}
        return TemplateResponse(request, "admin/core/scheduleday/load.html", context)
