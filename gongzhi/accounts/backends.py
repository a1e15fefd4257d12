from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from gongzhi.audit.context import current

from . import lockout
from .lockout import LockedOut

__all__ = ["LockedOut", "ThrottledModelBackend"]


class ThrottledModelBackend(ModelBackend):
    """Django's model backend behind the lockout of :mod:`gongzhi.accounts.lockout`.

    Every sign-in path (the login page, the admin's login, anything calling
    ``authenticate()``) passes here, so none of them can be used to go on
    guessing during a lockout. A lockout raises :class:`LockedOut`, a
    PermissionDenied: ``authenticate()`` then stops and returns None, so forms
    that want to say *why* check :func:`lockout.refuse_if_locked` themselves
    first (see :mod:`gongzhi.accounts.forms`).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None  # not a password sign-in: nothing to count
        client_ip = current().client_ip
        lockout.refuse_if_locked(username, client_ip)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            lockout.note_failure(username, client_ip)
        else:
            lockout.clear_failures(username)
        return user


class PhoneCodeBackend(ModelBackend):
    """Sign-in with a mobile number and a one-time SMS code (``authenticate(phone=, code=)``).

    The checks and the sign-up on first use are :func:`gongzhi.accounts.phone_signin.sign_in`;
    its ValidationError and PermissionDenied reach the caller, which shows them.
    """

    def authenticate(self, request, phone=None, code=None, **kwargs):
        if phone is None or code is None:
            return None  # not a code sign-in
        from .phone_signin import sign_in

        return sign_in(phone=phone, code=code, client_ip=current().client_ip)
