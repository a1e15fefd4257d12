import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from gongzhi.ops import schedule

log = logging.getLogger("gongzhi.ops.schedule")


class Command(BaseCommand):
    help = "Enqueue the registered periodic jobs when they are due (run one per deployment, beside db_worker)."

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=10.0,
                            help="seconds between two looks at the schedule (default 10)")
        parser.add_argument("--once", action="store_true", help="look once, enqueue what is due, and exit")

    def handle(self, *args, tick, once, **options):
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            log.info("scheduler started", extra={"jobs": [job.name for job in schedule.registered()]})
        while True:
            if not once:
                close_old_connections()  # a long-lived process: drop broken or expired connections
            try:
                enqueued = schedule.enqueue_due()
            except Exception:
                if once:
                    raise
                # The database may be restarting; try again at the next tick.
                log.exception("scheduler tick failed")
                enqueued = []
            if once:
                for name in enqueued:
                    self.stdout.write(name)
                return
            if stop.wait(tick):
                log.info("scheduler stopped")
                return
