"""Forms of the pages. They parse and present; the services validate the meaning."""

from django.contrib.auth.forms import AuthenticationForm

from gongzhi.accounts.forms import LockoutMessageMixin

from .base import apply_service_error


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """Sign-in; tells a locked-out user so instead of "wrong password"."""


__all__ = ["LoginForm", "apply_service_error"]
