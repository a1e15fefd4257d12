from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "gongzhi.deliberation"
    label = "deliberation"
    verbose_name = _("Deliberation and votes (议事协商)")
