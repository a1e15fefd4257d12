"""Disputes, screening reports, tiered mediation, agreements, judicial confirmation, follow-up (issue: Dispute mediation)."""
from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "gongzhi.mediation"
    label = "mediation"
    verbose_name = _("Dispute mediation (矛盾纠纷化解)")

    def ready(self):
        from gongzhi.ops import schedule

        from . import holders  # noqa: F401  (registers the parties' personal data: privacy.holders)

        # The mediation deadlines, follow-up and confirmation reminders: the same periodic sweep as the cases'.
        schedule.register("sweep_mediation", every=timedelta(minutes=15), path="gongzhi.mediation.sweep.sweep")
