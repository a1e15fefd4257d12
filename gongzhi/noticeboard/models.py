"""Public notices (通知公告) that community and street staff publish for the residents of an area.

A notice applies to a region and everything under it: a street's notice
reaches every community of the street, a community's only its own. It is
visible to residents from ``publish_at`` until ``expire_at`` (if any), unless
it was withdrawn (``unpublished_at``). Pinned notices come first.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

TITLE_MAX = 100
BODY_MAX = 10000


class Notice(models.Model):
    # Public (居务公开): live notices, to the visitors of the public pages of their area.
    scoping = ScopeSpec(region="region__code", public=lambda: Notice.live_q(timezone.now()))

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    region = models.ForeignKey("regions.Region", verbose_name=_("applies to"), on_delete=models.PROTECT,
                               related_name="+")
    pinned = models.BooleanField(_("pinned"), default=False)
    publish_at = models.DateTimeField(_("published from"), default=timezone.now, db_index=True)
    expire_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    unpublished_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-pinned", "-publish_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return (self.unpublished_at is None and self.publish_at <= now
                and (self.expire_at is None or self.expire_at > now))

    @staticmethod
    def live_q(now) -> Q:
        return Q(unpublished_at=None, publish_at__lte=now) & (Q(expire_at=None) | Q(expire_at__gt=now))
