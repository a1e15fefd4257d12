"""The append-only audit trail.

Every create, update, delete, state transition and every look at personal
data writes one :class:`AuditEvent` in the same database transaction as the
change itself, through :func:`gongzhi.audit.services.record`. Events are never
changed or deleted by the product: the model, its queryset and the admin all
refuse, and on PostgreSQL a trigger refuses UPDATE and DELETE as well.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.inserts import insert
from gongzhi.core.scoping import ScopeSpec


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be changed")


class AuditEvent(models.Model):
    scoping = ScopeSpec(region="region_code")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_constraint=False,
    )
    # Kept beside the foreign key so the trail reads the same after a user is renamed.
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    # One index on (object type, object id) in Meta: an object's trail is looked up by both.
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    region_code = models.CharField(_("region code"), max_length=15, blank=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        # Appended by every write: one prepared INSERT, no save signals (see gongzhi.core.inserts).
        insert(self, using=kwargs.get("using"))

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")
