from django.contrib.auth.forms import AuthenticationForm

from gongzhi.accounts.forms import LockoutMessageMixin


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """Sign-in; tells a locked-out user so instead of "wrong password"."""
