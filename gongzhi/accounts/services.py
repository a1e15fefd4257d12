"""Every write to accounts: users, units and API keys.

Each function takes the acting user (or the shell's :class:`SystemActor`)
explicitly, checks the ``accounts.manage`` capability and the area, validates
the record as a whole (so one answer lists every problem, each on its field),
saves, and appends the audit event in the same transaction.

Area rule: an actor manages only accounts and units whose whole scope lies
inside the actor's own (see :mod:`gongzhi.accounts.placement`). An
administrator of a community therefore cannot create, see or change users and
units of another community, nor promote anyone to an area they do not hold.
Users are deactivated, never deleted: the audit trail keeps pointing at them.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import diff, record, snapshot
from gongzhi.core.scoping import ensure_code_in_scope, scope_of
from gongzhi.regions.models import Level

from .models import ApiKey, Unit, UnitKind, User, hash_api_key
from .placement import ensure_may_place, placement_errors
from .roles import CAPABILITIES, STAFF_ROLES, can, require

MANAGE = "accounts.manage"
# Capabilities never given to an API key: a key must not mint keys or accounts.
KEY_FORBIDDEN = frozenset({MANAGE})
_UNSET = object()

# What the audit trail records of a user; never the password hash.
USER_AUDIT_FIELDS = ("username", "display_name", "first_name", "last_name", "email", "role", "region_id",
                     "unit_id", "is_active", "is_staff")
UNIT_AUDIT_FIELDS = ("code", "name", "kind", "region_id", "supervisor_id", "is_active")
# A unit of this kind must have a jurisdiction of this level.
UNIT_KIND_LEVEL = {UnitKind.SUBDISTRICT_OFFICE: Level.SUBDISTRICT, UnitKind.COMMUNITY_COMMITTEE: Level.COMMUNITY}


def _merge(errors: dict, more: dict) -> None:
    for field, messages in more.items():
        errors.setdefault(field, []).extend(messages)


# --- users ------------------------------------------------------------------

def _ensure_may_manage(actor, user: User) -> None:
    """The actor may change ``user`` only when the user's whole scope is inside the actor's."""
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only a superuser can change a superuser."))
    ensure_may_place(actor, role=user.role, region=user.region, unit=user.unit, is_superuser=user.is_superuser)


def validate_user(user: User, *, password: str | None = None) -> None:
    """Raise one ValidationError listing every problem of ``user`` by field (the admin form shows it too)."""
    errors: dict[str, list] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        _merge(errors, exc.message_dict)
    if user.username and "username" not in errors:
        clash = User.objects.filter(username__iexact=user.username).exclude(pk=user.pk).exists()
        if clash:
            errors["username"] = [_("The user name %(username)s is already taken.") % {"username": user.username}]
    _merge(errors, placement_errors(role=user.role, region=user.region, unit=user.unit))
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)


def ensure_not_deactivating_self(actor, user: User) -> None:
    """An administrator who deactivates their own account locks themselves out of undoing it."""
    if not user.is_active and user.pk is not None and user.pk == getattr(actor, "pk", None):
        raise ValidationError({"is_active": [_("You cannot deactivate your own account.")]})


def _check_placement(actor, *, role, region, unit, is_superuser=False) -> None:
    """Role fit first (a field error says what is wrong), then whether the actor may grant it."""
    errors = placement_errors(role=role, region=region, unit=unit)
    if errors:
        raise ValidationError(errors)
    ensure_may_place(actor, role=role, region=region, unit=unit, is_superuser=is_superuser)


def create_user(*, actor, username: str, role: str, password: str | None = None, region=None, unit=None,
                display_name: str = "", first_name: str = "", last_name: str = "", email: str = "",
                reason: str = "") -> User:
    """Create an account. Without ``password`` the user cannot sign in until one is set."""
    require(actor, MANAGE)
    _check_placement(actor, role=role, region=region, unit=unit)
    user = User(username=(username or "").strip(), role=role, region=region, unit=unit,
                display_name=(display_name or "").strip(), first_name=first_name or "", last_name=last_name or "",
                email=(email or "").strip(), is_staff=role in STAFF_ROLES)
    validate_user(user, password=password)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    with transaction.atomic():
        user.save()
        record(actor=actor, action="accounts.user.create", obj=user,
               changes=diff(user, None, USER_AUDIT_FIELDS), reason=reason)
    return user


def _change_user(actor, user: User, values: dict, *, action: str, reason: str) -> User:
    require(actor, MANAGE)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _ensure_may_manage(actor, user)
        before = snapshot(user, USER_AUDIT_FIELDS)
        for field, value in values.items():
            if value is not _UNSET:
                setattr(user, field, value.strip() if isinstance(value, str) and field != "role" else value)
        if before["is_active"]:
            ensure_not_deactivating_self(actor, user)
        _check_placement(actor, role=user.role, region=user.region, unit=user.unit, is_superuser=user.is_superuser)
        user.is_staff = user.is_superuser or user.role in STAFF_ROLES
        validate_user(user)
        changes = diff(user, before, USER_AUDIT_FIELDS)
        if not changes:
            return user
        user.save()
        if before["is_active"] and not user.is_active:
            from .sessions import end_all_sessions

            end_all_sessions(user)  # a deactivated account is signed out everywhere at once
        record(actor=actor, action=action, obj=user, changes=changes, reason=reason)
    return user


def update_user(*, actor, user: User, role=_UNSET, region=_UNSET, unit=_UNSET, display_name=_UNSET,
                first_name=_UNSET, last_name=_UNSET, email=_UNSET, username=_UNSET, is_active=_UNSET,
                reason: str = "") -> User:
    """Change an account (pass only what changes); the result must again fit the role and the actor's area."""
    values = dict(role=role, region=region, unit=unit, display_name=display_name, first_name=first_name,
                  last_name=last_name, email=email, username=username, is_active=is_active)
    return _change_user(actor, user, values, action="accounts.user.update", reason=reason)


def deactivate_user(*, actor, user: User, reason: str) -> User:
    """Stop an account from signing in (its sessions end at the next request); the record stays."""
    if not (reason or "").strip():
        require(actor, MANAGE)
        raise ValidationError({"reason": [_("Say why the account of %(user)s is deactivated.") % {"user": user}]})
    return _change_user(actor, user, {"is_active": False}, action="accounts.user.deactivate", reason=reason)


def set_user_password(*, actor, user: User, password: str | None, reason: str = "") -> User:
    """Set a new password, or with ``None`` disable password sign-in for the account."""
    require(actor, MANAGE)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _ensure_may_manage(actor, user)
        if password is None:
            user.set_unusable_password()
        else:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ValidationError({"password": list(exc.messages)}) from None
            user.set_password(password)
        user.save(update_fields=["password"])
        record_password_change(actor=actor, user=user, reason=reason)
    return user


def record_password_change(*, actor, user: User, reason: str = "") -> None:
    """Audit a password change made by Django's own password form (the admin's password page).

    Runs in the transaction of the change; refuses, and so rolls it back, when
    the actor may not manage the user.
    """
    require(actor, MANAGE)
    _ensure_may_manage(actor, user)
    record(actor=actor, action="accounts.user.set_password", obj=user,
           changes={"password_usable": [None, user.has_usable_password()]}, reason=reason)


# --- units ------------------------------------------------------------------

def validate_unit(unit: Unit) -> None:
    """Raise one ValidationError listing every problem of ``unit`` by field (the admin form shows it too)."""
    errors: dict[str, list] = {}
    try:
        unit.full_clean()
    except ValidationError as exc:
        _merge(errors, exc.message_dict)
    expected = UNIT_KIND_LEVEL.get(unit.kind)
    if expected and unit.region_id and unit.region.level != expected:
        errors.setdefault("region", []).append(
            _("The jurisdiction of a %(kind)s must be a %(level)s; %(region)s is a %(actual)s.") % {
                "kind": unit.get_kind_display(), "level": Level(expected).label, "region": unit.region,
                "actual": unit.region.get_level_display(),
            }
        )
    supervisor = unit.supervisor
    if supervisor is not None and unit.region_id:
        if unit.pk is not None and _supervises(unit, supervisor):
            errors.setdefault("supervisor", []).append(
                _("%(supervisor)s cannot supervise %(unit)s: %(unit)s already supervises it.")
                % {"supervisor": supervisor, "unit": unit.name}
            )
        elif not unit.region.code.startswith(supervisor.region.prefix):
            errors.setdefault("supervisor", []).append(
                _("%(supervisor)s cannot supervise a unit in %(region)s: that is outside its jurisdiction %(own)s.")
                % {"supervisor": supervisor, "region": unit.region, "own": supervisor.region}
            )
    if errors:
        raise ValidationError(errors)


def _supervises(unit: Unit, other: Unit) -> bool:
    """True when ``unit`` is ``other`` or above it in the supervision chain (a cycle if made its supervisor)."""
    seen = set()
    current = other
    while current is not None and current.pk not in seen:
        if current.pk == unit.pk:
            return True
        seen.add(current.pk)
        current = current.supervisor
    return False


def create_unit(*, actor, code: str, name: str, kind: str, region, supervisor: Unit | None = None,
                reason: str = "") -> Unit:
    require(actor, MANAGE)
    if region is None:
        raise ValidationError({"region": [_("A unit needs a jurisdiction.")]})
    ensure_code_in_scope(region.code, actor)
    unit = Unit(code=(code or "").strip(), name=(name or "").strip(), kind=kind, region=region, supervisor=supervisor)
    validate_unit(unit)
    with transaction.atomic():
        unit.save()
        record(actor=actor, action="accounts.unit.create", obj=unit, changes=diff(unit, None, UNIT_AUDIT_FIELDS),
               reason=reason)
    return unit


def update_unit(*, actor, unit: Unit, code=_UNSET, name=_UNSET, kind=_UNSET, region=_UNSET, supervisor=_UNSET,
                is_active=_UNSET, reason: str = "") -> Unit:
    """Change a unit (pass only what changes). A unit is deactivated only once nobody acts for it."""
    require(actor, MANAGE)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().select_related("region").get(pk=unit.pk)
        ensure_code_in_scope(unit.region.code, actor)
        before = snapshot(unit, UNIT_AUDIT_FIELDS)
        for field, value in dict(code=code, name=name, kind=kind, region=region, supervisor=supervisor,
                                 is_active=is_active).items():
            if value is not _UNSET:
                setattr(unit, field, value.strip() if isinstance(value, str) else value)
        if unit.region_id is None:
            raise ValidationError({"region": [_("A unit needs a jurisdiction.")]})
        ensure_code_in_scope(unit.region.code, actor)
        validate_unit(unit)
        if before["is_active"]:
            ensure_unit_unused_if_deactivated(unit)
        changes = diff(unit, before, UNIT_AUDIT_FIELDS)
        if not changes:
            return unit
        unit.save()
        record(actor=actor, action="accounts.unit.update", obj=unit, changes=changes, reason=reason)
    return unit


def ensure_unit_unused_if_deactivated(unit: Unit) -> None:
    """A unit is deactivated only once no active member or API key acts for it."""
    if unit.is_active or unit.pk is None:
        return
    members = unit.members.filter(is_active=True).count()
    keys = ApiKey.objects.filter(unit=unit, revoked_at=None).count()
    if members or keys:
        raise ValidationError({"is_active": [
            _("%(unit)s still has %(members)d active members and %(keys)d API keys; "
              "move or deactivate the members and revoke the keys first.")
            % {"unit": unit, "members": members, "keys": keys}
        ]})


# --- API keys ---------------------------------------------------------------

def _ensure_may_handle_key(actor, unit: Unit | None) -> None:
    if unit is None:
        if not scope_of(actor).unrestricted:
            raise PermissionDenied(_("Only an administrator for all areas can manage API keys without a unit."))
        return
    ensure_code_in_scope(unit.region.code, actor)


def _capability_errors(actor, capabilities) -> list[str]:
    known = frozenset().union(*CAPABILITIES.values())
    errors = []
    for capability in capabilities:
        if capability not in known:
            errors.append(_("Unknown capability %(cap)s; known: %(known)s.")
                          % {"cap": capability, "known": ", ".join(sorted(known - KEY_FORBIDDEN))})
        elif capability in KEY_FORBIDDEN:
            errors.append(_("An API key cannot be given %(cap)s.") % {"cap": capability})
        elif not can(actor, capability):
            errors.append(_("You cannot give %(cap)s: you do not have it yourself.") % {"cap": capability})
    return errors


def create_api_key(*, actor, name: str, unit: Unit | None = None, capabilities=(), reason: str = "",
                   ) -> tuple[ApiKey, str]:
    """Make a key for a machine client acting for ``unit``; returns the key and the only copy of its secret.

    The key sees what the unit's area covers and may do what ``capabilities``
    grant (nothing capability-gated without them). Only a hash of the secret
    is stored, so it cannot be shown again: a lost key is revoked and replaced.
    """
    require(actor, MANAGE)
    _ensure_may_handle_key(actor, unit)
    name = (name or "").strip()
    capabilities = sorted({c.strip() for c in capabilities if c and c.strip()})
    errors = {}
    if problems := _capability_errors(actor, capabilities):
        errors["capabilities"] = problems
    if not name:
        errors["name"] = [_("An API key needs a name that says who uses it.")]
    elif len(name) > ApiKey._meta.get_field("name").max_length:
        errors["name"] = [_("The name of an API key has at most %(n)d characters.")
                          % {"n": ApiKey._meta.get_field("name").max_length}]
    if unit is not None and not unit.is_active:
        errors["unit"] = [_("Unit %(unit)s is no longer active.") % {"unit": unit}]
    if errors:
        raise ValidationError(errors)
    raw = ApiKey.generate()
    key = ApiKey(name=name, key_prefix=raw[: ApiKey.PREFIX_LENGTH], key_hash=hash_api_key(raw), unit=unit,
                 capabilities=capabilities, created_by=actor if isinstance(actor, User) else None)
    with transaction.atomic():
        key.save()
        record(actor=actor, action="accounts.apikey.create", obj=key, reason=reason,
               changes={"name": [None, key.name], "key_prefix": [None, key.key_prefix],
                        "unit_id": [None, key.unit_id], "capabilities": [None, capabilities]})
    return key, raw


def revoke_api_key(*, actor, key: ApiKey, reason: str = "") -> ApiKey:
    """Stop a key from working, at once and for good."""
    require(actor, MANAGE)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        _ensure_may_handle_key(actor, key.unit)
        if key.revoked_at is not None:
            raise ValidationError({"revoked_at": [
                _("API key %(key)s was already revoked on %(when)s.")
                % {"key": key, "when": timezone.localtime(key.revoked_at).strftime("%Y-%m-%d %H:%M")}
            ]})
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(actor=actor, action="accounts.apikey.revoke", obj=key, reason=reason,
               changes={"revoked_at": [None, key.revoked_at.isoformat()]})
    return key
