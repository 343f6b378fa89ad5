"""Prometheus metrics: in-process counters, plus queue figures read from the shared job store."""

from __future__ import annotations

import threading
from collections import defaultdict

from bot.app.jobstore import JobStore

_BUCKETS = (0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    """Counters and histograms of this process; every process of a deployment is scraped on its own."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, tuple], float] = defaultdict(float)
        self._histograms: dict[tuple[str, tuple], list[float]] = {}

    def count(self, name: str, value: float = 1, **labels: str) -> None:
        with self._lock:
            self._counters[(name, tuple(sorted(labels.items())))] += value

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            buckets = self._histograms.setdefault(key, [0.0] * (len(_BUCKETS) + 2))  # buckets, +Inf, sum
            for index, bound in enumerate(_BUCKETS):
                if seconds <= bound:
                    buckets[index] += 1
            buckets[len(_BUCKETS)] += 1
            buckets[-1] += seconds

    def render(self, store: JobStore | None = None) -> str:
        lines: list[str] = []
        with self._lock:
            counters = dict(self._counters)
            histograms = {k: list(v) for k, v in self._histograms.items()}
        for name in sorted({n for n, _ in counters}):
            lines.append(f"# TYPE {name} counter")
            lines += [f"{name}{_labels(labels)} {value:g}" for (n, labels), value in sorted(counters.items())
                      if n == name]
        for name in sorted({n for n, _ in histograms}):
            lines.append(f"# TYPE {name} histogram")
            for (n, labels), values in sorted(histograms.items()):
                if n != name:
                    continue
                for bound, value in zip(_BUCKETS, values):
                    lines.append(f"{name}_bucket{_labels(labels + (('le', f'{bound:g}'),))} {value:g}")
                lines.append(f"{name}_bucket{_labels(labels + (('le', '+Inf'),))} {values[len(_BUCKETS)]:g}")
                lines.append(f"{name}_sum{_labels(labels)} {values[-1]:g}")
                lines.append(f"{name}_count{_labels(labels)} {values[len(_BUCKETS)]:g}")
        if store is not None:
            lines.append("# TYPE vibeops_jobs gauge")
            counts = store.counts()
            for status in ("queued", "running", "done", "failed"):
                lines.append(f'vibeops_jobs{{status="{status}"}} {counts.get(status, 0)}')
        return "\n".join(lines) + "\n"


def _labels(labels: tuple) -> str:
    if not labels:
        return ""
    escaped = (f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in labels)
    return "{" + ",".join(escaped) + "}"
