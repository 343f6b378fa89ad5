"""Read and write GitHub Actions workflow YAML with ruamel.yaml's round trip, keeping lines."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from bot.yamlbounds import DEFAULT_LIMITS, Limits, YAMLLimitError, check, decode


class WorkflowError(ValueError):
    """The text is not a workflow we can read; carries the line when YAML says where."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold long `run:` lines or expressions
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_yaml(text: str | bytes, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The one YAML reader for workflows, configs, tool configs and model output: bounded first, then loaded.

    Every refusal is a WorkflowError with the line: too big, too deep, an alias bomb, an odd tag or
    key, a huge number, text that is not UTF-8 (bytes are decoded here), or anything the loader itself
    chokes on.
    """
    try:
        if isinstance(text, bytes):
            text = decode(text)
        check(text, limits)
    except YAMLLimitError as exc:
        raise WorkflowError(f"not accepted YAML: {exc}", exc.line) from None
    return _load(_yaml(), text)


def load_plain_yaml(text: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Like load_yaml, into plain dicts and lists (the safe loader), for repository data files."""
    try:
        check(text, limits)
    except YAMLLimitError as exc:
        raise WorkflowError(f"not accepted YAML: {exc}", exc.line) from None
    return _load(YAML(typ="safe", pure=True), text)


def _load(yaml: YAML, text: str) -> Any:
    try:
        return yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise WorkflowError(f"not valid YAML: {problem}", line) from exc
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, MemoryError, OverflowError) as exc:
        # What the limits do not foresee still gets an answer, never a traceback.
        raise WorkflowError(f"not accepted YAML: {type(exc).__name__}: {str(exc)[:200]}", None) from None


def dump_yaml(data: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def line_of(node: Any, key: Any = None) -> int | None:
    """1-based line of a mapping key (or of a sequence item / the node itself)."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return lc.line + 1
        if isinstance(node, CommentedMap):
            return lc.key(key)[0] + 1
        if isinstance(node, CommentedSeq):
            return lc.item(key)[0] + 1
    except (KeyError, IndexError, TypeError):
        return None
    return None


@dataclass(frozen=True)
class Step:
    """One step of one job, with what it needs to be analysed in place."""

    job_id: str
    index: int
    data: CommentedMap
    line: int | None

    @property
    def name(self) -> str:
        label = self.data.get("name") or self.data.get("uses") or self.data.get("id")
        if label:
            return str(label)
        run = str(self.data.get("run", "")).strip().splitlines()
        return run[0] if run else f"step {self.index + 1}"

    @property
    def uses(self) -> str | None:
        uses = self.data.get("uses")
        return str(uses) if uses is not None else None

    @property
    def with_(self) -> dict:
        value = self.data.get("with")
        return dict(value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Workflow:
    """A parsed workflow file: its path, text and round-trip document."""

    path: str
    text: str
    doc: CommentedMap

    @classmethod
    def parse(cls, path: str, text: str) -> "Workflow":
        doc = load_yaml(text)
        if not isinstance(doc, CommentedMap):
            raise WorkflowError("a workflow must be a YAML mapping with `on:` and `jobs:`", 1)
        return cls(path=path, text=text, doc=doc)

    @property
    def triggers(self) -> dict:
        # YAML 1.1 readers turn a bare `on` key into True; ruamel's 1.2 default keeps "on".
        raw = self.doc.get("on", self.doc.get(True))
        if isinstance(raw, str):
            return {raw: None}
        if isinstance(raw, list):
            return {str(item): None for item in raw}
        return dict(raw) if isinstance(raw, dict) else {}

    @property
    def jobs(self) -> dict:
        jobs = self.doc.get("jobs")
        return dict(jobs) if isinstance(jobs, dict) else {}

    def steps(self) -> Iterator[Step]:
        for job_id, job in self.jobs.items():
            if not isinstance(job, dict):
                continue
            steps = job.get("steps")
            if not isinstance(steps, list):
                continue
            for index, step in enumerate(steps):
                if isinstance(step, CommentedMap):
                    yield Step(str(job_id), index, step, line_of(steps, index))
