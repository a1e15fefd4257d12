"""Gunicorn configuration for Gongzhi (`gunicorn -c deploy/gunicorn.conf.py`).

Every knob comes from the environment, like the Django settings:

  GUNICORN_BIND        address to listen on            (127.0.0.1:8000)
  WEB_CONCURRENCY      worker processes                (2 x CPU cores)
  GUNICORN_THREADS     threads per worker; >1 uses gthread workers (2)
  GUNICORN_TIMEOUT     seconds before a silent worker is killed and replaced (30)
  GUNICORN_MAX_REQUESTS  requests after which a worker is replaced, +-10 % (50000)
  FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-Proto is believed (127.0.0.1,::1)
  PROMETHEUS_MULTIPROC_DIR  where workers share request metrics (var/prometheus)

Logs go to stdout/stderr (journald or the container runtime collects them), in
JSON when LOG_FORMAT=json (the production default).
"""

import multiprocessing
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", ROOT / "var"))

wsgi_app = "gongzhi.wsgi:application"
chdir = str(ROOT)
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# A request spends part of its time waiting for PostgreSQL and Redis: two threads
# per process fill those waits, two processes per core keep the cores busy while
# the GIL serialises the Python. More threads mostly add GIL contention (measured:
# docs/benchmarks.md, load test). gthread workers also keep connections alive, so
# a proxy or client does not open a new TCP connection per request.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
worker_class = "gthread" if threads > 1 else "sync"
# The workers' heartbeat files on tmpfs: a slow disk never makes a healthy worker look stuck.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# A request that takes longer than this is a bug or an attack; the worker is
# replaced. Graceful stop waits as long for requests in flight.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
keepalive = 5
# Replace workers now and then, so that a slow leak never grows unbounded. Not
# often: a new worker imports Django and the app and fills its caches (grid
# index, category tree) again, a second or so of CPU during which its share of
# requests waits. At 2,000 requests a worker was replaced every 40 s under the
# load test, and each replacement showed as a spike of latency (docs/benchmarks.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# Bodies: uploads are limited by Django (CASE_ATTACHMENT_MAX_BYTES); headers here.
limit_request_line = 8190
limit_request_fields = 100

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No runtime control socket: systemd (or the process manager) starts, stops
# and reloads (SIGHUP) the server; two instances would also share its path.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "gongzhi.ops.gunicorn_logging.Logger"

# Request metrics are kept per process; with several workers they are shared
# through files in this folder, emptied at each start.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "prometheus"))


def on_starting(server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
