"""The resident's sign-in by mobile number and SMS code."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .base import StyledForm


class PhoneSignInForm(StyledForm):
    phone = forms.CharField(label=_("Mobile number"), max_length=32,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    code = forms.CharField(label=_("Code from the text message"), max_length=12, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
