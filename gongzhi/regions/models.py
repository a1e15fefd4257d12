"""The administrative tree and its grids.

One table holds every level, district (区/县) → subdistrict (街道/乡镇) →
community (社区/村) → grid (网格). Codes are the 12-digit statistical division
codes (统计用区划代码: 6 county + 3 township + 3 village digits); a grid
extends its community's code by 3 digits. Because a code's significant prefix
names its whole subtree, subtree queries are ``code__startswith`` on an
indexed column: no recursion, no walking the tree row by row.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec


class Level(models.TextChoices):
    DISTRICT = "district", _("District / county")
    SUBDISTRICT = "subdistrict", _("Subdistrict / township")
    COMMUNITY = "community", _("Community / village")
    GRID = "grid", _("Grid")


# How many leading digits of a code are significant at each level, and the
# total code length at that level.
PREFIX_LENGTH = {Level.DISTRICT: 6, Level.SUBDISTRICT: 9, Level.COMMUNITY: 12, Level.GRID: 15}
CODE_LENGTH = {Level.DISTRICT: 12, Level.SUBDISTRICT: 12, Level.COMMUNITY: 12, Level.GRID: 15}
PARENT_LEVEL = {Level.SUBDISTRICT: Level.DISTRICT, Level.COMMUNITY: Level.SUBDISTRICT, Level.GRID: Level.COMMUNITY}


class CommunityType(models.TextChoices):
    """For classified governance (分类治理)."""

    URBAN = "urban", _("Urban")
    PERI_URBAN = "peri_urban", _("Urban-rural fringe")
    RURAL = "rural", _("Rural")


class Region(models.Model):
    scoping = ScopeSpec(region="code")

    code = models.CharField(_("division code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    community_type = models.CharField(_("community type"), max_length=12, choices=CommunityType.choices, blank=True)
    # GeoJSON geometry (Polygon or MultiPolygon), WGS-84 / CGCS2000 lon/lat.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """The significant leading digits: every descendant's code starts with them."""
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def audit_region_code(self) -> str:
        return self.code

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID

    def clean(self):
        errors = {}
        if self.level in CODE_LENGTH and (len(self.code) != CODE_LENGTH[self.level] or not self.code.isdigit()):
            errors["code"] = _("A %(level)s code must be %(n)d digits.") % {
                "level": self.get_level_display(),
                "n": CODE_LENGTH[self.level],
            }
        expected_parent = PARENT_LEVEL.get(self.level)
        if expected_parent and (self.parent is None or self.parent.level != expected_parent):
            errors["parent"] = _("A %(level)s must belong to a %(parent)s.") % {
                "level": self.get_level_display(),
                "parent": Level(expected_parent).label,
            }
        elif self.parent is not None and not self.code.startswith(self.parent.prefix):
            errors["code"] = _("Code %(code)s does not extend its parent's code %(parent)s.") % {
                "code": self.code,
                "parent": self.parent.code,
            }
        if self.level == Level.DISTRICT and self.parent is not None:
            errors["parent"] = _("A district has no parent in this system.")
        if errors:
            raise ValidationError(errors)


class GridManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(level=Level.GRID)


class Grid(Region):
    """A grid (网格): the smallest governance area, a region with a polygon."""

    objects = GridManager()

    class Meta:
        proxy = True
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
