"""Forms of the account-security pages: a one-time code, a new password."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    token = forms.CharField(label=_("Code"), max_length=32, strip=True,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class NewPasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), strip=False, max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("New password again"), strip=False, max_length=128,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
