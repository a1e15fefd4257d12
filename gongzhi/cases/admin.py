"""Admin screens: categories and routing rules are configured here; cases are only looked at.

A case changes only through its services (the state machine), so the case
screens are read-only for everybody.
"""

from django.contrib import admin

from gongzhi.audit.admin_base import ScopedAuditedAdmin

from .models import Case, CaseEvent, Category, RoutingRule


@admin.register(Category)
class CategoryAdmin(ScopedAuditedAdmin):
    capability_view = "cases.configure"
    capability_change = "cases.configure"
    list_display = ["code", "name", "parent", "default_unit_kind", "response_hours_normal",
                    "resolution_days_normal", "is_consultation", "is_active"]
    list_filter = ["is_consultation", "is_active", "default_unit_kind"]
    search_fields = ["code", "name"]
    ordering = ["sort_order", "code"]

    def has_delete_permission(self, request, obj=None):
        return False  # cases refer to categories; deactivate instead


@admin.register(RoutingRule)
class RoutingRuleAdmin(ScopedAuditedAdmin):
    capability_view = "cases.configure"
    capability_change = "cases.configure"
    list_display = ["id", "category", "region", "unit", "is_active", "note"]
    list_filter = ["is_active"]
    autocomplete_fields = []
    raw_id_fields = ["region", "unit", "category"]


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["at", "action", "from_state", "to_state", "actor_label", "unit", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ScopedAuditedAdmin):
    capability_view = "cases.dispatch"
    capability_change = ""  # read-only: every change goes through the state machine
    list_display = ["id", "title", "state", "category", "region_code", "lead_unit", "created_at", "resolution_due"]
    list_filter = ["state", "channel", "urgency"]
    search_fields = ["title", "hotline_id"]
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]
    exclude = ["reporter"]  # may be anonymous to handlers

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields if f.name != "reporter"] + ["assisting_units"]
