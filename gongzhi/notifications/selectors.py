"""Reading the inbox: always one's own (scoped by owner)."""

from django.db.models import QuerySet

from gongzhi.accounts.actors import user_of
from gongzhi.core.scoping import scope_queryset

from .models import Notification


def inbox_for(actor, *, unread_only: bool = False) -> QuerySet:
    if user_of(actor) is None:
        return Notification.objects.none()
    qs = scope_queryset(Notification.objects.filter(user_id=actor.pk), actor)
    return qs.filter(read_at=None) if unread_only else qs


def unread_count(actor) -> int:
    return inbox_for(actor, unread_only=True).count()
