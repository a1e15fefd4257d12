"""Places: compounds, buildings, entrances and dwellings (小区/院落 → 楼栋 → 单元 → 房屋).

Every place is bound to a grid (网格) and scoped through it. A dwelling's
printed address is kept in ``address_text`` so that "search by address" is one
``icontains`` over one indexed table instead of a join over four; the
services refresh it whenever a part of the address changes.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

GRID_CHOICES = {"level": "grid"}


def longitude_field():
    """Where a compound or building stands (WGS-84), for the 15-minute service coverage; optional."""
    return models.FloatField(_("longitude (WGS-84)"), null=True, blank=True,
                             validators=[MinValueValidator(-180), MaxValueValidator(180)])


def latitude_field():
    return models.FloatField(_("latitude (WGS-84)"), null=True, blank=True,
                             validators=[MinValueValidator(-90), MaxValueValidator(90)])


class PlacedInGrid:
    """A registry row placed in a grid: the audit trail places its events at that grid."""

    @property
    def audit_region_code(self) -> str:
        return self.grid.code


class NamedInGrid(PlacedInGrid):
    """A row placed in a grid that is known by its name (a compound, a person, an organisation)."""

    def __str__(self):
        return self.name


def _unique_when_set(field: str, name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=[field], condition=~Q(**{field: ""}), name=name)


def numbered(value: str, suffix: str) -> str:
    """``"3"`` + ``"号楼"`` → ``"3号楼"``; a name that is not a plain number is kept as it is."""
    value = (value or "").strip()
    if not value:
        return ""
    return f"{value}{suffix}" if value.isdigit() or value[-1].isdigit() else value


def region_prefix_of(grid) -> str:
    """``朝阳区建外街道永安里社区``: district, subdistrict and community names above a grid.

    Walks ``grid.parent`` three times; callers that print many addresses
    select_related("grid__parent__parent__parent") first.
    """
    names = []
    node = grid.parent if grid is not None else None
    while node is not None:
        names.append(node.name)
        node = node.parent
    return "".join(reversed(names))


class Compound(NamedInGrid, models.Model):
    """A residential compound or courtyard (小区/院落)."""

    scoping = ScopeSpec(region="grid__code")

    class Kind(models.TextChoices):
        COMPOUND = "compound", _("Residential compound")
        COURTYARD = "courtyard", _("Courtyard")
        VILLAGE_GROUP = "village_group", _("Village group")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMPOUND)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="compounds")
    street_address = models.CharField(_("street address"), max_length=200, blank=True,
                                      help_text=_("Road and number, e.g. 建国门外大街22号."))
    property_company = models.ForeignKey("registry.Organisation", verbose_name=_("property company"), null=True,
                                         blank=True, on_delete=models.SET_NULL, related_name="managed_compounds")
    longitude = longitude_field()
    latitude = latitude_field()
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["grid__code", "name"]
        constraints = [_unique_when_set("external_id", "registry_compound_external_id_uniq")]


class Building(PlacedInGrid, models.Model):
    """A building (楼栋), usually inside a compound."""

    scoping = ScopeSpec(region="grid__code")

    compound = models.ForeignKey(Compound, verbose_name=_("compound"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField(_("building number"), max_length=20, help_text=_("e.g. 3 (printed 3号楼) or A座."))
    name = models.CharField(_("name"), max_length=100, blank=True)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="buildings")
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)
    longitude = longitude_field()
    latitude = latitude_field()
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["compound__name", "number"]
        constraints = [
            _unique_when_set("external_id", "registry_building_external_id_uniq"),
            models.UniqueConstraint(fields=["compound", "number"], name="registry_building_number_uniq"),
        ]

    def __str__(self):
        label = numbered(self.number, "号楼")
        return f"{self.compound.name} {label}" if self.compound_id else label


class Entrance(models.Model):
    """A stairwell entrance of a building (单元)."""

    scoping = ScopeSpec(region="building__grid__code")

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT,
                                 related_name="entrances")
    number = models.CharField(_("entrance number"), max_length=20, help_text=_("e.g. 2 (printed 2单元)."))

    class Meta:
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        ordering = ["building_id", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="registry_entrance_number_uniq")]

    def __str__(self):
        return f"{self.building} {numbered(self.number, '单元')}"

    @property
    def audit_region_code(self) -> str:
        return self.building.grid.code


class Dwelling(PlacedInGrid, models.Model):
    """A dwelling or other premises (房屋).

    Its exclusive area (专有部分面积, as on the title certificate) is the owners' voting weight
    under Civil Code art. 278; the floor area (建筑面积) includes a share of common parts.
    """

    scoping = ScopeSpec(region="grid__code")

    class Use(models.TextChoices):
        OWNER_OCCUPIED = "owner_occupied", _("Owner-occupied")
        RENTED = "rented", _("Rented out")
        VACANT = "vacant", _("Vacant")
        COMMERCIAL = "commercial", _("Commercial")
        OTHER = "other", _("Other")

    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="dwellings")
    compound = models.ForeignKey(Compound, verbose_name=_("compound"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="dwellings")
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="dwellings")
    entrance = models.ForeignKey(Entrance, verbose_name=_("entrance"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="dwellings")
    room = models.CharField(_("room"), max_length=20, blank=True, help_text=_("e.g. 501 (printed 501室)."))
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    street_address = models.CharField(
        _("street address"), max_length=200, blank=True,
        help_text=_("For premises outside a compound, e.g. 张家村3组15号 or 建国路8号底商."))
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    exclusive_area = models.DecimalField(
        _("exclusive area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The exclusive part's area on the title certificate (专有部分面积): the owners' voting weight."))
    use = models.CharField(_("use"), max_length=16, choices=Use.choices, default=Use.OWNER_OCCUPIED)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    address_text = models.CharField(_("address"), max_length=300, blank=True, db_index=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["grid__code", "address_text"]
        constraints = [_unique_when_set("external_id", "registry_dwelling_external_id_uniq")]

    def __str__(self):
        return self.address_text or self.local_address()

    def local_address(self) -> str:
        """``永安里小区 3号楼 2单元 501室``: the address below the community."""
        parts = []
        if self.compound_id:
            parts.append(self.compound.name)
        if self.street_address and not self.compound_id:
            parts.append(self.street_address)
        if self.building_id:
            parts.append(numbered(self.building.number, "号楼"))
        if self.entrance_id:
            parts.append(numbered(self.entrance.number, "单元"))
        if self.room:
            parts.append(numbered(self.room, "室"))
        return " ".join(parts)

    def full_address(self) -> str:
        """``朝阳区建外街道永安里社区 永安里小区 3号楼 2单元 501室``."""
        return " ".join(part for part in (region_prefix_of(self.grid), self.local_address()) if part)

    def refresh_address_text(self) -> None:
        self.address_text = self.local_address()[:300]
