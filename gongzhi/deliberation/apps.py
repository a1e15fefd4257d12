from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "gongzhi.deliberation"
    label = "deliberation"
    verbose_name = _("Deliberation and votes (议事协商)")

    def ready(self):
        from gongzhi.ops import schedule

        from . import holders  # noqa: F401  (registers what deliberation holds of a person: privacy.holders)

        schedule.register("deliberation_sweep", every=timedelta(minutes=5),
                          path="gongzhi.deliberation.sweep.run_periodic")
