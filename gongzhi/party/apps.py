"""Party organisation tree, 双报到, 大党委 joint meetings, social organisations, the three lists (issue: Party-led co-building and volunteers)."""
from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "gongzhi.party"
    label = "party"
    verbose_name = _("Party-led co-building (党建引领)")

    def ready(self):
        from gongzhi.ops import schedule

        from . import holders  # noqa: F401  (registers what party holds of a person: privacy.holders)

        schedule.register("party_decisions", every=timedelta(minutes=5), path="gongzhi.party.sweep.sweep_decisions")
