"""Volunteers and their teams.

A volunteer is a registered person (``registry.Person``) who serves in one community, once the
community has verified them. A resident applies from their phone with their name, mobile number
and ID number; staff verify the application by linking it to the person in the registry. The mobile
and ID numbers given with the application are personal data: encrypted, with a blind index for the
match, masked on every page, shown in clear only through the audited reveal.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec

NAME_MAX = 50
COMMUNITY_CODE_LENGTH = 12  # a grid's 15-digit code starts with its community's 12 digits


def community_code(region) -> str:
    """The code of the community a region (a community or one of its grids) lies in."""
    return region.code[:COMMUNITY_CODE_LENGTH] if region is not None else ""


class InCommunity:
    """A row placed in a community or one of its grids (``region``)."""

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    @property
    def community_code(self) -> str:
        return community_code(self.region) if self.region_id else ""

SKILLS_MAX = 200


class VolunteerStatus(models.TextChoices):
    APPLIED = "applied", _("Applied, awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class Volunteer(InCommunity, models.Model):
    scoping = ScopeSpec(region="region__code", owner="user_id", view="volunteers.view")

    region = models.ForeignKey("regions.Region", verbose_name=_("community or grid"), on_delete=models.PROTECT,
                                  related_name="+", limit_choices_to={"level__in": ("community", "grid")})
    person = models.OneToOneField("registry.Person", verbose_name=_("person in the registry"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="volunteer")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="volunteer")
    name = models.CharField(_("name"), max_length=NAME_MAX)
    phone = EncryptedTextField(_("mobile number"), kind="phone")
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number = EncryptedTextField(_("ID number"), kind="id_number")
    id_number_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    skills = models.CharField(_("skills"), max_length=SKILLS_MAX, blank=True,
                              help_text=_("Comma-separated, e.g. 理发, 维修, 陪护."))
    status = models.CharField(_("status"), max_length=16, choices=VolunteerStatus.choices,
                              default=VolunteerStatus.APPLIED, db_index=True)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["region__code", "name", "id"]
        constraints = [
            # One person, one volunteer record (in one community): the blind index makes equal numbers collide.
            models.UniqueConstraint(fields=["id_number_index"], condition=~Q(id_number_index=""),
                                    name="volunteers_one_per_id_number"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.phone_index = crypto.blind_index("phone", self.phone) if self.phone else ""
        self.id_number_index = crypto.blind_index("id_number", self.id_number) if self.id_number else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {"phone_index"} if "phone" in update_fields else set()
            extra |= {"id_number_index"} if "id_number" in update_fields else set()
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def is_verified(self) -> bool:
        return self.status == VolunteerStatus.VERIFIED

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").split(",") if s.strip()]


class Team(InCommunity, models.Model):
    """A volunteer team (志愿服务队) of a community."""

    scoping = ScopeSpec(region="region__code", view="volunteers.view")

    region = models.ForeignKey("regions.Region", verbose_name=_("community or grid"), on_delete=models.PROTECT,
                                  related_name="+", limit_choices_to={"level__in": ("community", "grid")})
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("social organisation"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+",
                                     help_text=_("The community social organisation the team belongs to, if any."))
    active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(Volunteer, through="TeamMembership", related_name="teams", blank=True,
                                     verbose_name=_("members"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["region__code", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="volunteers_team_name_uniq")]

    def __str__(self):
        return self.name


class TeamRole(models.TextChoices):
    LEADER = "leader", _("Team leader")
    MEMBER = "member", _("Member")


class TeamMembership(models.Model):
    scoping = ScopeSpec(region="team__region__code", owner="volunteer__user_id", view="volunteers.view")

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team_id", "role", "volunteer__name"]
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="volunteers_one_membership")]

    def __str__(self):
        return f"{self.volunteer} @ {self.team}"

    @property
    def audit_region_code(self) -> str:
        return self.team.region.code
