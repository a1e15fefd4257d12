"""Users, government units and API keys.

Every staff user has a scope: a region subtree (``region``) and/or a unit
(``unit``). A grid worker's region is their grid, a street dispatcher's the
subdistrict, a department clerk has a unit and sees what is assigned to it.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import crypto
from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import Scope, ScopeSpec

from .placement import placed_scope
from .roles import Role, capabilities_of


class UnitKind(models.TextChoices):
    SUBDISTRICT_OFFICE = "subdistrict_office", _("Subdistrict office / command centre")
    COMMUNITY_COMMITTEE = "community_committee", _("Community / village committee")
    DEPARTMENT = "department", _("Functional department")
    MEDIATION_COMMITTEE = "mediation_committee", _("Mediation committee")
    # 派出所: told of disputes likely to escalate (gongzhi.mediation early warning).
    POLICE_STATION = "police_station", _("Police station")
    OTHER = "other", _("Other unit")


class Unit(models.Model):
    """A government unit with a jurisdiction (a region subtree)."""

    scoping = ScopeSpec(region="region__code", unit="id")

    code = models.CharField(_("unit code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=UnitKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="units"
    )
    supervisor = models.ForeignKey(
        "self", verbose_name=_("supervising unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervised",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def audit_region_code(self) -> str:
        return self.region.code if self.region_id else ""

    def staff_placement(self):
        """The area a staff member of this unit has (a Region, or None: the unit's own work only).

        A functional department's staff have no area of their own: they see the
        cases dispatched or summoned to their unit, not the whole of the
        department's jurisdiction (``placement.NEEDS_UNIT``). Staff of a
        subdistrict office, a community committee, a mediation committee or
        another unit work in the unit's jurisdiction.
        """
        if self.kind == UnitKind.DEPARTMENT:
            return None
        return self.region


class User(AbstractUser):
    scoping = ScopeSpec(region="region__code", unit="unit_id", owner="id")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="users", help_text=_("The region subtree this user works in."),
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    # The mobile number a resident signs in with (one-time SMS code) and is texted on: personal
    # data like any other, so encrypted, with a blind index for the one exact lookup sign-in needs.
    phone = EncryptedTextField(_("mobile number"), kind="phone")
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["phone_index"], condition=~models.Q(phone_index=""),
                                    name="one_account_per_mobile_number"),
        ]

    def __str__(self):
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        self.phone_index = crypto.blind_index("phone", self.phone) if self.phone else ""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_index"}
        super().save(*args, **kwargs)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)

    @property
    def scope(self) -> Scope:
        """Where this user may see and act.

        A grid worker's area is the grid alone: the unit they report to (the
        community committee) is organisational and adds nothing, otherwise the
        committee's work in neighbouring grids would show through it.
        """
        if not self.is_active:
            return Scope.nothing()
        if self.is_superuser or (self.role == Role.ADMIN and self.region_id is None):
            return Scope.everything()
        with_unit = self.unit_id is not None and self.role != Role.GRID_WORKER
        return placed_scope(region=self.region if self.region_id else None,
                            unit_id=self.unit_id if with_unit else None, user_id=self.pk,
                            capabilities=capabilities_of(self))

    @property
    def audit_region_code(self) -> str:
        if self.region_id:
            return self.region.code
        return self.unit.region.code if self.unit_id else ""


def hash_api_key(raw: str) -> str:
    # Keys are 32 random bytes, so a fast keyed-less hash is enough: there is
    # nothing to brute-force, and lookups must be one indexed equality.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    """A machine client's key. Only its hash is stored; the key is shown once.

    A key acts for its unit: it sees at most what a staff member of its unit
    with the same capabilities sees (the unit's :meth:`Unit.staff_placement`
    and the unit's own assignments), nothing without a unit; reading cases
    needs ``cases.view`` among its capabilities.
    """

    scoping = ScopeSpec(region="unit__region__code", unit="unit_id")

    PREFIX = "gz_"
    PREFIX_LENGTH = 12  # how much of the key is kept in clear, to name it
    # last_used_at is written at most this often, not on every request.
    USAGE_RESOLUTION = timedelta(minutes=5)

    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT)
    # What the key may do, as capability names of roles.py: a key has no role,
    # so it may do nothing capability-gated unless granted here.
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def audit_region_code(self) -> str:
        return self.unit.region.code if self.unit_id else ""

    is_authenticated = True
    is_superuser = False
    role = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def extra_capabilities(self) -> frozenset[str]:
        """Read by :func:`gongzhi.accounts.roles.capabilities_of`."""
        return frozenset(self.capabilities or ()) if self.is_active else frozenset()

    @property
    def scope(self) -> Scope:
        if not self.is_active:
            return Scope.nothing()
        if self.unit_id is None:
            return Scope.nothing()
        return placed_scope(region=self.unit.staff_placement(), unit_id=self.unit_id,
                            capabilities=self.extra_capabilities)

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @classmethod
    def find_active(cls, raw: str):
        if not raw or not raw.startswith(cls.PREFIX):
            return None
        key = cls.objects.select_related("unit__region").filter(key_hash=hash_api_key(raw), revoked_at=None).first()
        now = timezone.now()
        if key is not None and (key.last_used_at is None or now - key.last_used_at >= cls.USAGE_RESOLUTION):
            cls.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return key


class LoginFailure(models.Model):
    """One failed sign-in; counted over a sliding window to throttle and lock out.

    The user name as typed is kept only as its keyed hash (``lockout.name_hash``):
    it may be a phone number, an ID number or a mistyped password.
    """

    name_hash = models.CharField(_("keyed hash of the user name"), max_length=64, db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")


class PhoneCode(models.Model):
    """A one-time sign-in code sent by SMS (短信验证码).

    Only a keyed hash of the code is kept, and the number only as its blind
    index. The rows are also the rate limiter's memory (per number and per
    client address), so every process agrees on the limits.
    """

    phone_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        ordering = ["-created_at", "-id"]


class SignedInSession(models.Model):
    """One signed-in browser session of a user: what "my sessions" lists and what sign-out ends.

    Django's session store is not indexed by user; this row is (written when a
    user signs in, removed when the session is signed out or ended from
    elsewhere; :mod:`gongzhi.accounts.sessions`). ``last_seen_at`` is refreshed
    at most once a minute.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last active"), default=timezone.now)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    verified = models.BooleanField(_("two-factor verified"), default=False)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen_at", "-id"]


class PasswordResetLink(models.Model):
    """A one-time link to set a new password, issued by an administrator (no e-mail needed).

    Only a hash of the token is kept; the link is shown once to whoever issued
    it, expires after ``PASSWORD_RESET_LINK_TTL`` seconds and works once.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="reset_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(User, verbose_name=_("issued by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("password reset link")
        verbose_name_plural = _("password reset links")
        ordering = ["-created_at", "-id"]
