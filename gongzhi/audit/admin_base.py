"""The base class of every admin screen: area-scoped, role-checked, audited.

The admin is one more face over the same mechanisms as pages and API:
- rows come through :func:`gongzhi.core.scoping.scope_queryset`;
- choices of related, region-bound objects are scoped too (foreign keys,
  many-to-many, and the choices of related list filters, which would
  otherwise list the names of every area), so nobody can move a row into an
  area they do not hold, and a save is re-checked after it;
- what a user may do comes from role capabilities (:mod:`gongzhi.accounts.roles`),
  not from Django's per-model permission tables;
- every save and delete writes an audit event in the same transaction.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction

from gongzhi.accounts.roles import can
from gongzhi.core.scoping import ensure_in_scope, scope_queryset

from .services import diff, record, snapshot


class ScopedAuditedAdmin(admin.ModelAdmin):
    capability_view: str = ""
    capability_change: str = ""

    # --- capabilities -------------------------------------------------------
    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return bool(self.capability_view) and can(request.user, self.capability_view) and self._in_scope(request, obj)

    def has_add_permission(self, request):
        return bool(self.capability_change) and can(request.user, self.capability_change)

    def has_change_permission(self, request, obj=None):
        return (bool(self.capability_change) and can(request.user, self.capability_change)
                and self._in_scope(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def _in_scope(self, request, obj):
        if obj is None:
            return True
        try:
            ensure_in_scope(obj, request.user)
        except PermissionDenied:
            return False
        return True

    # --- scoping ------------------------------------------------------------
    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if getattr(related, "scoping", None) is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope_queryset(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if getattr(related, "scoping", None) is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope_queryset(related._default_manager.all(), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """Related filters offer only the related rows that visible rows refer to."""
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and self._is_scoped_relation(entry):
                entry = (entry, admin.RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters

    def _is_scoped_relation(self, path: str) -> bool:
        try:
            field = get_fields_from_path(self.model, path)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return False
        related = getattr(field, "related_model", None)
        return bool(field.is_relation and related is not None and getattr(related, "scoping", None) is not None)

    # --- audit --------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        with transaction.atomic():
            obj.save()
            ensure_in_scope(obj, request.user)  # rolls back a move out of the user's area
            record(actor=request.user, action=f"{obj._meta.label_lower}.{'update' if change else 'create'}",
                   obj=obj, changes=diff(obj, before), reason="admin")

    def delete_model(self, request, obj):
        with transaction.atomic():
            record(actor=request.user, action=f"{obj._meta.label_lower}.delete", obj=obj, reason="admin")
            obj.delete()

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def log_addition(self, *args, **kwargs):  # our audit trail replaces Django's LogEntry
        return None

    def log_change(self, *args, **kwargs):
        return None

    def log_deletion(self, *args, **kwargs):
        return None

    def log_deletions(self, *args, **kwargs):
        return None
