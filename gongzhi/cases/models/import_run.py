"""One import of a hotline export (导入记录): its file, how far it has come, and its report.

A run is what the console's import page polls while the import runs as a
background task (:mod:`gongzhi.cases.importing`), and what it reads the
problem report from afterwards. It belongs to the person who started it: the
scope admits its owner only (an import's report names rows of a file they
uploaded, not region-bound data). The uploaded file is kept in the row only
until the run has finished.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


FINISHED_STATES = frozenset({ImportState.DONE, ImportState.REFUSED, ImportState.FAILED})


class ImportRun(models.Model):
    scoping = ScopeSpec(owner="created_by_id")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(_("file"), max_length=255)
    data = models.BinaryField(_("file content"), null=True, blank=True, editable=False)
    default_region = models.CharField(_("default region"), max_length=15, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    language = models.CharField(_("language"), max_length=16, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    phase = models.CharField(_("phase"), max_length=60, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    # The problems listed (at most core.tabular.LISTED): [[row, column as written, message], …].
    problems = models.JSONField(_("problems listed"), default=list, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case import")
        verbose_name_plural = _("case imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES
