"""Admin screens: categories, routing rules and search synonyms are configured here; cases are only looked at.

A case changes only through its services (the state machine), so the case
screens are read-only for everybody. Categories and routing rules are saved
through :mod:`gongzhi.cases.services.configuration`, with its checks (area,
the unit's jurisdiction, one active rule per pair) and audit events; what it
refuses shows as the form's errors. Neither is deleted: deactivate instead.
"""

from django.contrib import admin

from gongzhi.audit.admin_base import ScopedAuditedAdmin, ScopedInline, adopt_saved

from .models import Case, CaseEvent, Category, RoutingRule, SynonymGroup
from .services import configuration, synonyms


class ConfigurationAdmin(ScopedAuditedAdmin):
    capability_view = configuration.CONFIGURE
    capability_change = configuration.CONFIGURE

    def has_delete_permission(self, request, obj=None):
        return False  # cases refer to categories and rules; deactivate instead

    def save_model(self, request, obj, form, change):
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            saved = self.update(request, current, changes) if changes else current
        else:
            saved = self.create(request, dict(form.cleaned_data))
        adopt_saved(obj, saved)


@admin.register(Category)
class CategoryAdmin(ConfigurationAdmin):
    list_display = ["code", "name", "parent", "default_unit_kind", "response_hours_normal",
                    "resolution_days_normal", "is_consultation", "is_active"]
    list_filter = ["is_consultation", "is_active", "default_unit_kind"]
    search_fields = ["code", "name", "keywords"]
    ordering = ["sort_order", "code"]

    def create(self, request, values):
        return configuration.create_category(actor=request.user, reason="admin", **values)

    def update(self, request, current, changes):
        return configuration.update_category(actor=request.user, category=current, reason="admin", **changes)


@admin.register(RoutingRule)
class RoutingRuleAdmin(ConfigurationAdmin):
    list_display = ["id", "category", "region", "unit", "is_active", "note"]
    list_filter = ["is_active"]
    autocomplete_fields = []
    raw_id_fields = ["region", "unit", "category"]

    def create(self, request, values):
        active = values.pop("is_active", True)
        rule = configuration.create_routing_rule(actor=request.user, **values)
        if not active:
            rule = configuration.deactivate_routing_rule(actor=request.user, rule=rule, reason="admin")
        return rule

    def update(self, request, current, changes):
        return configuration.update_routing_rule(actor=request.user, rule=current, reason="admin", **changes)


@admin.register(SynonymGroup)
class SynonymGroupAdmin(ConfigurationAdmin):
    """Synonyms of case search: saved and deleted through :mod:`gongzhi.cases.services.synonyms`."""

    list_display = ["id", "words", "note", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["words", "note"]
    fields = ["words", "note", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def create(self, request, values):
        return synonyms.create_synonyms(actor=request.user, reason="admin", **values)

    def update(self, request, current, changes):
        return synonyms.update_synonyms(actor=request.user, group=current, reason="admin", **changes)

    def delete_model(self, request, obj):
        synonyms.delete_synonyms(actor=request.user, group=obj, reason="admin")


class CaseEventInline(ScopedInline):
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
    list_display = ["id", "number", "title", "state", "category", "region_code", "lead_unit", "created_at",
                    "resolution_due"]
    list_filter = ["state", "channel", "urgency"]
    search_fields = ["title", "=number", "hotline_id"]
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]
    exclude = ["reporter"]  # may be anonymous to handlers

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields if f.name != "reporter"] + ["assisting_units"]
