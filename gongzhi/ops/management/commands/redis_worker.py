import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from gongzhi.ops.redis_tasks import redis_backend

log = logging.getLogger("gongzhi.ops.redis_tasks")


class Command(BaseCommand):
    help = ("Run tasks from the Redis queue (TASKS_BACKEND=redis); start as many as the load needs. "
            "--dead lists the dead-letter list and --retry ID puts one back on its queue.")

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", action="append", dest="queues",
                            help="a queue to take tasks from (repeat for several; default: all configured)")
        parser.add_argument("--burst", action="store_true", help="run what is ready, then exit")
        parser.add_argument("--max-tasks", type=int, help="exit after this many tasks")
        parser.add_argument("--worker-id", help="a stable name for this worker (default: host, pid, random)")
        parser.add_argument("--dead", action="store_true", help="list the dead-letter list and exit")
        parser.add_argument("--retry", metavar="ID", help="put a dead-lettered task back on its queue and exit")

    def handle(self, *args, queues, burst, max_tasks, worker_id, dead, retry, **options):
        backend = redis_backend()
        if backend is None:
            raise CommandError("The task backend is not Redis: set TASKS_BACKEND=redis and REDIS_URL.")
        if dead:
            for result_id in backend.dead_letter_ids(limit=1000):
                result = backend.get_result(result_id)
                last = result.errors[-1].exception_class_path if result.errors else ""
                self.stdout.write(f"{result_id}\t{result.task.module_path}\t{result.attempts}\t{last}")
            return
        if retry:
            if not backend.retry_dead(retry):
                raise CommandError(f"No task {retry} on the dead-letter list.")
            self.stdout.write(f"{retry} is back on its queue")
            return
        worker = backend.worker(queues=queues, worker_id=worker_id)
        stop = threading.Event()
        if not burst:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        log.info("redis worker %s started on %s", worker.worker_id, ", ".join(worker.queues))

        def should_stop():
            close_old_connections()  # a long-lived process: drop broken or expired connections
            return stop.is_set()

        done = worker.run(burst=burst, max_tasks=max_tasks, stop=should_stop)
        log.info("redis worker %s stopped after %d tasks", worker.worker_id, done)
        if burst:
            self.stdout.write(f"{done} tasks run")
