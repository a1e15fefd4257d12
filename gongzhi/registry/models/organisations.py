"""Organisations of the area (组织): resident units, property firms, NGOs, shops."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.ids import validate_credit_code
from gongzhi.core.scoping import ScopeSpec

from .places import GRID_CHOICES, Dwelling, NamedInGrid, _unique_when_set


class OrganisationKind(models.TextChoices):
    RESIDENT_UNIT = "resident_unit", _("Resident unit")  # 驻区单位
    PROPERTY_COMPANY = "property_company", _("Property management company")  # 物业企业
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")  # 业委会
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")  # 社会组织
    MERCHANT = "merchant", _("Merchant")  # 商户
    OTHER = "other", _("Other")


class Organisation(NamedInGrid, models.Model):
    scoping = ScopeSpec(region="grid__code")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=OrganisationKind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                                   validators=[validate_credit_code])
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), kind="phone")
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    grid = models.ForeignKey("regions.Region", verbose_name=_("grid"), on_delete=models.PROTECT,
                             limit_choices_to=GRID_CHOICES, related_name="organisations")
    dwelling = models.ForeignKey(Dwelling, verbose_name=_("premises"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="organisations")
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["grid__code", "name"]
        constraints = [
            _unique_when_set("credit_code", "registry_organisation_credit_code_uniq"),
            _unique_when_set("external_id", "registry_organisation_external_id_uniq"),
        ]

    @property
    def contact_phone_masked(self) -> str:
        return crypto.mask_phone(self.contact_phone)
