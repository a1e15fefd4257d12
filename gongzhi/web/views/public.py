"""居务公开: an area's public pages, open without signing in, only what is published there.

Everything is read as :class:`~gongzhi.accounts.actors.PublicVisitor` of the area through
``scope_queryset`` (models declare what is public in their ``ScopeSpec``). What a page shows is
kept in the cache for ``PUBLIC_PAGE_SECONDS`` per area and language (the data, not the response,
so a signed-in visitor's header is never served to another).
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.utils import translation

from gongzhi.accounts.actors import PublicVisitor
from gongzhi.assessment import covenants
from gongzhi.core.scoping import scope_queryset
from gongzhi.noticeboard.models import Notice
from gongzhi.regions.models import Region

PUBLIC_PAGE_SECONDS = 60
NOTICES_SHOWN = 30


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first() if code.isdigit() and len(code) <= 15 else None
    if region is None:
        raise Http404
    return region


def _content(region: Region) -> dict:
    key = f"public-page:{region.code}:{translation.get_language()}"
    content = cache.get(key)
    if content is None:
        visitor = PublicVisitor.of(region)
        notices = scope_queryset(Notice.objects.select_related("region"), visitor).order_by(
            "-pinned", "-publish_at", "-id")[:NOTICES_SHOWN]
        covenant = covenants.covenants(visitor).filter(region=region).first()
        current = covenant.current if covenant else None
        content = {
            "notices": [{"title": n.title, "body": n.body, "place": n.region.name, "pinned": n.pinned,
                         "published": n.publish_at} for n in notices],
            "covenant": {"title": covenant.title, "text": current.text, "number": current.number,
                         "adopted_on": current.adopted_on, "meeting": current.meeting,
                         "votes_for": current.votes_for, "votes_cast": current.votes_cast} if current else None,
        }
        cache.set(key, content, PUBLIC_PAGE_SECONDS)
    return content


def area(request, code):
    region = _region(code)
    return render(request, "web/public/area.html", {"region": region, **_content(region)})


def covenant_history(request, code):
    region = _region(code)
    covenant = covenants.covenants(PublicVisitor.of(region)).filter(region=region).first()
    if covenant is None:
        raise Http404
    versions = [{"version": v, "changes": covenants.differences(v)}
                for v in covenant.versions.order_by("-number")]
    return render(request, "web/public/covenant.html", {"region": region, "covenant": covenant, "versions": versions})
