"""Gunicorn's own logs (errors and access) in the same JSON shape as the app's.

Selected by ``logger_class`` in ``deploy/gunicorn.conf.py``. With
``LOG_FORMAT=plain`` gunicorn's usual formats are kept. The access line takes
the request id from the ``X-Request-ID`` response header, which the app sets
(:class:`gongzhi.ops.middleware.RequestIdMiddleware`), so it matches the app's
own lines for that request. Loaded by the gunicorn master before Django is
set up: import nothing from Django here. Every line goes through the one masking filter
(:class:`gongzhi.ops.logs.MaskPersonalNumbers`), plain or JSON.
"""

import os

from gunicorn import glogging

from .logs import JsonFormatter, MaskPersonalNumbers


def _json_enabled() -> bool:
    default = "json" if os.environ.get("GONGZHI_ENV") == "production" else "plain"
    return os.environ.get("LOG_FORMAT", default) == "json"


class Logger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):  # the query string too: a refused search names its value
            for handler in log.handlers:
                if not any(isinstance(f, MaskPersonalNumbers) for f in handler.filters):
                    handler.addFilter(MaskPersonalNumbers())
        if _json_enabled():
            formatter = JsonFormatter()
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        if not _json_enabled():
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return None
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        headers = dict((name.lower(), value) for name, value in resp.headers)
        fields = {
            "remote_addr": environ.get("REMOTE_ADDR", ""),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
            "referer": environ.get("HTTP_REFERER", ""),
            "request_id": headers.get("x-request-id", ""),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields)
        except Exception:
            self.exception("could not write the access log line")
        return None
