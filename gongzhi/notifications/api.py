"""The inbox over the JSON API: /api/v1/notifications/."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from gongzhi.accounts.actors import actor_of
from gongzhi.core.schemas import In, Pages

from . import selectors, services

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    object_type: str
    object_id: str
    link: str
    created_at: datetime
    read_at: datetime | None


class InboxFilter(In):
    unread: bool = False


class CountOut(Schema):
    unread: int


@router.get("/", response=list[NotificationOut], summary="My notifications, newest first")
@paginate(Pages, page_size=20)
def inbox(request, filters: Query[InboxFilter]):
    return selectors.inbox_for(actor_of(request), unread_only=filters.unread)


@router.get("/unread-count", response=CountOut, summary="How many of my notifications are unread")
def unread(request):
    return {"unread": selectors.unread_count(actor_of(request))}


@router.post("/{notification_id}/read", response=NotificationOut, summary="Mark one notification read")
def read(request, notification_id: int):
    actor = actor_of(request)
    notification = get_object_or_404(selectors.inbox_for(actor), pk=notification_id)
    return services.mark_read(actor=actor, notification=notification)


@router.post("/read-all", response=CountOut, summary="Mark all my notifications read")
def read_all(request):
    actor = actor_of(request)
    services.mark_all_read(actor=actor)
    return {"unread": selectors.unread_count(actor)}
