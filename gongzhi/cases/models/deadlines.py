"""Markers of deadline alerts already raised, so that the sweep is idempotent."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class AlertKind(models.TextChoices):
    RESPONSE_DUE_SOON = "response_due_soon", _("Response due soon")
    RESPONSE_OVERDUE = "response_overdue", _("Response overdue")
    RESOLUTION_DUE_SOON = "resolution_due_soon", _("Resolution due soon")
    RESOLUTION_OVERDUE = "resolution_overdue", _("Resolution overdue")
    ESCALATED = "escalated", _("Escalated to the supervising unit")


class DeadlineMarker(models.Model):
    """One alert of one kind for one case, raised at most once.

    The unique (case, kind) pair is what makes ``sweep_deadlines`` safe to run
    twice, or in two processes at once: the second insert fails and nobody is
    notified again. When a deadline moves (re-dispatch, approved extension,
    reopening) the markers of that deadline are removed so the new deadline
    gets its own alerts; the escalation marker stays: a case escalates once.
    """

    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", view="cases.view")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="deadline_markers")
    kind = models.CharField(_("kind"), max_length=24, choices=AlertKind.choices)
    due = models.DateTimeField(_("deadline"), null=True)
    at = models.DateTimeField(_("raised at"), default=timezone.now)

    class Meta:
        verbose_name = _("deadline alert")
        verbose_name_plural = _("deadline alerts")
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="deadline_marker_once")]
