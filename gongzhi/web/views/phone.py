"""Residents' sign-up and sign-in with a mobile number and a one-time SMS code.

One page, two buttons: "send code" (:func:`phone_signin.send_code`) and "sign in"
(Django's ``authenticate(phone=, code=)``, which is
:class:`gongzhi.accounts.backends.PhoneCodeBackend`). The page keeps the number
between the two steps, and every refusal lands next to the field it is about.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gongzhi.accounts import phone_signin
from gongzhi.audit.context import current

from ..forms import apply_service_error
from ..forms.phone import PhoneSignInForm


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return ""


@never_cache
def phone_sign_in(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = PhoneSignInForm(request.POST or None)
    sent_to = ""
    if request.method == "POST" and form.is_valid():
        phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
        try:
            if "send" in request.POST:
                sent_to = phone_signin.send_code(phone=phone, client_ip=current().client_ip)
            elif not code:
                form.add_error("code", _("Enter the code from the text message."))
            else:
                user = authenticate(request, phone=phone, code=code)
                if user is not None:
                    login(request, user, backend="gongzhi.accounts.backends.PhoneCodeBackend")
                    return redirect(_next_url(request) or "home")
                form.add_error(None, _("Sign-in by text message is not available. Please ask your community office."))
        except ValidationError as exc:
            apply_service_error(form, exc)
        except phone_signin.CodeNotSent:
            form.add_error(None, _("The text message could not be sent. Please try again in a minute."))
    return render(request, "web/phone_login.html",
                  {"form": form, "sent_to": sent_to, "next": _next_url(request)})
