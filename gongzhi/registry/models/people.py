"""People and households (人, 户).

ID numbers and phone numbers are personal data: they are stored encrypted
(:class:`~gongzhi.core.crypto.EncryptedTextField`) with a blind index beside
each for exact search and de-duplication. Gender and birth date are derived
from a valid resident ID number; for other documents they are entered.

A person's current dwelling and role there are kept on the person (for fast
lists and scoping); the history of where they lived is in :class:`Residence`.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec

from .places import GRID_CHOICES, Dwelling, NamedInGrid, _unique_when_set


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("Registered (hukou) resident")
    MIGRANT = "migrant", _("Migrant resident")
    FOREIGN = "foreign", _("Foreign resident")


class DwellingRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")
    FAMILY = "family", _("Family member")
    OTHER = "other", _("Other")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Lives here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Person(NamedInGrid, models.Model):
    scoping = ScopeSpec(region="grid__code")

    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, blank=True, db_index=True, editable=False)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, blank=True, db_index=True, editable=False)
    id_type = models.CharField(_("document type"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = EncryptedTextField(_("phone"), kind="phone")
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    residence_type = models.CharField(_("residence type"), max_length=16, choices=ResidenceType.choices,
                                      default=ResidenceType.REGISTERED)
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="persons")
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("current dwelling"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="residents")
    dwelling_role = models.CharField(_("role in the dwelling"), max_length=16, choices=DwellingRole.choices,
                                     blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    care_tags = models.ManyToManyField("registry.CareTag", through="registry.PersonCareTag", blank=True,
                                       related_name="persons", verbose_name=_("care tags"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["grid__code", "name_pinyin", "id"]
        constraints = [
            # One person, one record: the blind index makes equal ID numbers collide.
            _unique_when_set("id_number_index", "registry_person_id_number_uniq"),
            _unique_when_set("external_id", "registry_person_external_id_uniq"),
        ]
        indexes = [models.Index(fields=["grid", "name"], name="registry_person_grid_name")]

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)

    def refresh_derived(self) -> None:
        """Recompute blind indexes and pinyin from the current values.

        Called by the services before every save and by bulk paths before
        bulk_create, which bypasses ``save``.
        """
        from gongzhi.registry.names import name_pinyin

        self.id_number_index = crypto.blind_index("id_number", self.id_number)
        self.phone_index = crypto.blind_index("phone", self.phone)
        self.name_pinyin, self.name_initials = name_pinyin(self.name)


class Residence(models.Model):
    """A period during which a person lived in (or owned) a dwelling: the history."""

    scoping = ScopeSpec(region="dwelling__grid__code")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="residences")
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT,
                                 related_name="residences")
    role = models.CharField(_("role"), max_length=16, choices=DwellingRole.choices)
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["person_id", "-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "dwelling"], condition=Q(end_date__isnull=True),
                                    name="registry_residence_one_open_per_dwelling"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="registry_residence_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.person} @ {self.dwelling}"

    @property
    def audit_region_code(self) -> str:
        return self.dwelling.grid.code


class Household(models.Model):
    """A household (户): the people who live together as one family unit."""

    scoping = ScopeSpec(region="grid__code")

    external_id = models.CharField(_("household number"), max_length=64, blank=True)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="households")
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("dwelling"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="households")
    head = models.ForeignKey(Person, verbose_name=_("head of household"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="headed_households")
    # A villagers' group (村民小组) is a compound of kind "village_group"; its households are its members.
    villager_group = models.ForeignKey(
        "registry.Compound", verbose_name=_("villagers' group"), null=True, blank=True, on_delete=models.PROTECT,
        limit_choices_to={"kind": "village_group"}, related_name="households",
        help_text=_("The villagers' group (村民小组) the household belongs to."))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["grid__code", "id"]
        constraints = [_unique_when_set("external_id", "registry_household_external_id_uniq")]

    def __str__(self):
        head = self.head.name if self.head_id else "—"
        return f"{head} ({self.external_id})" if self.external_id else head

    @property
    def audit_region_code(self) -> str:
        return self.grid.code


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class HouseholdMember(models.Model):
    scoping = ScopeSpec(region="household__grid__code")

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.CASCADE,
                                  related_name="members")
    person = models.OneToOneField(Person, verbose_name=_("person"), on_delete=models.CASCADE,
                                  related_name="household_membership")
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(relation="head"),
                                    name="registry_household_one_head"),
        ]

    def __str__(self):
        return f"{self.person} ({self.get_relation_display()})"

    @property
    def audit_region_code(self) -> str:
        return self.household.grid.code
