from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "gongzhi.cases"
    label = "cases"
    verbose_name = _("Requests (接诉即办)")

    def ready(self):
        from gongzhi.core import partitions
        from gongzhi.ops import schedule

        from . import holders  # noqa: F401  (registers what cases hold of a person: privacy.holders)
        from . import retention  # noqa: F401  (how long a finished case keeps the caller's data: privacy.retention)
        from . import rollup

        # A month of case events detached to cold storage keeps its figures in its (then final) rollup.
        partitions.before_detach.connect(rollup.on_detach, dispatch_uid="gongzhi.cases.rollup.freeze")
        partitions.after_attach.connect(rollup.on_attach, dispatch_uid="gongzhi.cases.rollup.thaw")

        schedule.register("sweep_deadlines", every=timedelta(minutes=5), path="gongzhi.cases.sweep.sweep_deadlines")
        schedule.register("sweep_steps", every=timedelta(minutes=5), path="gongzhi.cases.sweep.sweep_steps_and_cards")
        schedule.register("rollup", every=timedelta(minutes=5), path="gongzhi.cases.rollup.run_periodic")
        schedule.register("analytics_export", every=timedelta(days=1), path="gongzhi.cases.analytics.run_periodic")
        # Indexes cases written around the services (a bulk load); the services index their own writes.
        schedule.register("search_index", every=timedelta(minutes=5), path="gongzhi.cases.search.index.run_periodic")
