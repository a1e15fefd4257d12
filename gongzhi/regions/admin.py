"""Admin screens for the region tree and, separately, for grids.

Both are scoped and audited through ScopedAuditedAdmin. A boundary typed or
pasted here passes the same checks as the services and the importer
(:func:`gongzhi.regions.services.validate_boundary`): valid GeoJSON, a valid
polygon, no overlap with other grids. Code, level and parent are fixed once a
region exists, as in the services. Saves and deletes go through
:mod:`gongzhi.regions.services` (area, capability, audit event); what they
refuse shows as the form's errors or a message.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongzhi.audit.admin_base import ScopedAuditedAdmin, adopt_saved

from . import services
from .models import Grid, Level, Region

FIXED_AFTER_CREATION = ("code", "level", "parent")


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "community_type", "boundary"]
        widgets = {"boundary": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def clean(self):
        cleaned = super().clean()
        boundary = cleaned.get("boundary")
        code = cleaned.get("code") or self.instance.code
        level = cleaned.get("level") or self.instance.level
        if boundary is not None and code and "boundary" not in self.errors:
            try:
                cleaned["boundary"] = services.validate_boundary(code=code, level=level, boundary=boundary)
            except ValidationError as exc:
                self.add_error("boundary", exc.message_dict["boundary"])
        return cleaned


class GridAdminForm(RegionAdminForm):
    class Meta(RegionAdminForm.Meta):
        model = Grid
        fields = ["code", "name", "parent", "community_type", "boundary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.level = Level.GRID


@admin.register(Region)
class RegionAdmin(ScopedAuditedAdmin):
    capability_view = "regions.view"
    capability_change = "regions.change"
    form = RegionAdminForm
    list_display = ("code", "name", "level", "parent", "community_type", "has_boundary")
    list_filter = ("level", "community_type")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("code",)

    def get_readonly_fields(self, request, obj=None):
        return FIXED_AFTER_CREATION if obj is not None else ()

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, obj):
        return obj.boundary is not None

    def save_model(self, request, obj, form, change):
        if change:
            current = Region.objects.get(pk=obj.pk)
            changes = {name: form.cleaned_data[name] for name in ("name", "community_type", "boundary")
                       if name in form.changed_data}
            saved = services.update_region(actor=request.user, region=current, reason="admin", **changes)
        else:
            saved = services.create_region(
                actor=request.user, code=obj.code, name=obj.name, level=obj.level,
                parent_code=obj.parent.code if obj.parent_id else None, community_type=obj.community_type,
                boundary=form.cleaned_data.get("boundary"), reason="admin")
        adopt_saved(obj, saved)

    def delete_model(self, request, obj):
        services.delete_region(actor=request.user, region=obj, reason="admin")


@admin.register(Grid)
class GridAdmin(RegionAdmin):
    form = GridAdminForm
    list_display = ("code", "name", "parent", "community_type", "has_boundary")
    list_filter = ("community_type",)

    def get_readonly_fields(self, request, obj=None):
        return ("code", "parent") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "parent":
            field.queryset = field.queryset.filter(level=Level.COMMUNITY)
        return field
