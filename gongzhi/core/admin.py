"""Admin of the core mechanisms: the calendar overrides.

CalendarOverride is deployment-wide, not region-bound, so this admin is not a
ScopedAuditedAdmin: it checks the capability ``calendar.manage`` and writes
through :func:`gongzhi.core.workcal.set_override` / ``remove_override``, which
audit the change and refresh the calendar cache.
"""

from django.contrib import admin
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.roles import can

from . import workcal
from .models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "note", "updated_at")
    list_filter = ("kind",)
    search_fields = ("note",)
    date_hierarchy = "date"
    fields = ("date", "kind", "note")

    # --- capability ---------------------------------------------------------
    def _allowed(self, request) -> bool:
        return can(request.user, workcal.CAPABILITY)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def get_readonly_fields(self, request, obj=None):
        # An override is keyed by its day: to move it, remove it and add another.
        return ("date",) if obj is not None else ()

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    # --- writes through the audited services ----------------------------------
    def save_model(self, request, obj, form, change):
        saved = workcal.set_override(actor=request.user, date=obj.date, kind=obj.kind, note=obj.note, reason="admin")
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        workcal.remove_override(actor=request.user, date=obj.date, reason="admin")

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def log_addition(self, *args, **kwargs):  # the audit trail replaces Django's LogEntry
        return None

    def log_change(self, *args, **kwargs):
        return None

    def log_deletion(self, *args, **kwargs):
        return None

    def log_deletions(self, *args, **kwargs):
        return None
