from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts import lockout
from gongzhi.audit.context import current


class LoginForm(AuthenticationForm):
    """Sign-in; tells a locked-out user so instead of "wrong password"."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        until = lockout.locked_until(username, current().client_ip)
        if until is not None:
            minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
            raise forms.ValidationError(
                _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes},
                code="locked_out",
            )
        return super().clean()
