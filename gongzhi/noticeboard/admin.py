"""Notices in the admin: the same capability and area as the pages, audited by the base class."""

from django.contrib import admin

from gongzhi.audit.admin_base import ScopedAuditedAdmin

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
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw instead: the record stays
