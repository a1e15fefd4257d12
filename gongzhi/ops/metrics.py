"""Prometheus metrics: request counters and latencies, plus gauges read at scrape time.

Two kinds of figures:

* **Request metrics** (:data:`REQUESTS`, :data:`LATENCY`) are updated by
  :class:`gongzhi.ops.middleware.MetricsMiddleware` on every request. Under
  gunicorn with several workers they live in ``PROMETHEUS_MULTIPROC_DIR``
  (set by ``deploy/gunicorn.conf.py``) so that a scrape sees the sum over all
  workers, not the one worker that happened to answer.
* **Scrape-time gauges** are computed from the database when ``/metrics`` is
  read, so they are never out of step with the data. Apps add theirs with one
  call from their ``AppConfig.ready()``::

      from gongzhi.ops import metrics
      metrics.register_gauge("gongzhi_cases_by_state", "Open cases by state.",
                             selectors.count_by_state, labels=("state",))

  The function returns a number, or a mapping of label value(s) to numbers
  (``{"new": 3, "dispatched": 5}``, or tuples of values with several labels).
  A gauge that raises is reported as ``gongzhi_scrape_collector_up{collector=…} 0``
  and logged; the rest of the scrape is still served.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger("gongzhi.ops.metrics")

REQUESTS = Counter(
    "gongzhi_http_requests", "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "gongzhi_http_request_duration_seconds", "Time to answer an HTTP request, by view and status.",
    ["view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


@dataclass(frozen=True)
class Gauge:
    name: str
    documentation: str
    collect: Callable[[], float | Mapping]
    labels: tuple[str, ...] = ()


_gauges: dict[str, Gauge] = {}


def register_gauge(name: str, documentation: str, collect: Callable[[], float | Mapping], *,
                   labels: tuple[str, ...] | list[str] = ()) -> Gauge:
    """Add (or replace) a gauge computed at scrape time by ``collect()``."""
    gauge = Gauge(name=name, documentation=documentation, collect=collect, labels=tuple(labels))
    _gauges[name] = gauge
    return gauge


def unregister_gauge(name: str) -> None:
    _gauges.pop(name, None)


def registered_gauges() -> list[Gauge]:
    return list(_gauges.values())


def _samples(gauge: Gauge, value):
    if not gauge.labels:
        yield (), float(value)
        return
    for key, number in value.items():
        key = key if isinstance(key, tuple) else (key,)
        if len(key) != len(gauge.labels):
            raise ValueError(f"gauge {gauge.name}: label values {key!r} do not match labels {gauge.labels!r}")
        yield tuple(str(part) for part in key), float(number)


class ScrapeTimeCollector:
    """Evaluates the registered gauges each time the registry is collected."""

    def collect(self):
        up = GaugeMetricFamily("gongzhi_scrape_collector_up",
                               "1 when the scrape-time gauge could be computed, 0 when it failed.",
                               labels=["collector"])
        for gauge in registered_gauges():
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels) or None)
            try:
                samples = list(_samples(gauge, gauge.collect()))
            except Exception:
                log.exception("scrape-time gauge %s failed", gauge.name, extra={"gauge": gauge.name})
                up.add_metric([gauge.name], 0)
                continue
            for label_values, number in samples:
                family.add_metric(list(label_values), number)
            up.add_metric([gauge.name], 1)
            yield family
        yield up


SCRAPE_TIME = ScrapeTimeCollector()
REGISTRY.register(SCRAPE_TIME)


def render() -> bytes:
    """The text exposition of every metric, summed over processes when multi-process."""
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(SCRAPE_TIME)
    else:
        registry = REGISTRY
    return generate_latest(registry)
