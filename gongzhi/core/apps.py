from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("Core mechanisms")

    def ready(self):
        from . import workcal  # noqa: F401  connects the calendar's cache invalidation and its system check
