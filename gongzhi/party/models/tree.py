"""The party organisation tree (党组织) and its members (党员).

The tree is keyed to the governance region tree: a 街道党工委 sits on a
subdistrict, a 社区党委/党总支 on a community, a 网格党支部 on a grid, a 楼栋党小组
on a grid with its building. No second geography: party grids are the grids.

Party membership is sensitive personal data, shown like the care tags of
sensitivity "high": only roles with ``party.members`` see that a person is a
member at all (the selectors return nothing to others, the services refuse them), names are masked in every list, and a name is shown in clear
only through the one audited reveal (``party.member.reveal``). What is said
about the membership (the date one joined the party, notes) is encrypted at
rest; ``__str__`` of a member never prints the name (it ends up in the trail).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec


class OrgLevel(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("Subdistrict party working committee")  # 街道党工委
    COMMUNITY_COMMITTEE = "community_committee", _("Community party committee")  # 社区党委
    GENERAL_BRANCH = "general_branch", _("General party branch")  # 党总支
    BRANCH = "branch", _("Grid party branch")  # 网格党支部
    GROUP = "group", _("Building party group")  # 楼栋党小组


# The level of region each party level sits on, and the levels allowed above it.
REGION_LEVEL = {
    OrgLevel.WORKING_COMMITTEE: "subdistrict",
    OrgLevel.COMMUNITY_COMMITTEE: "community",
    OrgLevel.GENERAL_BRANCH: "community",
    OrgLevel.BRANCH: "grid",
    OrgLevel.GROUP: "grid",
}
PARENT_LEVELS = {
    OrgLevel.WORKING_COMMITTEE: (),
    OrgLevel.COMMUNITY_COMMITTEE: (OrgLevel.WORKING_COMMITTEE,),
    OrgLevel.GENERAL_BRANCH: (OrgLevel.WORKING_COMMITTEE,),
    OrgLevel.BRANCH: (OrgLevel.COMMUNITY_COMMITTEE, OrgLevel.GENERAL_BRANCH),
    OrgLevel.GROUP: (OrgLevel.BRANCH,),
}


class PartyOrganisation(models.Model):
    scoping = ScopeSpec(region="region__code")

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=24, choices=OrgLevel.choices)
    parent = models.ForeignKey("self", verbose_name=_("parent organisation"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    region = models.ForeignKey("regions.Region", verbose_name=_("area"), on_delete=models.PROTECT,
                               related_name="+")
    building = models.ForeignKey("registry.Building", verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    is_joint_committee = models.BooleanField(
        _("joint committee (大党委)"), default=False,
        help_text=_("A community party committee that takes part-time members from the resident units."))
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["region__code", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="party_org_name_per_region"),
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""),
                                    name="party_org_external_id_uniq"),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None


class MemberRole(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")  # 书记
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")  # 副书记
    COMMITTEE = "committee", _("Committee member")  # 委员
    MEMBER = "member", _("Party member")  # 党员


class MemberStatus(models.TextChoices):
    FULL = "full", _("Full member")  # 正式党员
    PROBATIONARY = "probationary", _("Probationary member")  # 预备党员


class PartyMember(models.Model):
    """A registry person's membership of one party organisation (组织关系 in the community)."""

    scoping = ScopeSpec(region="organisation__region__code")

    person = models.ForeignKey("registry.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="+")
    organisation = models.ForeignKey(PartyOrganisation, verbose_name=_("party organisation"),
                                     on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    status = models.CharField(_("membership"), max_length=16, choices=MemberStatus.choices,
                              default=MemberStatus.FULL)
    joined_party_on = EncryptedTextField(_("joined the party on"), kind="text")
    note = EncryptedTextField(_("note"), kind="text")
    since = models.DateField(_("in this organisation since"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["organisation_id", "role", "id"]
        constraints = [
            # One current membership per person: the organisation relation is in one place.
            models.UniqueConstraint(fields=["person"], condition=Q(left_on__isnull=True),
                                    name="party_member_one_current"),
        ]

    def __str__(self):
        # Never the name: this ends up in the audit trail's object_repr and the admin.
        return f"{self.organisation} — #{self.pk}"

    @property
    def audit_region_code(self) -> str:
        return self.organisation.region.code

    @property
    def name_masked(self) -> str:
        return crypto.mask_name(self.person.name)
