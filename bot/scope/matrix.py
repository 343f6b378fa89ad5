"""Expand a job's literal `strategy.matrix` into its combinations, as GitHub does."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

MAX_COMBINATIONS = 256  # GitHub's own limit on the jobs one matrix may generate


class MatrixTooLarge(ValueError):
    """The matrix has more combinations than GitHub runs: it is not expanded."""


def combinations(job: Mapping) -> list[dict[str, str]] | None:
    """Every combination of the job's matrix; [] with no matrix; None when it is only known at run time."""
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, Mapping) else None
    if matrix is None:
        return []
    if not isinstance(matrix, Mapping):
        return None  # e.g. `matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    if any(not isinstance(v, list) for v in axes.values()):
        return None
    if any(_dynamic(item) for values in axes.values() for item in values):
        return None
    names = list(axes)
    size = math.prod(len(v) for v in axes.values()) if names else 0
    extra = len(_entries(matrix.get("include"))) + len(_entries(matrix.get("exclude")))
    if size > MAX_COMBINATIONS or extra > MAX_COMBINATIONS:
        raise MatrixTooLarge(f"the matrix has {size} combinations; GitHub runs at most {MAX_COMBINATIONS} "
                             "(expansion limit), so it is not expanded")
    combos = [_flatten(dict(zip(names, values))) for values in itertools.product(*axes.values())] if names else []
    for rule in _entries(matrix.get("exclude")):
        rule = _flatten(rule)
        combos = [c for c in combos if not all(c.get(k) == v for k, v in rule.items())]
    for extra in _entries(matrix.get("include")):
        if _dynamic(extra):
            return None
        extra = _flatten(extra)
        # An include entry extends every combination it does not contradict; otherwise it is a new one.
        matched = False
        for combo in combos:
            if all(combo.get(k) == v for k, v in extra.items() if k.split(".")[0] in names):
                combo.update({k: v for k, v in extra.items() if k.split(".")[0] not in names})
                matched = True
        if not matched:
            combos.append(extra)
    return combos


def _entries(value: object) -> list[Mapping]:
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def _dynamic(value: object) -> bool:
    if isinstance(value, Mapping):
        return any(_dynamic(v) for v in value.values())
    if isinstance(value, list):
        return any(_dynamic(v) for v in value)
    return isinstance(value, str) and "${{" in value


def _flatten(combo: Mapping, prefix: str = "", depth: int = 0) -> dict[str, str]:
    """`{image: {path: a}}` → {"image.path": "a"}, so `${{ matrix.image.path }}` resolves; lists stay text."""
    flat: dict[str, str] = {}
    for key, value in combo.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth < 8:
            flat.update(_flatten(value, name + ".", depth + 1))
        else:
            flat[name] = _text(value)
    return flat


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
