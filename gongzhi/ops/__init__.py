"""Running Gongzhi in production: logs, metrics, readiness, schedule, backup.

Nothing here imports Django models at package import time: the gunicorn
master loads ``gongzhi.ops.gunicorn_logging`` before Django is set up.
"""
