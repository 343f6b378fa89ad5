"""The request reader's speed: time per request over the phrasing corpus, and growth with the request's length.

Targets: under 5 ms per corpus request, and linear growth: the time per kB stays flat from 1 kB to 100 kB,
including adversarial shapes (an unclosed quote, one 100 kB word, backquotes, Korean, nothing but options).
It is a benchmark, not a test: the exit status is 0 even on a MISS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ruamel.yaml import YAML  # noqa: E402

from bot.request import RequestError, parse_request  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
SHAPES = {
    "clauses": "add trivy scan for k8s/api.yaml, only fail on critical issues, every night and delete the db ",
    "paths": "k8s-manifests/api.yaml and `web/Dockerfile` and @charts/shop/values.yaml, ",
    "options": "report only on PRs only weekly upload the results to code scanning as a required check ",
    "korean": "trivy로 k8s-manifests/api.yaml 보안 점검하는 깃허브 액션 만들어줘 매일 PR에서만 ",
    "unknown words": "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ",
    "one word": "a",
    "unclosed quote": "`",
    "quotes": "'a `b \"c ",
    "severities": "fail on high, critical, medium, low and ",
}


def read_once(text: str) -> None:
    try:
        parse_request(text, free_form=True)
    except RequestError:
        pass


def timed(text: str, repeat: int) -> float:
    """The best of `repeat` runs, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        read_once(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def request_of(shape: str, size: int) -> str:
    unit = SHAPES[shape]
    if shape == "unclosed quote":
        return "add trivy scan for " + unit + "x" * size
    if shape == "one word":
        return "add trivy scan for " + unit * size
    return "add trivy scan for k8s " + (unit * (size // len(unit.encode()) + 1))[:size]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    corpus = YAML(typ="safe", pure=True).load((ROOT / "tests" / "phrasings.yaml").read_text("utf-8"))
    for entry in corpus:  # warm-up
        read_once(entry["text"])
    per_request = sorted(timed(entry["text"], args.repeat) for entry in corpus)
    p99 = per_request[min(len(per_request) - 1, int(len(per_request) * 0.99))]
    growth = {}
    for shape in SHAPES:
        growth[shape] = {size: timed(request_of(shape, size), max(1, args.repeat // 2)) for size in SIZES}
    figures = {"corpus_requests": len(per_request), "median_ms": statistics.median(per_request), "p99_ms": p99,
               "max_ms": per_request[-1], "growth_ms": growth}
    if args.json:
        print(json.dumps(figures))
        return 0
    verdict = "ok" if figures["max_ms"] < 5 else "MISS"
    print(f"corpus: {len(per_request)} requests, median {figures['median_ms']:.3f} ms, p99 {p99:.3f} ms, "
          f"max {figures['max_ms']:.3f} ms (target < 5 ms: {verdict})")
    print("linear: the time per kB from 10 kB to 100 kB (where fixed costs no longer count) grows less than 1.5×")
    print(f"{'shape':<16}" + "".join(f"{f'{s // 1000} kB ms':>12}" for s in SIZES) + f"{'ms/kB 10→100':>17}  linear?")
    for shape, times in growth.items():
        small, large = times[SIZES[1]] / (SIZES[1] / 1000), times[SIZES[-1]] / (SIZES[-1] / 1000)
        ratio = large / small if small else float("inf")
        print(f"{shape:<16}" + "".join(f"{times[s]:>12.2f}" for s in SIZES)
              + f"{small:>8.3f}→{large:<7.3f}  {'ok' if ratio < 1.5 else 'MISS'} (×{ratio:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
