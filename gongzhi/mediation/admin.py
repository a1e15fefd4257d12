"""Dispute types and mediation committees in the admin: configuration (``mediation.configure``), saved through
the services with their checks and audit events. Neither is deleted (disputes and their events refer to
them): a type or committee no longer used is made inactive."""

from django.contrib import admin

from gongzhi.audit.admin_base import ScopedAuditedAdmin, adopt_saved

from . import services
from .models import Committee, DisputeType

CONFIGURE = "mediation.configure"


class _Configuration(ScopedAuditedAdmin):
    capability_view = CONFIGURE
    capability_change = CONFIGURE

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DisputeType)
class DisputeTypeAdmin(_Configuration):
    list_display = ["code", "name", "name_en", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]
    ordering = ["order", "code"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []  # the events and figures refer to it

    def save_model(self, request, obj, form, change):
        saved = services.save_dispute_type(actor=request.user, code=obj.code, name=obj.name, name_en=obj.name_en,
                                           order=obj.order, is_active=obj.is_active)
        adopt_saved(obj, saved)


@admin.register(Committee)
class CommitteeAdmin(_Configuration):
    list_display = ["unit", "tier", "trade", "is_active"]
    list_filter = ["tier", "trade", "is_active"]
    search_fields = ["unit__name", "unit__code"]
    raw_id_fields = ["unit"]

    def get_readonly_fields(self, request, obj=None):
        return ["unit"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = services.save_committee(actor=request.user, unit=obj.unit, tier=obj.tier, trade=obj.trade,
                                        is_active=obj.is_active)
        adopt_saved(obj, saved)
