"""What the intelligence app keeps: versioned router models (智能分拨)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongzhi.core.scoping import ScopeSpec


class Level(models.TextChoices):
    LEAF = "leaf", _("Leaf category")
    FIRST = "first", _("First-level category")


class Source(models.TextChoices):
    CASES = "cases", _("The deployment's closed cases")
    FILE = "file", _("A labelled hotline export")


class RouterModel(models.Model):
    """One trained text classifier, with the evaluation on the slice held back from its training.

    At most one is active: the one suggestions come from. The arrays are a NumPy archive
    (:mod:`gongzhi.insights.textmodel`), never a pickle.
    """

    # Configuration of the whole deployment: administrators only (unrestricted actors).
    scoping = ScopeSpec()

    version = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("trained by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("trained by"), max_length=150, blank=True)
    source = models.CharField(_("trained from"), max_length=8, choices=Source.choices)
    source_name = models.CharField(_("file"), max_length=200, blank=True)
    level = models.CharField(_("labels"), max_length=8, choices=Level.choices, default=Level.LEAF)
    # {label: name as shown}; a label is a category code, or the file's own text when it names no category.
    labels = models.JSONField(_("categories"), default=dict)
    train_count = models.PositiveIntegerField(_("training examples"), default=0)
    test_count = models.PositiveIntegerField(_("held-back examples"), default=0)
    macro_f1 = models.FloatField(_("macro-F1"), default=0.0)
    accuracy = models.FloatField(_("accuracy"), default=0.0)
    # [{label, precision, recall, f1, support}] on the held-back slice.
    per_class = models.JSONField(_("per-class figures"), default=list)
    overrides_used = models.PositiveIntegerField(
        _("overridden suggestions learnt from"), default=0,
        help_text=_("Dispatches that did not follow the suggestion, weighted up in this training."))
    training_seconds = models.FloatField(_("training CPU seconds"), default=0.0)
    artefact = models.BinaryField(_("model"), editable=False)
    is_active = models.BooleanField(_("active"), default=False)

    class Meta:
        verbose_name = _("router model")
        verbose_name_plural = _("router models")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True),
                                               name="insights_one_active_router")]

    def __str__(self):
        return f"v{self.version}"

    def label_name(self, label: str) -> str:
        return self.labels.get(label, label)


class TopicState(models.TextChoices):
    ACTIVE = "active", _("Being tracked")
    CLOSED = "closed", pgettext_lazy("topic state", "Closed")


class MonthlyTopic(models.Model):
    """每月一题: a hotspot a leader chose as the month's topic, tracked as a programme.

    Its cases are those of the hotspot when chosen, and every later case of its area whose text holds
    one of its words (:func:`gongzhi.insights.topics.topic_cases`); its figures compare the months
    before the choice with the months since.
    """

    scoping = ScopeSpec(region="region__code")

    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month it is the topic of."))
    title = models.CharField(_("title"), max_length=100)
    words = models.JSONField(_("words"), default=list)
    note = models.TextField(_("what is to be done"), blank=True, max_length=2000)
    cases = models.ManyToManyField("cases.Case", verbose_name=_("cases when chosen"), blank=True, related_name="+")
    baseline = models.JSONField(_("figures when chosen"), default=dict)
    state = models.CharField(_("state"), max_length=8, choices=TopicState.choices, default=TopicState.ACTIVE)
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chosen by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(_("chosen at"), auto_now_add=True)

    class Meta:
        verbose_name = _("topic of the month (每月一题)")
        verbose_name_plural = _("topics of the month (每月一题)")
        ordering = ["-month", "-id"]
        constraints = [models.UniqueConstraint(fields=["region", "month"], name="insights_one_topic_per_area_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.title}"

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class AlertKind(models.TextChoices):
    SEASONAL = "seasonal", _("Seasonal recurrence")
    REPEAT_ADDRESS = "repeat_address", _("Repeated at one address")
    CARE_VISIT = "care_visit", _("Care visit overdue")
    SPIKE = "spike", _("Spike in a grid")


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert state", "Open")
    ACKNOWLEDGED = "acknowledged", _("Taken on")
    DONE = "done", pgettext_lazy("alert state", "Done")
    DISMISSED = "dismissed", _("Dismissed")


ALERT_OPEN_STATES = frozenset({AlertState.OPEN, AlertState.ACKNOWLEDGED})


class Alert(models.Model):
    """未诉先办: a task raised before residents complain, with its reason, routed to a unit.

    Alerts are their own channel: they are not cases and never count in residents' intake. The unit
    is chosen by the routing rules of the cases app for the alert's category and place.
    """

    scoping = ScopeSpec(region="region_code", unit="unit_id")

    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    key = models.CharField(_("key"), max_length=120, unique=True, editable=False,
                           help_text=_("What the alert is about and when: the same alert is raised once."))
    region_code = models.CharField(_("region code"), max_length=15, db_index=True)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("cases.Category", verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    routing = models.TextField(_("why this unit"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("proactive alert (未诉先办)")
        verbose_name_plural = _("proactive alerts (未诉先办)")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region_code


class ServiceKind(models.TextChoices):
    STATION = "station", _("Community service station")
    CLINIC = "clinic", _("Clinic")
    MARKET = "market", _("Market")
    CANTEEN = "canteen", _("Elderly canteen")
    SCHOOL = "school", _("School")


class ServicePoint(models.Model):
    """A place residents walk to (15 分钟服务圈): a service station, clinic, market, elderly canteen
    or school, with where it stands. Public information; scoped by its grid for who may change it."""

    scoping = ScopeSpec(region="grid__code")

    kind = models.CharField(_("kind"), max_length=8, choices=ServiceKind.choices)
    name = models.CharField(_("name"), max_length=100)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    longitude = models.FloatField(_("longitude (WGS-84)"))
    latitude = models.FloatField(_("latitude (WGS-84)"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["kind", "name", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"

    @property
    def audit_region_code(self) -> str:
        return self.grid.code
