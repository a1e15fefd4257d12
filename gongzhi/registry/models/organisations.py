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


class SocialType(models.TextChoices):
    """What kind of community social organisation (社区社会组织) a social organisation is."""

    CULTURE_SPORTS = "culture_sports", _("Culture and sports team")  # 文体队
    VOLUNTEER = "volunteer", _("Volunteer team")  # 志愿队
    INTEREST = "interest", _("Interest club")  # 兴趣社团
    CHARITY = "charity", _("Charity and mutual aid")  # 公益慈善
    SERVICE = "service", _("Community service")  # 生活服务
    OTHER = "other", _("Other")


class Registration(models.TextChoices):
    """How far a social organisation is registered: informal groups are incubated towards registration."""

    INFORMAL = "informal", _("Informal group")  # 未登记
    FILED = "filed", _("Filed with the subdistrict")  # 备案
    REGISTERED = "registered", _("Registered with civil affairs")  # 登记


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
    # Social organisations only (kind 社会组织): their type and how far they are registered.
    social_type = models.CharField(_("type of social organisation"), max_length=16, choices=SocialType.choices,
                                   blank=True)
    registration = models.CharField(_("registration"), max_length=12, choices=Registration.choices, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
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
