"""Data-subject requests, the registry of personal-data holders, retention rules (issue: Hardening to 等保 level 3 and PIPL)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "gongzhi.privacy"
    label = "privacy"
    verbose_name = _("Personal-data rights (个人信息保护)")

    def ready(self):
        # accounts sits below privacy in the import order, so its holders are registered here.
        from datetime import timedelta

        from gongzhi.ops import schedule

        from . import account_holders, account_retention  # noqa: F401

        schedule.register("retention_sweep", every=timedelta(days=1),
                          path="gongzhi.privacy.retention_services.run_periodic")
