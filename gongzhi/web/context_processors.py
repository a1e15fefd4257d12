"""What every page's layout needs: the user's menu, unread count, map settings."""

from django.conf import settings

from gongzhi.notifications.selectors import unread_count

from .navigation import menu_for


def layout(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "unread": 0, "map_tiles": settings.MAP_TILE_LAYERS}
    menu = menu_for(user)
    current = request.resolver_match.url_name if request.resolver_match else ""
    for item in menu:
        item["current"] = item["name"] == current
    return {"menu": menu, "unread": unread_count(user), "map_tiles": settings.MAP_TILE_LAYERS}
