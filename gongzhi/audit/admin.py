"""The audit trail browser: read-only, for the ``audit.view`` capability, scoped by area.

An administrator without an area sees every event; anyone else (a leader, an
administrator of a subdistrict) sees the events placed in their area by
``region_code``. Nothing can be added, changed or deleted here.
"""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_base import ScopedAuditedAdmin
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAuditedAdmin):
    capability_view = "audit.view"
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr", "region_code",
                    "client_ip")
    list_filter = ("action", "actor", "object_type", ("at", admin.DateFieldListFilter))
    date_hierarchy = "at"
    search_fields = ("=object_id", "object_repr")
    fields = ("at", "actor_label", "actor", "action", "object_type", "object_id", "object_repr", "changes_pretty",
              "reason", "region_code", "client_ip", "request_id")
    readonly_fields = fields
    list_select_related = ()
    show_full_result_count = False  # a count(*) over millions of events on every page helps nobody

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("changes"))
    def changes_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.changes, ensure_ascii=False, indent=2, sort_keys=True))
