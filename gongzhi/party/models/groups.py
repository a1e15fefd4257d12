"""Community social organisations (社区社会组织) and their incubation (孵化).

The groups themselves are the registry's organisations of kind 社会组织, with
the registry's ``social_type`` (文体队, 志愿队, 兴趣社团 …) and ``registration``
(informal, filed, registered): no second list of organisations. What party
adds is the incubation: who is in the group, what it did, what support it
received, and the step to formal registration.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.scoping import ScopeSpec


class IncubationStage(models.TextChoices):
    INCUBATING = "incubating", _("Incubating")  # 孵化中
    REGISTERED = "registered", _("Registered")  # 已登记 (graduated)
    ENDED = "ended", _("Ended")  # 终止


class Incubation(models.Model):
    """A community's incubation of one social organisation: from an informal group to registration."""

    scoping = ScopeSpec(region="organisation__grid__code")

    organisation = models.OneToOneField("registry.Organisation", verbose_name=_("social organisation"),
                                        on_delete=models.PROTECT, related_name="incubation")
    sponsor = models.ForeignKey("party.PartyOrganisation", verbose_name=_("guiding party organisation"),
                                null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_on = models.DateField(_("incubated since"), default=timezone.localdate)
    stage = models.CharField(_("stage"), max_length=12, choices=IncubationStage.choices,
                             default=IncubationStage.INCUBATING)
    plan = models.TextField(_("incubation plan"), blank=True, max_length=5000)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("incubation")
        verbose_name_plural = _("incubations")
        ordering = ["-started_on", "id"]

    def __str__(self):
        return str(self.organisation)

    @property
    def audit_region_code(self) -> str:
        return self.organisation.grid.code


class GroupMember(models.Model):
    """A resident in a community social organisation (its leader or a member)."""

    scoping = ScopeSpec(region="organisation__grid__code")

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        BACKBONE = "backbone", _("Core member")  # 骨干
        MEMBER = "member", _("Member")

    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("social organisation"),
                                     on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["organisation_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "person"], condition=Q(left_on__isnull=True),
                                    name="party_group_member_once"),
        ]

    def __str__(self):
        return f"{crypto.mask_name(self.person.name)} ({self.organisation})"

    @property
    def name_masked(self) -> str:
        return crypto.mask_name(self.person.name)

    @property
    def audit_region_code(self) -> str:
        return self.organisation.grid.code


class GroupActivity(models.Model):
    """Something a social organisation did (an activity record of the incubation)."""

    scoping = ScopeSpec(region="organisation__grid__code")

    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("social organisation"),
                                     on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    summary = models.TextField(_("summary"), blank=True, max_length=5000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("group activity")
        verbose_name_plural = _("group activities")
        ordering = ["-on", "-id"]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.organisation.grid.code


class SupportKind(models.TextChoices):
    VENUE = "venue", _("Venue")  # 场地
    FUNDS = "funds", _("Funds")  # 资金
    TRAINING = "training", _("Training")  # 培训
    MENTORING = "mentoring", _("Mentoring")  # 督导
    EQUIPMENT = "equipment", _("Equipment")  # 设备
    OTHER = "other", _("Other")


class Support(models.Model):
    """Support a social organisation received during its incubation."""

    scoping = ScopeSpec(region="incubation__organisation__grid__code")

    incubation = models.ForeignKey(Incubation, verbose_name=_("incubation"), on_delete=models.PROTECT,
                                   related_name="support")
    kind = models.CharField(_("kind"), max_length=10, choices=SupportKind.choices)
    provider = models.CharField(_("given by"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(Decimal("0"))])
    on = models.DateField(_("date"), default=timezone.localdate)
    description = models.CharField(_("description"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("support received")
        verbose_name_plural = _("support received")
        ordering = ["-on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0),
                                              name="party_support_amount_positive")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.provider}"

    @property
    def audit_region_code(self) -> str:
        return self.incubation.organisation.grid.code
