from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.context import current

from . import lockout


class LockedOut(PermissionDenied):
    """Raised from authenticate(): Django's login form shows it, nothing else is tried."""


class ThrottledModelBackend(ModelBackend):
    """Django's model backend behind the lockout of :mod:`gongzhi.accounts.lockout`."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field(), "")
        username = username or ""
        client_ip = current().client_ip
        until = lockout.locked_until(username, client_ip)
        if until is not None:
            minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
            raise LockedOut(
                _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
            )
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            lockout.note_failure(username, client_ip)
        else:
            lockout.clear_failures(username)
        return user

    @staticmethod
    def _username_field():
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
