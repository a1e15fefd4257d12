from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "gongzhi.party"
    label = "party"
    verbose_name = _("Party-led co-building (党建引领)")
