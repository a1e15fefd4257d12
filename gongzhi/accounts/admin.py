"""Admin screens for users, units, API keys and failed sign-ins.

All are scoped and audited through :class:`ScopedAuditedAdmin` and save
through :mod:`gongzhi.accounts.services`, so the admin obeys the same rules
as every other face: the role must fit the area, an administrator only
manages accounts inside their own area, users are deactivated rather than
deleted, and API keys are created at the shell (``create_api_key``, the key
is shown once there) and only listed and revoked here.

Importing this module also gives the admin's login page the lockout-aware
form, so that it tells a locked-out user why, like the site's login page.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from gongzhi.audit.admin_base import ScopedAuditedAdmin

from . import lockout, password_reset, selectors, services, sessions, two_factor
from .forms import AdminLoginForm, UnitForm, UserCreateForm, UserEditForm
from .models import ApiKey, LoginFailure, Unit, User
from .roles import can

admin.site.login_form = AdminLoginForm

# django-otp's device admins would show TOTP secrets and recovery codes: devices are managed only
# through gongzhi.accounts.two_factor (enrolment by their owner, reset by an administrator).
from django_otp.plugins.otp_static.admin import StaticDevice  # noqa: E402  (registers it, to unregister)
from django_otp.plugins.otp_totp.admin import TOTPDevice  # noqa: E402

for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)

MANAGE = services.MANAGE
EDITABLE_USER_FIELDS = ("username", "display_name", "first_name", "last_name", "email", "role", "region", "unit",
                        "is_active")


class _FormActorMixin:
    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user  # a fresh class per call (modelform_factory), so per request
        return form


@admin.register(User)
class UserAdmin(_FormActorMixin, ScopedAuditedAdmin, DjangoUserAdmin):
    """Django's user admin (password pages included), scoped and saved through the services."""

    capability_view = MANAGE
    capability_change = MANAGE
    form = UserEditForm
    add_form = UserCreateForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (_("Role and area"), {"fields": ("role", "region", "unit", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "display_name", "role", "region", "unit", "email",
                                                  "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "display_name", "role", "region", "unit", "is_active", "last_login")
    list_filter = ("role", "is_active", "region", "unit")
    list_select_related = ("region", "unit")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    filter_horizontal = ()

    actions = ["sign_out_everywhere", "reset_two_factor", "issue_reset_link"]

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated: the audit trail keeps pointing at them

    def has_manage_permission(self, request):
        return can(request.user, MANAGE)

    def _each(self, request, queryset, act, done_message):
        done = 0
        for user in queryset:
            try:
                act(user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{user}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                                  messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Sign the selected users out everywhere"), permissions=["manage"])
    def sign_out_everywhere(self, request, queryset):
        self._each(request, queryset, lambda user: sessions.force_sign_out(actor=request.user, user=user,
                                                                           reason="admin"),
                   _("Signed out everywhere: %(n)d users."))

    @admin.action(description=_("Reset two-factor sign-in of the selected users (lost device)"),
                  permissions=["manage"])
    def reset_two_factor(self, request, queryset):
        self._each(request, queryset, lambda user: two_factor.reset_devices(actor=request.user, user=user,
                                                                            reason="admin"),
                   _("Two-factor sign-in reset: %(n)d users; they set it up again at their next sign-in."))

    @admin.action(description=_("Issue a one-time password reset link"), permissions=["manage"])
    def issue_reset_link(self, request, queryset):
        users = list(queryset[:2])
        if len(users) != 1:
            self.message_user(request, _("Select exactly one user to issue a reset link for."), messages.WARNING)
            return None
        user = users[0]
        try:
            token = password_reset.issue_link(actor=request.user, user=user, reason="admin")
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.WARNING)
            return None
        link = request.build_absolute_uri(reverse("password_reset_link", args=[token]))
        return TemplateResponse(request, "admin/accounts/reset_link.html", {
            **self.admin_site.each_context(request), "title": _("Password reset link"), "account": user,
            "link": link, "hours": settings.PASSWORD_RESET_LINK_TTL // 3600, "opts": self.model._meta})

    def save_model(self, request, obj, form, change):
        if not change:
            usable = form.cleaned_data.get("set_usable_password", True)
            created = services.create_user(
                actor=request.user, username=obj.username, role=obj.role, region=obj.region, unit=obj.unit,
                display_name=obj.display_name, email=obj.email,
                password=form.cleaned_data.get("password1") if usable else None, reason="admin",
            )
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db
        else:
            current = User.objects.get(pk=obj.pk)
            values = {f: getattr(obj, f) for f in EDITABLE_USER_FIELDS if f in form.changed_data}
            if values == {"is_active": False}:
                services.deactivate_user(actor=request.user, user=current, reason="admin")
            elif values:
                services.update_user(actor=request.user, user=current, reason="admin", **values)
        obj.refresh_from_db()

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        request._gongzhi_password_change = True  # tells log_change to audit it
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def log_change(self, request, obj, message):
        # Django's password page saves through its own form and then calls
        # log_change inside our transaction: audit it there, or refuse and roll back.
        if getattr(request, "_gongzhi_password_change", False):
            services.record_password_change(actor=request.user, user=obj, reason="admin")


@admin.register(Unit)
class UnitAdmin(_FormActorMixin, ScopedAuditedAdmin):
    capability_view = MANAGE
    capability_change = MANAGE
    form = UnitForm
    list_display = ("code", "name", "kind", "region", "supervisor", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("region", "supervisor")
    search_fields = ("code", "name")
    ordering = ("code",)

    def has_delete_permission(self, request, obj=None):
        return False  # units are deactivated: cases and users keep pointing at them

    def save_model(self, request, obj, form, change):
        fields = {f: getattr(obj, f) for f in ("code", "name", "kind", "region", "supervisor")}
        if not change:
            created = services.create_unit(actor=request.user, reason="admin", **fields)
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db
        else:
            changed = {f: getattr(obj, f) for f in (*fields, "is_active") if f in form.changed_data}
            if changed:
                services.update_unit(actor=request.user, unit=Unit.objects.get(pk=obj.pk), reason="admin", **changed)
        obj.refresh_from_db()


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAuditedAdmin):
    """Listed and revoked here; the key itself is never shown (only its first characters)."""

    capability_view = MANAGE
    fields = ("name", "key_prefix", "unit", "capabilities", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    list_display = ("name", "key_prefix", "unit", "created_at", "last_used_at", "revoked_at", "active")
    list_filter = ("unit",)
    list_select_related = ("unit", "created_by")
    search_fields = ("name", "key_prefix")
    actions = ["revoke"]

    @admin.display(boolean=True, description=_("active"))
    def active(self, obj):
        return obj.is_active

    def has_revoke_permission(self, request):
        return can(request.user, MANAGE)

    @admin.action(description=_("Revoke the selected API keys"), permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = 0
        for key in queryset:
            try:
                services.revoke_api_key(actor=request.user, key=key, reason="admin")
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{key}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                                  messages.WARNING)
            else:
                revoked += 1
        if revoked:
            self.message_user(request, ngettext("%(n)d API key revoked.", "%(n)d API keys revoked.", revoked)
                              % {"n": revoked}, messages.SUCCESS)


class _FailureChangeList(ChangeList):
    """Names the account of each failure listed, for this request's administrator."""

    def get_results(self, request):
        super().get_results(request)
        names = selectors.account_names_by_hash(request.user)
        for failure in self.result_list:
            failure.account_name = names.get(failure.name_hash)


@admin.register(LoginFailure)
class LoginFailureAdmin(ScopedAuditedAdmin):
    """Read-only: which account failed to sign in, from where, when (for a lockout enquiry).

    Only a keyed hash of the name typed is stored: the account is shown when the
    hash is that of an account the administrator may see, else "unknown name".
    Searching by a user name (exact, any case) or a client address works.
    """

    capability_view = MANAGE
    list_display = ("at", "account", "client_ip")
    list_filter = ("at",)
    search_fields = ("=client_ip",)
    fields = readonly_fields = ("at", "account", "client_ip")
    ordering = ("-at",)

    def get_queryset(self, request):
        return selectors.login_failures_for(request.user)

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results = results | queryset.filter(name_hash=lockout.name_hash(search_term))
        return results, duplicates

    @admin.display(description=_("account"))
    def account(self, obj):
        return getattr(obj, "account_name", None) or _("(unknown name)")

    def get_changelist(self, request, **kwargs):
        return _FailureChangeList

    def get_object(self, request, object_id, from_field=None):
        failure = super().get_object(request, object_id, from_field)
        if failure is not None:
            failure.account_name = selectors.account_names_by_hash(request.user).get(failure.name_hash)
        return failure

    def _in_scope(self, request, obj):
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()
