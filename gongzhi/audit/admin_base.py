"""The base class of every admin screen: area-scoped, role-checked, audited.

The admin is one more face over the same mechanisms as pages and API:
- rows come through :func:`gongzhi.core.scoping.scope_queryset`;
- choices of related, region-bound objects are scoped too (foreign keys,
  many-to-many, and the choices of related list filters, which would
  otherwise list the names of every area), so nobody can move a row into an
  area they do not hold (and the services check the area of every write);
- what a user may do comes from role capabilities (:mod:`gongzhi.accounts.roles`),
  not from Django's per-model permission tables;
- every save and delete goes through the service of that action (its validation,
  capability and area checks, audit event): subclasses implement ``save_model`` /
  ``delete_model`` with it, or refuse the action; the base class refuses to write.

Related-object lookups are scoped by :class:`ScopedLookupsMixin` (used by the
base class and by :class:`ScopedInline`): the choices of foreign keys and
many-to-many fields, the label a raw-id widget prints beside an id, the
initial values taken from the query string (``?head=<id>``) and, through the
related admin's scoped queryset, the autocomplete answers. An id outside the
user's area shows nothing but itself.

Admins whose writes go through services (every domain admin) raise the
services' ``ValidationError`` / ``PermissionDenied`` from ``save_model`` /
``delete_model``; the base class shows them as form errors (the form again,
nothing written) or as messages, never as a server error.
"""

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import can
from gongzhi.core.scoping import ensure_in_scope, scope_queryset



def is_scoped(model) -> bool:
    """Rows of ``model`` are area data (a catalogue, ``ScopeSpec()``, is configuration and offered whole)."""
    spec = getattr(model, "scoping", None)
    return spec is not None and bool(spec.region or spec.unit or spec.owner)


def scoped_choices(model, request):
    return scope_queryset(model._default_manager.all(), request.user)


def adopt_saved(obj, saved) -> None:
    """Make the admin's unsaved form instance the row a service saved (for the admin's messages and redirect)."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db
    obj.refresh_from_db()


def refusal_messages(refusal) -> list[str]:
    if isinstance(refusal, ValidationError):
        return refusal.messages
    return [str(refusal) or _("You are not allowed to do this.")]


class ScopedForeignKeyRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """A raw-id widget that names the object beside the id only when the user may see it."""

    def __init__(self, rel, admin_site, attrs=None, using=None, *, queryset):
        super().__init__(rel, admin_site, attrs=attrs, using=using)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            visible = self.queryset.using(self.db).filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value) if visible else ("", "")


class ScopedLookupsMixin:
    """Every related-object lookup of an admin or inline scoped like the lists."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if is_scoped(related):
            kwargs.setdefault("queryset", scoped_choices(related, request))
            if "widget" not in kwargs and db_field.name in self.raw_id_fields:
                kwargs["widget"] = ScopedForeignKeyRawIdWidget(db_field.remote_field, self.admin_site,
                                                               using=kwargs.get("using"),
                                                               queryset=kwargs["queryset"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if is_scoped(related):
            kwargs.setdefault("queryset", scoped_choices(related, request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAuditedAdmin(ScopedLookupsMixin, admin.ModelAdmin):
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

    def get_changeform_initial_data(self, request):
        """Initial values from the query string; an id of a related row outside the area is dropped."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (field.is_relation and is_scoped(field.related_model)):
                continue
            values = value if isinstance(value, list) else [value]
            key = field.target_field.name if isinstance(field, models.ForeignKey) else "pk"
            try:
                seen = scoped_choices(field.related_model, request).filter(**{f"{key}__in": values}).count()
            except (ValueError, TypeError, ValidationError):
                seen = -1
            if seen != len(set(values)):
                del initial[name]
        return initial

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

    # --- refusals of the services --------------------------------------------
    service_error_fields: dict[str, str] = {}  # a service's field name → the form field that shows its error

    def save_form(self, request, form, change):
        request._gongzhi_saving = True  # from here on, a ValidationError/PermissionDenied is a service's refusal
        return super().save_form(request, form, change)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        if request.method != "POST" or hasattr(request, "_gongzhi_refusal"):
            return super()._changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic():
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as refusal:
            if not getattr(request, "_gongzhi_saving", False):
                raise
            # Nothing was written (the savepoint rolled back): the form again, with the refusal as its errors.
            request._gongzhi_saving, request._gongzhi_refusal = False, refusal
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        refusal = getattr(request, "_gongzhi_refusal", None)
        if refusal is None:
            return form
        model_admin = self

        class RefusedForm(form):
            def _post_clean(self):
                super()._post_clean()
                model_admin.add_refusal(self, refusal)

        RefusedForm.__name__ = form.__name__
        return RefusedForm

    def add_refusal(self, form, refusal) -> None:
        if isinstance(refusal, ValidationError) and hasattr(refusal, "error_dict"):
            for name, errors in refusal.message_dict.items():
                name = self.service_error_fields.get(name, name)
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, refusal_messages(refusal))

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except (ValidationError, PermissionDenied) as refusal:
            if not getattr(request, "_gongzhi_deleting", False):
                raise
            self.message_user(request, " ".join(refusal_messages(refusal)), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except (ValidationError, PermissionDenied) as refusal:  # list_editable rows saved through a service
            if not getattr(request, "_gongzhi_saving", False):
                raise
            self.message_user(request, " ".join(refusal_messages(refusal)), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS and getattr(request, "_gongzhi_refused", False):
            return None  # "Successfully deleted" after a refused bulk delete would be untrue
        return super().message_user(request, message, level, *args, **kwargs)

    # --- audit --------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        raise ImproperlyConfigured(f"{type(self).__name__} must save through the service of the action "
                                   "(its checks and audit event), not through the form")

    def delete_model(self, request, obj):
        raise ImproperlyConfigured(f"{type(self).__name__} must delete through the service of the action, "
                                   "or refuse deletions (has_delete_permission)")

    def delete_queryset(self, request, queryset):
        """All or nothing; a refusal of one row is shown as a message and nothing is deleted."""
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_model(request, obj)
        except (ValidationError, PermissionDenied) as refusal:
            request._gongzhi_refused = True
            self.message_user(request, " ".join(refusal_messages(refusal)), messages.ERROR)

    def construct_change_message(self, request, form, formsets, add=False):
        return []  # only for Django's LogEntry, which the audit trail replaces (and formsets saved by services)

    def log_addition(self, *args, **kwargs):  # our audit trail replaces Django's LogEntry
        return None

    def log_change(self, *args, **kwargs):
        return None

    def log_deletion(self, *args, **kwargs):
        return None

    def log_deletions(self, request, *args, **kwargs):
        request._gongzhi_deleting = True  # called just before delete_model / delete_queryset
        return None


class ScopedInline(ScopedLookupsMixin, admin.TabularInline):
    """An inline whose related-object lookups (choices, raw-id labels) are scoped like the lists."""
