"""Prometheus metrics: counters and histograms, kept in this process or shared through Redis."""

from __future__ import annotations

import json
import threading
from collections import defaultdict

_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_METRICS_KEY = "vibeops:metrics"


class Metrics:
    """What this process counted; every process of a single-host deployment is scraped on its own."""

    def __init__(self):
        self._lock = threading.Lock()
        self._values: dict[str, float] = defaultdict(float)

    def count(self, name: str, value: float = 1, **labels: str) -> None:
        self._add({_field("c", name, labels): value})

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        increments = {_field("h", name, labels, str(bound)): 1.0 for bound in _BUCKETS if seconds <= bound}
        increments[_field("h", name, labels, "+Inf")] = 1.0
        increments[_field("s", name, labels)] = seconds
        self._add(increments)

    def _add(self, increments: dict[str, float]) -> None:
        with self._lock:
            for field, value in increments.items():
                self._values[field] += value

    def _snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)

    def render(self, store=None) -> str:
        """The Prometheus text format; `store` (the job queue) adds the queue depth by status."""
        counters: dict[str, list] = defaultdict(list)
        histograms: dict[str, dict[tuple, dict]] = defaultdict(dict)
        for field, value in sorted(self._snapshot().items()):
            kind, name, labels, *bound = json.loads(field)
            labels = tuple(tuple(pair) for pair in labels)
            if kind == "c":
                counters[name].append(f"{name}{_labels(labels)} {value:g}")
            else:
                series = histograms[name].setdefault(labels, {"buckets": {}, "sum": 0.0})
                if kind == "s":
                    series["sum"] = value
                else:
                    series["buckets"][bound[0]] = value
        lines: list[str] = []
        for name, samples in sorted(counters.items()):
            lines += [f"# TYPE {name} counter", *samples]
        for name, by_labels in sorted(histograms.items()):
            lines.append(f"# TYPE {name} histogram")
            for labels, series in sorted(by_labels.items()):
                for bound in [*(str(b) for b in _BUCKETS), "+Inf"]:
                    le = bound if bound == "+Inf" else f"{float(bound):g}"
                    lines.append(f"{name}_bucket{_labels(labels + (('le', le),))} {series['buckets'].get(bound, 0):g}")
                lines.append(f"{name}_sum{_labels(labels)} {series['sum']:g}")
                lines.append(f"{name}_count{_labels(labels)} {series['buckets'].get('+Inf', 0):g}")
        if store is not None:
            lines.append("# TYPE vibeops_jobs gauge")
            counts = store.counts()
            for status in ("queued", "running", "done", "failed"):
                lines.append(f'vibeops_jobs{{status="{status}"}} {counts.get(status, 0)}')
        return "\n".join(lines) + "\n"


class SharedMetrics(Metrics):
    """Counters kept in Redis, so any web or worker process reports the whole deployment's totals."""

    def __init__(self, redis):
        super().__init__()
        self.redis = redis

    def _add(self, increments: dict[str, float]) -> None:
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for field, value in increments.items():
                    pipe.hincrbyfloat(_METRICS_KEY, field, value)
                pipe.execute()
        except Exception:  # a lost sample must never fail a delivery or a job
            super()._add(increments)

    def _snapshot(self) -> dict[str, float]:
        return {key.decode(): float(value) for key, value in self.redis.hgetall(_METRICS_KEY).items()}


def _field(kind: str, name: str, labels: dict, *bound: str) -> str:
    return json.dumps([kind, name, sorted(labels.items()), *bound])


def _labels(labels: tuple) -> str:
    if not labels:
        return ""
    escaped = (f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in labels)
    return "{" + ",".join(escaped) + "}"
