"""The export log the data administrators read: every file handed out with a watermark (``audit.exports_log``)."""

from django.db.models import Q

from gongzhi.accounts.roles import require
from gongzhi.audit.exports_log import ACTION
from gongzhi.audit.models import AuditEvent
from gongzhi.core.scoping import scope_queryset

MANAGE = "privacy.manage"


def export_log(*, actor, q: str = ""):
    """The exports the actor may see (an administrator: all), newest first; ``q`` matches who or what."""
    require(actor, MANAGE)
    rows = scope_queryset(AuditEvent.objects.filter(action=ACTION), actor)
    q = (q or "").strip()
    if q:
        rows = rows.filter(Q(actor_label__icontains=q) | Q(object_repr__icontains=q) | Q(reason__icontains=q))
    return rows.order_by("-at", "-id")
