"""双报到: resident units and in-service party members report to a community.

A resident unit (a registry organisation of kind 驻区单位) reports to the
community where it sits; an in-service party member (在职党员, whose party
relation is with their employer) reports to the community where they live.
Each chooses service posts (服务岗位) of that community. Every time a member
serves, a :class:`Participation` is recorded; the count per member per year
is held against the yearly minimum (``PARTY_PARTICIPATION_MINIMUM``, or the
community's own :class:`ParticipationMinimum`), and those below it are listed.

A member's report says that the person is a party member: it is read and
written with ``party.members`` like the membership itself.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec


class ServicePost(models.Model):
    """A way of serving the community that reporting units and members can choose (服务岗位)."""

    scoping = ScopeSpec(region="community__code")

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy outreach")  # 政策宣传
        ENVIRONMENT = "environment", _("Environment and tidiness")  # 环境整治
        CIVILITY = "civility", _("Civility guidance")  # 文明引导
        CARE = "care", _("Care for the elderly and the needy")  # 关爱帮扶
        SAFETY = "safety", _("Safety patrol")  # 平安巡逻
        MEDIATION = "mediation", _("Dispute mediation")  # 矛盾调解
        SKILLS = "skills", _("Professional skills")  # 专业服务
        OTHER = "other", _("Other")

    community = models.ForeignKey("regions.Region", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True,
                                           help_text=_("How many may choose this post; empty for no limit."))
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service post")
        verbose_name_plural = _("service posts")
        ordering = ["community__code", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="party_post_name_per_community")]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.community.code


class UnitReport(models.Model):
    """A resident unit's report to the community where it sits (单位报到)."""

    scoping = ScopeSpec(region="community__code")

    unit = models.ForeignKey("registry.Organisation", verbose_name=_("resident unit"), on_delete=models.PROTECT,
                             related_name="+")
    community = models.ForeignKey("regions.Region", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+")
    party_leader = models.CharField(_("party leader of the unit"), max_length=50, blank=True)
    party_members = models.PositiveIntegerField(_("party members in the unit"), null=True, blank=True)
    posts = models.ManyToManyField(ServicePost, verbose_name=_("service posts"), blank=True, related_name="unit_reports")
    reported_on = models.DateField(_("reported on"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("unit report")
        verbose_name_plural = _("unit reports")
        ordering = ["community__code", "-reported_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(ended_on__isnull=True),
                                    name="party_unit_report_one_current"),
        ]

    def __str__(self):
        return str(self.unit)

    @property
    def audit_region_code(self) -> str:
        return self.community.code


class MemberReport(models.Model):
    """An in-service party member's report to the community where they live (在职党员报到)."""

    scoping = ScopeSpec(region="community__code")

    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="+")
    community = models.ForeignKey("regions.Region", verbose_name=_("community"), on_delete=models.PROTECT,
                                  related_name="+")
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    home_party_organisation = EncryptedTextField(_("party organisation at work"), kind="text")
    unit = models.ForeignKey("registry.Organisation", verbose_name=_("reporting with unit"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    posts = models.ManyToManyField(ServicePost, verbose_name=_("service posts"), blank=True,
                                   related_name="member_reports")
    reported_on = models.DateField(_("reported on"), default=timezone.localdate)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("member report")
        verbose_name_plural = _("member reports")
        ordering = ["community__code", "-reported_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(ended_on__isnull=True),
                                    name="party_member_report_one_current"),
        ]

    def __str__(self):
        return f"{crypto.mask_name(self.person.name)} #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.community.code

    @property
    def name_masked(self) -> str:
        return crypto.mask_name(self.person.name)


class Participation(models.Model):
    """One time a reporting member served the community (参与记录); counted per member and year."""

    scoping = ScopeSpec(region="report__community__code")

    report = models.ForeignKey(MemberReport, verbose_name=_("member report"), on_delete=models.PROTECT,
                               related_name="participations")
    post = models.ForeignKey(ServicePost, verbose_name=_("service post"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="participations")
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=Decimal("0"),
                                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))])
    description = models.CharField(_("what was done"), max_length=200)
    # Idempotency of writes coming from elsewhere (an activity's check-out): "volunteers.attendance:42".
    source_ref = models.CharField(_("source"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_ref"], condition=~Q(source_ref=""),
                                    name="party_participation_source_uniq"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="party_participation_hours_positive"),
        ]
        indexes = [models.Index(fields=["report", "on"], name="party_participation_report_on")]

    def __str__(self):
        return f"{self.on} {self.description}"

    @property
    def audit_region_code(self) -> str:
        return self.report.community.code


class ParticipationMinimum(models.Model):
    """A community's own yearly minimum of participations per reporting member (else the setting)."""

    scoping = ScopeSpec(region="community__code")

    community = models.OneToOneField("regions.Region", verbose_name=_("community"), on_delete=models.CASCADE,
                                     related_name="+")
    minimum = models.PositiveSmallIntegerField(_("participations a year at least"),
                                               validators=[MaxValueValidator(365)])

    class Meta:
        verbose_name = _("yearly participation minimum")
        verbose_name_plural = _("yearly participation minimums")

    def __str__(self):
        return f"{self.community}: {self.minimum}"

    @property
    def audit_region_code(self) -> str:
        return self.community.code
