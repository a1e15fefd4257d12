"""The guard of every signed-in request: idle expiry and the second factor.

Installed after django-otp's ``OTPMiddleware`` (which tells whether this
session was verified with a second factor). For a signed-in user:

* a session idle for longer than the user's idle timeout is signed out
  (:func:`gongzhi.accounts.sessions.idle_timeout_for`); a page redirects to the
  sign-in page, the API answers 401;
* a session not yet verified with a second factor, of a user who has enrolled
  one or whose role requires one (:func:`gongzhi.accounts.two_factor.required_for`),
  reaches only the verification or enrolment page, sign-out, the language
  switch and static files; the API answers 403.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from . import sessions, two_factor

NO_DEVICE_KEY = "gz_otp_none"  # when the session last found the user without a device
RECHECK_NO_DEVICE = 300
OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz", "/readyz", "/metrics", "/favicon")
OPEN_NAMES = ("login", "phone_login", "logout", "two_factor_verify", "two_factor_setup", "admin:logout")


def _open_paths() -> tuple[str, ...]:
    paths = []
    for name in OPEN_NAMES:
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            pass
    return tuple(paths)


class SessionGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open = None

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            answer = self._idle(request) or self._second_factor(request)
            if answer is not None:
                return answer
        return self.get_response(request)

    def _is_api(self, request) -> bool:
        return request.path.startswith("/api/")

    def _idle(self, request):
        if not sessions.is_idle(request):
            sessions.touch(request)
            return None
        logout(request)
        if self._is_api(request):
            return JsonResponse({"detail": _("Your session ended after a period of inactivity.")}, status=401)
        messages.info(request, _("You were signed out after a period of inactivity."))
        return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")

    def _second_factor(self, request):
        user = request.user
        if getattr(user, "is_verified", lambda: True)():
            return None
        if self._open is None:
            self._open = _open_paths()
        path = request.path
        if path.startswith(OPEN_PREFIXES) or path in self._open:
            return None
        now = int(time.time())
        checked = request.session.get(NO_DEVICE_KEY)
        if checked is not None and now - checked < RECHECK_NO_DEVICE:
            has_device = False
        else:
            has_device = two_factor.has_devices(user)
            if has_device:
                request.session.pop(NO_DEVICE_KEY, None)
            else:
                request.session[NO_DEVICE_KEY] = now
        if has_device:
            target, message = "two_factor_verify", _("Enter the code of your authenticator app to continue.")
        elif two_factor.required_for(user):
            target, message = "two_factor_setup", _("Your role requires two-factor sign-in: set it up to continue.")
        else:
            return None
        if self._is_api(request):
            return JsonResponse({"detail": message}, status=403)
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
