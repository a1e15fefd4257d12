"""The three lists (三张清单): needs (需求清单), resources (资源清单), projects (项目清单).

A need is collected from a resident, a visit, a case or a deliberation topic
(the topic is named by ``source_ref``, "deliberation.topic:12": deliberation
shares party's layer, so neither imports the other). A resource is offered by
a unit or organisation, a party organisation or a member, with its capacity and
when it is available. A project matches needs to resources, with an owner, a
plan, a budget, progress and completion evidence; a finished project is
published through the noticeboard. :func:`gongzhi.party.matching.propose`
proposes resources for a need and says why.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class ResourceKind(models.TextChoices):
    VENUE = "venue", _("Venue")  # 场地
    FUNDS = "funds", _("Funds")  # 资金
    SKILLS = "skills", _("Skills")  # 技能
    VOLUNTEERS = "volunteers", _("Volunteers")  # 志愿者
    GOODS = "goods", _("Goods and equipment")  # 物资
    OTHER = "other", _("Other")


class NeedSource(models.TextChoices):
    RESIDENT = "resident", _("A resident")
    VISIT = "visit", _("A household visit")
    CASE = "case", _("A case")
    TOPIC = "topic", _("A deliberation topic")
    STAFF = "staff", _("Staff")


class NeedState(models.TextChoices):
    OPEN = "open", _("Open")  # 待认领
    IN_PROJECT = "in_project", _("In a project")  # 已立项
    MET = "met", _("Met")  # 已满足
    CLOSED = "closed", _("Closed without a project")


class Need(models.Model):
    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("place"), on_delete=models.PROTECT,
                               related_name="+", help_text=_("The grid or community the need is in."))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    kind = models.CharField(_("kind of resource needed"), max_length=12, choices=ResourceKind.choices)
    source = models.CharField(_("source"), max_length=10, choices=NeedSource.choices, default=NeedSource.STAFF)
    person = models.ForeignKey("registry.Person", verbose_name=_("raised by"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    visit = models.ForeignKey("registry.HouseholdVisit", verbose_name=_("visit"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    people_affected = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=NeedState.choices, default=NeedState.OPEN)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A case or a topic becomes at most one need.
            models.UniqueConstraint(fields=["case"], condition=Q(case__isnull=False), name="party_need_case_once"),
            models.UniqueConstraint(fields=["source_ref"], condition=~Q(source_ref=""),
                                    name="party_need_source_once"),
        ]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class Resource(models.Model):
    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("place"), on_delete=models.PROTECT,
                               related_name="+", help_text=_("Where the resource is, or the area it serves."))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind.choices)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    provider_unit = models.ForeignKey("registry.Organisation", verbose_name=_("offered by a unit or organisation"),
                                      null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider_party = models.ForeignKey("party.PartyOrganisation", verbose_name=_("offered by a party organisation"),
                                       null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider_name = models.CharField(_("offered by"), max_length=100, blank=True,
                                     help_text=_("A member or anyone else, by name."))
    capacity = models.DecimalField(_("capacity"), max_digits=12, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(Decimal("0"))])
    capacity_unit = models.CharField(_("capacity unit"), max_length=20, blank=True,
                                     help_text=_("e.g. 人, 元, 平方米, 小时."))
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    availability = models.CharField(_("when"), max_length=200, blank=True, help_text=_("e.g. weekday evenings."))
    is_active = models.BooleanField(_("offered"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(available_until__isnull=True) | Q(available_from__isnull=True)
                                   | Q(available_until__gte=models.F("available_from")),
                                   name="party_resource_dates_ordered"),
        ]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code

    @property
    def provider(self) -> str:
        if self.provider_unit_id:
            return str(self.provider_unit)
        if self.provider_party_id:
            return str(self.provider_party)
        return self.provider_name


class ProjectState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Project(models.Model):
    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="+")
    owner_unit = models.ForeignKey("registry.Organisation", verbose_name=_("carried out by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    plan = models.TextField(_("plan"), max_length=10000)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0"),
                                 validators=[MinValueValidator(Decimal("0"))])
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("planned end"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    progress_note = models.TextField(_("progress note"), blank=True, max_length=5000)
    state = models.CharField(_("state"), max_length=10, choices=ProjectState.choices, default=ProjectState.PLANNED)
    needs = models.ManyToManyField(Need, verbose_name=_("needs"), blank=True, related_name="projects")
    resources = models.ManyToManyField(Resource, verbose_name=_("resources"), blank=True, related_name="projects")
    evidence = models.TextField(_("completion evidence"), blank=True, max_length=5000)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    notice = models.ForeignKey("noticeboard.Notice", verbose_name=_("public notice"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="party_project_progress_range"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="party_project_budget_positive"),
            models.CheckConstraint(condition=~Q(state="done") | Q(completed_at__isnull=False),
                                   name="party_project_done_has_time"),
        ]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code
