from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "gongzhi.regions"
    label = "regions"
    verbose_name = _("Regions and grids")

    def ready(self):
        # Connects the receivers that keep the grid index in step with saves.
        from . import grid_index  # noqa: F401
