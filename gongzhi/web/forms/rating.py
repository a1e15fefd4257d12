"""The resident's verdict on a reply, and withdrawing a request."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.models import Satisfaction
from gongzhi.cases.services.closing import COMMENT_MAX

from .base import StyledForm

YES_NO = [("yes", _("Yes, it was solved")), ("no", _("No, it was not solved"))]


class RateForm(StyledForm):
    solved = forms.ChoiceField(label=_("Was the problem solved?"), choices=YES_NO, widget=forms.RadioSelect)
    satisfaction = forms.ChoiceField(label=_("How satisfied are you with the handling?"),
                                     choices=Satisfaction.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=COMMENT_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {"solved": data["solved"] == "yes", "satisfaction": data["satisfaction"],
                "comment": data.get("comment", "")}


class WithdrawForm(StyledForm):
    reason = forms.CharField(label=_("Why do you withdraw it?"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))
