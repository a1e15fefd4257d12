"""Routing suggestions from the text, hotspots and 每月一题, 未诉先办 alerts, service coverage (issue: Intelligence)."""
from datetime import timedelta

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "gongzhi.insights"
    label = "insights"
    verbose_name = _("Intelligence (智能分拨)")

    def ready(self):
        from gongzhi.cases.routing import register_suggester
        from gongzhi.ops import schedule

        from .router import suggestion_for_dispatch

        register_suggester(suggestion_for_dispatch)

        schedule.register("train_router", every=timedelta(days=settings.INSIGHTS_ROUTER_RETRAIN_DAYS),
                          path="gongzhi.insights.router.retrain_periodic")
        schedule.register("raise_alerts", every=timedelta(days=1), path="gongzhi.insights.alerts.run_periodic")
