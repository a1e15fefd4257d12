"""Assessment (考核评价): KPI sets, appeals, frozen monthly snapshots and the two-way rating.

* A :class:`KpiSet` says how the units of one kind in an area (e.g. the community committees of a
  subdistrict) are assessed from a month on: its :class:`Kpi` items each name a *measure* (a named
  query over records, :mod:`gongzhi.assessment.measures`) and its weight.
* An :class:`Appeal` (申诉) asks the assessor not to count one case against one unit in one month.
  What happens to it is written as :class:`AppealEvent` rows (append-only); the scores exclude a
  case exactly when the last decision event of its appeal says "upheld", so every figure is
  reproducible from the events (and from the moment it was computed at: ``as_of``).
* A :class:`Snapshot` freezes the scores of a set and a month in its own rows
  (:class:`SnapshotRow`): they are never changed or deleted. The rollup of the cases app keeps
  recomputing; a recomputation is compared with the snapshot and its differences shown.
* A :class:`ServiceRating` (双向考核) is a community's or subdistrict's rating of a department that
  served it in a month; the ratings enter the departments' scores through the measure
  ``service_rating``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import UnitKind
from gongzhi.core.scoping import ScopeSpec

NAME_MAX = 100
TEXT_MAX = 2000


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only")


class AppendOnly(models.Model):
    """Rows written once and never changed or deleted (model and queryset refuse)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are append-only")


class KpiSet(models.Model):
    """The KPIs of the units of one kind inside ``region`` from ``valid_from`` (a month) on."""

    scoping = ScopeSpec(region="region__code")

    name = models.CharField(_("name"), max_length=NAME_MAX)
    unit_kind = models.CharField(_("units assessed"), max_length=24, choices=UnitKind.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("from month"))
    valid_until = models.DateField(_("until month"), null=True, blank=True)
    min_cases = models.PositiveIntegerField(
        _("cases needed for a rank"), default=1,
        help_text=_("A unit whose case figures rest on fewer cases is scored but not ranked."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("KPI set")
        verbose_name_plural = _("KPI sets")
        ordering = ["region__code", "unit_kind", "-valid_from", "id"]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    def covers(self, month) -> bool:
        return self.valid_from <= month and (self.valid_until is None or month <= self.valid_until)


class Kpi(models.Model):
    """One KPI of a set: a measure (a named query over records) and its weight."""

    scoping = ScopeSpec(region="kpi_set__region__code")

    kpi_set = models.ForeignKey(KpiSet, verbose_name=_("KPI set"), on_delete=models.CASCADE, related_name="kpis")
    measure = models.CharField(_("measure"), max_length=40)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["kpi_set", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["kpi_set", "measure"], name="kpi_once_per_set")]

    def __str__(self):
        return f"{self.kpi_set_id}:{self.measure}"


class AppealState(models.TextChoices):
    FILED = "filed", _("Filed")
    UPHELD = "upheld", _("Upheld: not counted")
    REJECTED = "rejected", _("Rejected: counted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Appeal(models.Model):
    """A unit's appeal (申诉) against the counting of one case in one month's assessment.

    ``state`` repeats the last :class:`AppealEvent` for lists; the scores read the events.
    """

    scoping = ScopeSpec(region="case__region_code", unit="unit_id")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("appealing unit"), on_delete=models.PROTECT,
                             related_name="+")
    month = models.DateField(_("month"))
    reason = models.TextField(_("reason"), max_length=TEXT_MAX)
    state = models.CharField(_("state"), max_length=12, choices=AppealState.choices, default=AppealState.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), null=True,
                                 on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "unit", "month"], name="appeal_once_per_case_unit_month")]

    def __str__(self):
        return f"{self.case_id} / {self.unit_id} / {self.month:%Y-%m}"

    @property
    def audit_region_code(self) -> str:
        return self.case.region_code if self.case_id else ""


class AppealEvent(AppendOnly):
    """What happened to an appeal (filed, upheld, rejected, withdrawn), by whom, when and why."""

    scoping = ScopeSpec(region="appeal__case__region_code", unit="appeal__unit_id")

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="events")
    state = models.CharField(_("state"), max_length=12, choices=AppealState.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at"], name="appeal_event_appeal_at")]


class Snapshot(AppendOnly):
    """The scores of a KPI set for a month, frozen: never changed, never deleted."""

    scoping = ScopeSpec(region="kpi_set__region__code")

    kpi_set = models.ForeignKey(KpiSet, verbose_name=_("KPI set"), on_delete=models.PROTECT, related_name="snapshots")
    month = models.DateField(_("month"))
    frozen_at = models.DateTimeField(_("frozen at"), default=timezone.now)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("frozen by"), null=True,
                                  on_delete=models.PROTECT, related_name="+")
    frozen_by_label = models.CharField(_("frozen by"), max_length=150, blank=True)
    definition = models.JSONField(_("KPIs at the time"), default=list)

    class Meta:
        verbose_name = _("assessment snapshot")
        verbose_name_plural = _("assessment snapshots")
        ordering = ["-month", "kpi_set", "id"]
        constraints = [models.UniqueConstraint(fields=["kpi_set", "month"], name="snapshot_once_per_set_month")]

    def __str__(self):
        return f"{self.kpi_set} {self.month:%Y-%m}"

    @property
    def audit_region_code(self) -> str:
        return self.kpi_set.region.code


class SnapshotRow(AppendOnly):
    """One unit's figure for one KPI in a snapshot (``measure`` empty: the unit's total score and rank)."""

    scoping = ScopeSpec(region="snapshot__kpi_set__region__code", unit="unit_id")

    snapshot = models.ForeignKey(Snapshot, verbose_name=_("snapshot"), on_delete=models.PROTECT, related_name="rows")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(_("measure"), max_length=40, blank=True)
    numerator = models.FloatField(_("numerator"), null=True)
    denominator = models.FloatField(_("denominator"), null=True)
    value = models.FloatField(_("value"), null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)

    class Meta:
        verbose_name = _("snapshot row")
        verbose_name_plural = _("snapshot rows")
        ordering = ["snapshot", "unit", "measure"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "unit", "measure"], name="snapshot_row_once")]


STARS = [MinValueValidator(1), MaxValueValidator(5)]


class ServiceRating(models.Model):
    """双向考核: a community's or subdistrict's rating (1–5 stars each) of a department in a month."""

    scoping = ScopeSpec(region="rater__region__code", unit=("rater_id", "department_id"))

    rater = models.ForeignKey("accounts.Unit", verbose_name=_("rating unit"), on_delete=models.PROTECT,
                              related_name="+")
    department = models.ForeignKey("accounts.Unit", verbose_name=_("department rated"), on_delete=models.PROTECT,
                                   related_name="+")
    month = models.DateField(_("month"))
    report_in = models.PositiveSmallIntegerField(_("reports in on time when summoned"), validators=STARS)
    quality = models.PositiveSmallIntegerField(_("quality of handling"), validators=STARS)
    returns = models.PositiveSmallIntegerField(_("no returns without reason"), validators=STARS)
    comment = models.TextField(_("comment"), blank=True, max_length=TEXT_MAX)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rated by"), null=True,
                                 on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating of a department")
        verbose_name_plural = _("ratings of departments")
        ordering = ["-month", "department", "rater"]
        constraints = [models.UniqueConstraint(fields=["rater", "department", "month"],
                                               name="service_rating_once_per_month")]

    @property
    def audit_region_code(self) -> str:
        return self.rater.region.code

    @property
    def stars(self) -> int:
        return self.report_in + self.quality + self.returns


# --- 居民公约 / 村规民约 ----------------------------------------------------------------------

class CovenantKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents' covenant (居民公约)")
    VILLAGE = "village", _("Village rules and covenant (村规民约)")


def _adopted_covenants():
    return models.Q(pk__in=CovenantVersion.objects.values("covenant_id"))


class Covenant(models.Model):
    """The covenant of a community or village: one per region; its text lives in its versions."""

    # Public (居务公开) once a version is adopted.
    scoping = ScopeSpec(region="region__code", public=_adopted_covenants)

    region = models.OneToOneField("regions.Region", verbose_name=_("community or village"),
                                  on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=CovenantKind.choices)
    title = models.CharField(_("title"), max_length=NAME_MAX)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")
        ordering = ["region__code"]

    def __str__(self):
        return self.title

    @property
    def audit_region_code(self) -> str:
        return self.region.code

    @property
    def current(self):
        return self.versions.order_by("-number").first()


COVENANT_MAX = 20000


class CovenantVersion(AppendOnly):
    """One adopted text of a covenant, with its adoption record; a revision is a new version."""

    scoping = ScopeSpec(region="covenant__region__code", public=lambda: models.Q(pk__isnull=False))

    covenant = models.ForeignKey(Covenant, verbose_name=_("covenant"), on_delete=models.PROTECT,
                                 related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), max_length=COVENANT_MAX)
    adopted_on = models.DateField(_("adopted on"))
    meeting = models.CharField(_("adopted by"), max_length=200,
                               help_text=_("The meeting that adopted it, e.g. 居民会议 or 村民代表会议."))
    votes_for = models.PositiveIntegerField(_("votes for"))
    votes_cast = models.PositiveIntegerField(_("votes cast"))
    decision_ref = models.CharField(_("deliberation vote"), max_length=64, blank=True,
                                    help_text=_("The deliberation app's vote that adopted it, where one exists."))
    summary = models.CharField(_("what changed"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("covenant version")
        verbose_name_plural = _("covenant versions")
        ordering = ["covenant", "number"]
        constraints = [models.UniqueConstraint(fields=["covenant", "number"], name="covenant_version_once")]

    def __str__(self):
        return f"{self.covenant} v{self.number}"

    @property
    def audit_region_code(self) -> str:
        return self.covenant.region.code


# --- events from other systems (信息孤岛, 雪亮工程) ------------------------------------------------

class EventSource(models.Model):
    """Another system allowed to send events that become cases (a video platform, a sensor network, a
    department's work-order system). Its requests are signed with its secret (HMAC-SHA256 over the
    timestamp and the body); ``region`` is where its events may lie; at most ``per_minute`` per minute."""

    scoping = ScopeSpec(region="region__code")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=NAME_MAX)
    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("cases.Category", verbose_name=_("default category"), on_delete=models.PROTECT,
                                 related_name="+")
    # The shared secret, encrypted with the project's one field key (core.crypto), never shown again.
    secret_encrypted = models.TextField(editable=False)
    per_minute = models.PositiveIntegerField(_("events per minute at most"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("event source")
        verbose_name_plural = _("event sources")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code


class ExternalEvent(models.Model):
    """One event of a source and the case it became: once per (source, external id)."""

    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", view="cases.view")

    source = models.ForeignKey(EventSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="events")
    external_id = models.CharField(_("external id"), max_length=100)
    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    evidence_url = models.URLField(_("evidence"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("event from another system")
        verbose_name_plural = _("events from other systems")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="external_event_once")]


class SeenSignature(models.Model):
    """A signature already accepted from a source: the same request again is a replay. Also the rate count."""

    scoping = ScopeSpec(region="source__region__code")

    source = models.ForeignKey(EventSource, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "signature"], name="signature_seen_once")]
