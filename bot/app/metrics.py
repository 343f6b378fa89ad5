"""Prometheus metrics through prometheus-client, with every label taken from a closed set.

Three ways to keep them, one exposition:
- `Metrics`: this process's counters in its own registry (`vibeops serve`, one gunicorn process).
- the same class under gunicorn's several processes: with `PROMETHEUS_MULTIPROC_DIR` set (the gunicorn
  config `bot.app.gunicorn_conf` sets it), prometheus-client keeps the values in files of that folder and
  any process shows the host's totals (its multiprocess mode).
- `SharedMetrics` (the Redis queue): the totals live in one Redis hash, and a collector reads them back,
  so any web or worker process shows the whole deployment's.

A label value outside its family's set is counted as `other`: what a request carries (an event name)
never adds a series, so nobody can grow the metrics, or the Redis hash, by sending made-up values.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OTHER = "other"
_METRICS_KEY = "vibeops:metrics"
_MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# The events GitHub sends an App like this one; anything else is `other`.
EVENTS = ("issue_comment", "pull_request", "pull_request_review_comment", "pull_request_review", "ping",
          "installation", "installation_repositories", "installation_target", "check_run", "check_suite",
          "push", "github_app_authorization", "meta", "unknown")
DELIVERY_OUTCOMES = ("accepted", "duplicate", "ignored", "bad-signature", "malformed", "too-large", "unavailable")
JOB_KINDS = ("comment", "pull_request")
JOB_OUTCOMES = ("done", "retried", "failed", "abandoned", "timed-out")
QUEUE_STATUSES = ("queued", "running", "done", "failed")


def _check_ids() -> tuple[str, ...]:
    from bot.checks import registry

    return tuple(check_id for check_id, _ in registry())


@dataclass(frozen=True)
class Family:
    """One metric: its kind, help text, and each label's closed set of values."""

    kind: str  # counter | histogram
    help: str
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.labels)

    def closed(self, given: dict) -> dict[str, str]:
        """The label values to record: each one in its set, else `other`; a missing or extra label is a bug."""
        if set(given) != set(self.label_names):
            raise ValueError(f"labels {sorted(given)} do not match {list(self.label_names)}")
        return {name: (str(given[name]) if str(given[name]) in allowed else OTHER) for name, allowed in self.labels}


def families() -> dict[str, Family]:
    """The documented metrics (README → Operations); their names and labels are a public interface."""
    return {
        "vibeops_deliveries_total": Family("counter", "Webhook deliveries by event and outcome.",
                                           (("event", EVENTS), ("outcome", DELIVERY_OUTCOMES))),
        "vibeops_jobs_total": Family("counter", "Jobs by kind and outcome.",
                                     (("kind", JOB_KINDS), ("outcome", JOB_OUTCOMES))),
        "vibeops_job_duration_seconds": Family("histogram", "How long jobs took, by kind.", (("kind", JOB_KINDS),)),
        "vibeops_checks_total": Family("counter", "Check results on workflows vibeops wrote.",
                                       (("check", _check_ids()), ("result", ("pass", "fail")))),
        "vibeops_llm_tokens_total": Family("counter", "Model tokens spent, by kind.",
                                           (("kind", ("prompt", "completion")),)),
        "vibeops_llm_calls_total": Family("counter", "Model calls."),
    }


class Metrics:
    """This process's metrics (or, under gunicorn's multiprocess mode, this host's)."""

    def __init__(self):
        self.families = families()
        self.registry = CollectorRegistry(auto_describe=True)
        self._instruments = {name: _instrument(name, family, self.registry) for name, family in self.families.items()}

    def count(self, name: str, value: float = 1, **labels: str) -> None:
        family = self._family(name, "counter")
        self._record(name, family.closed(labels), value)

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        family = self._family(name, "histogram")
        self._record(name, family.closed(labels), seconds)

    def _family(self, name: str, kind: str) -> Family:
        family = self.families.get(name)
        if family is None or family.kind != kind:
            raise ValueError(f"{name} is not a documented {kind}")
        return family

    def _record(self, name: str, labels: dict[str, str], value: float) -> None:
        instrument = self._instruments[name]
        child = instrument.labels(**labels) if labels else instrument
        if isinstance(instrument, Histogram):
            child.observe(value)
        else:
            child.inc(value)

    def collect(self) -> Iterator[Metric]:
        path = os.environ.get(_MULTIPROC_ENV)
        if path:  # gunicorn's processes on one host: read every process's files
            from prometheus_client.multiprocess import MultiProcessCollector

            yield from MultiProcessCollector(None, path=path).collect()
        else:
            yield from self.registry.collect()

    def render(self, store=None) -> str:
        """The Prometheus text exposition; `store` (the job queue) adds the queue depth by status."""
        return generate_latest(_Exposition(self, store)).decode()


class SharedMetrics(Metrics):
    """Totals kept in one Redis hash, so any web or worker process reports the whole deployment's."""

    def __init__(self, redis):
        super().__init__()
        self.redis = redis

    def _record(self, name: str, labels: dict[str, str], value: float) -> None:
        increments = {_field("c", name, labels): value}
        if self.families[name].kind == "histogram":
            increments = {_field("s", name, labels): value, _field("n", name, labels): 1.0}
            increments.update({_field("b", name, labels, str(bound)): 1.0 for bound in BUCKETS if value <= bound})
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for field, amount in increments.items():
                    pipe.hincrbyfloat(_METRICS_KEY, field, amount)
                pipe.execute()
        except Exception:  # a lost sample must never fail a delivery or a job: keep it in this process
            super()._record(name, labels, value)

    def collect(self) -> Iterator[Metric]:
        values = {key.decode(): float(value) for key, value in self.redis.hgetall(_METRICS_KEY).items()}
        yield from _families_from_fields(self.families, values)


class _Exposition:
    """What /metrics shows: the counters and histograms, without `_created` series, plus the queue depth."""

    def __init__(self, metrics: Metrics, store):
        self.metrics = metrics
        self.store = store

    def collect(self) -> Iterator[Metric]:
        for family in self.metrics.collect():
            family.samples = [sample for sample in family.samples if not sample.name.endswith("_created")]
            yield family
        if self.store is not None:
            gauge = GaugeMetricFamily("vibeops_jobs", "Jobs in the queue, by status.", labels=["status"])
            counts = self.store.counts()
            for status in QUEUE_STATUSES:
                gauge.add_metric([status], counts.get(status, 0))
            yield gauge


def _instrument(name: str, family: Family, registry: CollectorRegistry):
    if family.kind == "histogram":
        return Histogram(name, family.help, family.label_names, registry=registry, buckets=BUCKETS)
    return Counter(name, family.help, family.label_names, registry=registry)


def _field(kind: str, name: str, labels: dict[str, str], *bound: str) -> str:
    return json.dumps([kind, name, sorted(labels.items()), *bound])


def _families_from_fields(known: dict[str, Family], values: dict[str, float]) -> Iterable[Metric]:
    """Counter and histogram families from the Redis hash's fields; fields of unknown shape are skipped."""
    counters: dict[str, dict[tuple, float]] = defaultdict(dict)
    histograms: dict[str, dict[tuple, dict]] = defaultdict(dict)
    for field, value in values.items():
        try:
            kind, name, labels, *bound = json.loads(field)
            family = known[name]
            labels = tuple(family.closed(dict(labels)).values())  # in the family's label order
        except (ValueError, KeyError, TypeError):
            continue  # written by another version, or not ours
        if kind == "c":
            counters[name][labels] = counters[name].get(labels, 0.0) + value
        elif kind in ("s", "n", "b"):
            series = histograms[name].setdefault(labels, {"sum": 0.0, "count": 0.0, "buckets": {}})
            if kind == "b" and bound:
                series["buckets"][bound[0]] = series["buckets"].get(bound[0], 0.0) + value
            elif kind != "b":
                series["sum" if kind == "s" else "count"] += value
    for name, family in known.items():
        base = name.removesuffix("_total")
        if family.kind == "counter":
            metric = CounterMetricFamily(base, family.help, labels=list(family.label_names))
            for labels, value in sorted(counters[name].items()):
                metric.add_metric(list(labels), value)
        else:
            metric = HistogramMetricFamily(name, family.help, labels=list(family.label_names))
            for labels, series in sorted(histograms[name].items()):
                # Each bucket was incremented for every sample at or under its bound: already cumulative.
                buckets = [(floatToGoString(b), series["buckets"].get(str(b), 0.0)) for b in BUCKETS]
                metric.add_metric(list(labels), [*buckets, ("+Inf", series["count"])], series["sum"])
        yield metric
