"""Volunteers, activities, check-in by QR code, the time-bank and points ledger (issue: Party-led co-building and volunteers)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "gongzhi.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers and time bank (志愿服务)")

    def ready(self):
        from datetime import timedelta

        from gongzhi.ops import schedule

        from . import holders  # noqa: F401  (registers what volunteering holds of a person: privacy.holders)

        schedule.register("check_ledger", every=timedelta(hours=1), path="gongzhi.volunteers.jobs.check_ledger")
