"""Sign-in forms that say "locked out" instead of "wrong password", and the accounts admin's forms."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError

from gongzhi.audit.context import current

from . import lockout, services
from .models import Unit, User
from .placement import ensure_may_place


class LockoutMessageMixin:
    """For any AuthenticationForm: refuse during a lockout, and tell the user.

    The check runs before the password is even looked at, and again after a
    failure, so the failure that starts a lockout already answers with the
    lockout message.
    """

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        client_ip = current().client_ip
        try:
            lockout.refuse_if_locked(username, client_ip)
        except lockout.LockedOut as exc:
            raise ValidationError(str(exc), code="locked_out") from None
        try:
            return super().clean()
        except ValidationError:
            until = lockout.locked_until(username, client_ip)
            if until is not None:
                raise ValidationError(lockout.lockout_message(until), code="locked_out") from None
            raise


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


class ServiceCheckedFormMixin:
    """Runs the services' own validation and area check on the form's instance.

    The admin saves through the services, which check again; running the same
    checks here turns their answers into field errors on the page instead of
    an error page. ``actor`` is set on the form class by the admin for each
    request (the admin builds a new form class per request, so it is not
    shared between requests).
    """

    actor = None

    def check_instance(self, instance):  # pragma: no cover - each form defines it
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            self.check_instance(self.instance)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message if target or field == NON_FIELD_ERRORS
                                   else f"{self._label_of(field)}: {message}")
        except PermissionDenied as exc:
            self.add_error(None, str(exc))

    def _label_of(self, field: str) -> str:
        try:
            return str(self.instance._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:  # not a model field: the name is the best label there is
            return field


class _UserChecks(ServiceCheckedFormMixin):
    def check_instance(self, user):
        services.validate_user(user)
        services.ensure_not_deactivating_self(self.actor, user)
        ensure_may_place(self.actor, role=user.role, region=user.region, unit=user.unit,
                         is_superuser=user.is_superuser)


class UserCreateForm(_UserChecks, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "role", "region", "unit", "email")


class UserEditForm(_UserChecks, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("username", "password", "display_name", "first_name", "last_name", "email", "role", "region",
                  "unit", "is_active")


class UnitForm(ServiceCheckedFormMixin, forms.ModelForm):
    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "region", "supervisor", "is_active")

    def check_instance(self, unit):
        services.validate_unit(unit)
        if "is_active" in self.changed_data:
            services.ensure_unit_unused_if_deactivated(unit)
