"""Data-subject requests under PIPL (个人信息主体请求): access and copy, correction, deletion.

A request names its subject by the identifiers the resident gave (name, ID
number, phone number: personal data, so encrypted like everywhere else), has
an owner who answers it, and a deadline on the working-day calendar
(``PRIVACY_REQUEST_WORKING_DAYS``, 15 by default). Its answer is audited.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec


class RequestKind(models.TextChoices):
    ACCESS = "access", _("What is held (access and copy)")
    CORRECTION = "correction", _("Correction")
    DELETION = "deletion", _("Deletion")


class RequestState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    REFUSED = "refused", _("Refused")


class SubjectRequest(models.Model):
    # Seen by its owner, who answers it, and by unrestricted administrators; by nobody for their area:
    # the person asking may live anywhere, and the identifiers in it are nobody else's business.
    scoping = ScopeSpec(owner="owner_id")

    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices, default=RequestState.OPEN)
    subject_name = models.CharField(_("name of the person"), max_length=50, blank=True)
    subject_id_number = EncryptedTextField(_("ID number"), kind="id_number")
    subject_id_number_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    subject_phone = EncryptedTextField(_("phone"), kind="phone")
    subject_phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    subject_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account of the person"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    details = models.TextField(_("what the person asks"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_on = models.DateField(_("answer due on"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("registered by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the automated erasure of a deletion request did, per holder (holders.Erasure.as_dict()).
    erasure = models.JSONField(_("erasure"), default=list, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()}"

    def refresh_derived(self) -> None:
        self.subject_id_number_index = crypto.blind_index("id_number", self.subject_id_number)
        self.subject_phone_index = crypto.blind_index("phone", self.subject_phone)

    @property
    def is_overdue(self) -> bool:
        return self.state == RequestState.OPEN and timezone.localdate() > self.due_on


class RetentionRule(models.Model):
    """The period a data administrator set for one kind of data (:mod:`gongzhi.privacy.retention`).

    A kind without a row is kept for its registered default. A catalogue: no area owns it.
    """

    scoping = ScopeSpec()

    kind = models.CharField(_("kind of data"), max_length=40, unique=True)
    days = models.PositiveIntegerField(_("kept for (days)"))
    enabled = models.BooleanField(_("applied by the sweep"), default=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["kind"]

    def __str__(self):
        return f"{self.kind}: {self.days}"


class RetentionRun(models.Model):
    """What one retention sweep did: per kind, the period, the cut-off and the rows deleted or anonymised."""

    scoping = ScopeSpec()

    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    actor_label = models.CharField(_("run by"), max_length=150, blank=True)
    dry_run = models.BooleanField(_("count only"), default=False)
    # [{"kind", "action", "days", "cutoff", "rows", "error"}], in the order the kinds were swept.
    results = models.JSONField(_("results"), default=list, blank=True)

    class Meta:
        verbose_name = _("retention sweep")
        verbose_name_plural = _("retention sweeps")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total_rows(self) -> int:
        return sum(int(r.get("rows") or 0) for r in self.results)

    @property
    def failed(self) -> bool:
        return any(r.get("error") for r in self.results)
