"""The category tree of requests (诉求分类) and its deadlines.

Categories are configuration, not region-bound data: everyone may read the
taxonomy (a resident picks one when reporting), only an unrestricted
administrator changes it. Each category carries the deadlines the handling
unit is held to, per urgency, so that the deadline of a case is a fact of its
category and not a number typed in by a dispatcher.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import UnitKind
from gongzhi.core.scoping import ScopeSpec


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class Category(models.Model):
    # Not region-bound: an empty spec means only unrestricted actors see the
    # rows through scope_queryset (the admin); the public taxonomy is read
    # through selectors that do not scope it.
    scoping = ScopeSpec()

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    default_unit_kind = models.CharField(
        _("default handling unit kind"), max_length=24, choices=UnitKind.choices, default=UnitKind.SUBDISTRICT_OFFICE,
        help_text=_("Used for routing when no rule names a unit."),
    )
    response_hours_urgent = models.PositiveSmallIntegerField(
        _("response deadline, urgent (working hours)"), default=1, validators=[MinValueValidator(1)]
    )
    response_hours_normal = models.PositiveSmallIntegerField(
        _("response deadline, normal (working hours)"), default=4, validators=[MinValueValidator(1)]
    )
    resolution_days_urgent = models.PositiveSmallIntegerField(
        _("resolution deadline, urgent (working days)"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    resolution_days_normal = models.PositiveSmallIntegerField(
        _("resolution deadline, normal (working days)"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # Intake → dispatch, in clock hours; empty: the deployment's default (settings.CASE_DISPATCH_HOURS_*).
    dispatch_hours_urgent = models.PositiveSmallIntegerField(
        _("dispatch deadline, urgent (clock hours)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 7)], help_text=_("Empty: the default."),
    )
    dispatch_hours_normal = models.PositiveSmallIntegerField(
        _("dispatch deadline, normal (clock hours)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 7)],
        help_text=_("Empty: the default."),
    )
    is_utility = models.BooleanField(
        _("utility"), default=False,
        help_text=_("Water, power, gas, heating: dispatched within the shorter utility deadline."),
    )
    is_consultation = models.BooleanField(
        _("consultation"), default=False, help_text=_("Consultations (咨询) may be answered and closed at intake.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True,
        help_text=_("Words people use for it, separated by spaces (e.g. 路灯 井盖): the category search finds them."),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    def ancestors(self) -> list["Category"]:
        """This category and its ancestors, nearest first (the tree is shallow)."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    @property
    def depth(self) -> int:
        return len(self.ancestors())

    @property
    def path_name(self) -> str:
        return " / ".join(c.name for c in reversed(self.ancestors()))

    def response_hours(self, urgency: str) -> int:
        return self.response_hours_urgent if urgency == Urgency.URGENT else self.response_hours_normal

    def resolution_days(self, urgency: str) -> int:
        return self.resolution_days_urgent if urgency == Urgency.URGENT else self.resolution_days_normal

    def dispatch_hours(self, urgency: str) -> int:
        """Clock hours from intake to dispatch: the category's own, else the deployment's default."""
        if urgency == Urgency.URGENT:
            return self.dispatch_hours_urgent or settings.CASE_DISPATCH_HOURS_URGENT
        if self.dispatch_hours_normal:
            return self.dispatch_hours_normal
        return settings.CASE_DISPATCH_HOURS_UTILITY if self.is_utility else settings.CASE_DISPATCH_HOURS_NORMAL

    def clean(self):
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": _("A category cannot be placed below itself.")})
            node = node.parent
