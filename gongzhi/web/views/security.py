"""Account security pages: the second factor (verify, set up), one's sessions, a reset link.

Thin faces over :mod:`gongzhi.accounts.two_factor`, :mod:`gongzhi.accounts.sessions`
and :mod:`gongzhi.accounts.password_reset`.
"""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from gongzhi.accounts import password_reset, sessions, two_factor

from ..forms import apply_service_error
from ..forms.security import CodeForm, NewPasswordForm


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return ""


def _verified(request, device) -> None:
    django_otp.login(request, device)
    sessions.mark_verified(request)


@never_cache
@login_required
@sensitive_post_parameters("token")
def two_factor_verify(request):
    """The second step of signing in: a code of the authenticator app, or a recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request) or "home")
    if not two_factor.has_devices(request.user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify(user=request.user, token=form.cleaned_data["token"])
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            _verified(request, device)
            if device.name == two_factor.RECOVERY_DEVICE_NAME:
                messages.warning(request, _("You used a recovery code; %(n)d are left.")
                                 % {"n": two_factor.recovery_codes_left(request.user)})
            return redirect(_next_url(request) or "home")
    return render(request, "web/security/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
@sensitive_post_parameters("token")
def two_factor_setup(request):
    """Set up (scan the QR code, confirm a code), see the recovery codes once, renew them, or turn it off."""
    user = request.user
    enrolled = two_factor.is_enrolled(user)
    if enrolled and not user.is_verified():
        return redirect("two_factor_verify")
    context = {"enrolled": enrolled, "required": two_factor.required_for(user), "next": _next_url(request)}
    form = CodeForm(request.POST or None)
    action = request.POST.get("action", "")
    try:
        if request.method == "POST" and action == "codes" and enrolled:
            context["codes"] = two_factor.regenerate_recovery_codes(actor=user)
        elif request.method == "POST" and action == "disable" and enrolled:
            two_factor.disable(actor=user)
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor_setup")
        elif not enrolled:
            device = two_factor.start_enrolment(actor=user)
            if request.method == "POST" and action == "confirm" and form.is_valid():
                try:
                    context["codes"] = two_factor.confirm_enrolment(actor=user, device=device,
                                                                    token=form.cleaned_data["token"])
                except ValidationError as exc:
                    apply_service_error(form, exc)
                else:
                    _verified(request, device)
                    context["enrolled"] = True
            if not context.get("codes"):
                context.update(qr=two_factor.qr_svg(device), secret=two_factor.secret_text(device))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    context["form"] = form
    context["codes_left"] = two_factor.recovery_codes_left(user) if context["enrolled"] else 0
    return render(request, "web/security/two_factor.html", context)


@never_cache
@login_required
def my_sessions(request):
    """Where I am signed in; sign out one session or all the others."""
    current_key = request.session.session_key
    if request.method == "POST":
        if request.POST.get("action") == "others":
            count = sessions.end_other_sessions(actor=request.user, current_key=current_key)
            messages.success(request, _("Signed out of %(n)d other sessions.") % {"n": count})
        elif request.POST.get("session", "").isdigit():
            sessions.end_session(actor=request.user, user=request.user, session_id=int(request.POST["session"]))
            messages.success(request, _("The session is signed out."))
        return redirect("my_sessions")
    rows = sessions.sessions_of(request.user)
    for row in rows:
        row.is_current = row.session_key == current_key
    return render(request, "web/security/sessions.html", {
        "rows": rows, "idle_minutes": sessions.idle_timeout_for(request.user) // 60})


@never_cache
@sensitive_post_parameters("password", "password_again")
def password_reset_link(request, token):
    """Set a new password with a one-time link an administrator issued."""
    user = password_reset.link_user(token)
    form = NewPasswordForm(request.POST or None)
    if user is not None and request.method == "POST" and form.is_valid():
        try:
            password_reset.use_link(token=token, password=form.cleaned_data["password"],
                                    password_again=form.cleaned_data["password_again"])
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Your password is set. Sign in with it."))
            return redirect("login")
    status = 200 if user is not None else 404
    return render(request, "web/security/reset.html", {"form": form, "valid": user is not None, "account": user},
                  status=status)
