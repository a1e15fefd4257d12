from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class PeriodicJobState(models.Model):
    """When each periodic job was last put on the queue.

    Kept in the database (not scheduler memory) so that a restarted scheduler,
    or two schedulers by mistake, enqueue a due job once: the row is locked
    while the task is enqueued in the same transaction.
    """

    # The scheduler's own bookkeeping, placed in no region and owned by nobody: only an
    # administrator without an area (and the scheduler itself, which reads it unscoped) sees it.
    scoping = ScopeSpec()

    name = models.CharField(_("job"), max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued at"), null=True, blank=True)
    last_task_id = models.CharField(_("last task id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("periodic job state")
        verbose_name_plural = _("periodic job states")

    def __str__(self):
        return self.name
