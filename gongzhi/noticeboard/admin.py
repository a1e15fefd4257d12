"""Notices in the admin: the same capability, area, checks and audit events as the pages (their services)."""

from django.contrib import admin

from gongzhi.audit.admin_base import ScopedAuditedAdmin, adopt_saved

from . import services
from .models import Notice


@admin.register(Notice)
class NoticeAdmin(ScopedAuditedAdmin):
    capability_view = "notices.publish"
    capability_change = "notices.publish"
    list_display = ["title", "region", "pinned", "publish_at", "expire_at", "unpublished_at"]
    list_filter = ["pinned"]
    search_fields = ["title"]
    raw_id_fields = ["region"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in ("title", "body", "region", "publish_at", "expire_at",
                                                         "pinned")}
        if change:
            saved = services.change_notice(actor=request.user, notice=Notice.objects.get(pk=obj.pk), **values)
        else:
            saved = services.publish_notice(actor=request.user, **values)
        adopt_saved(obj, saved)

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw instead: the record stays
