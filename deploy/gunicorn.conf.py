"""Gunicorn configuration for Gongzhi (`gunicorn -c deploy/gunicorn.conf.py`).

Every knob comes from the environment, like the Django settings:

  GUNICORN_BIND        address to listen on            (127.0.0.1:8000)
  WEB_CONCURRENCY      worker processes                (2 x CPU cores + 1)
  GUNICORN_THREADS     threads per worker; >1 uses gthread workers (1)
  GUNICORN_TIMEOUT     seconds before a silent worker is killed and replaced (30)
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
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is a bug or an attack; the worker is
# replaced. Graceful stop waits as long for requests in flight.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
keepalive = 5
# Replace workers now and then, so that a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
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
