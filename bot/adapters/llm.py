"""Ask a model through litellm: imported lazily, with timeouts, retries, fallbacks, and usage counted."""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

DEFAULT_MAX_ROUNDS = 3


class LLMError(RuntimeError):
    """No configured model produced an answer; the message says which and why."""


class ModelNotAllowed(ValueError):
    """A repository asked for a model the server does not allow; the message says which are."""


# A litellm model name: provider/model words only. No URL (`oobabooga/http://...` makes litellm post
# the prompt there), no "//", no whitespace or query.
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]*(?:/[A-Za-z0-9._:@+-]+)*")


@dataclass(frozen=True)
class LLMSettings:
    model: str
    api_base: str | None = None
    api_key: str | None = None
    fallbacks: tuple[str, ...] = ()
    timeout: float = 60.0
    attempts: int = 3
    backoff_seconds: float = 1.0
    max_rounds: int = DEFAULT_MAX_ROUNDS
    # Models a repository's `llm.model` may pick (VIBEOPS_ALLOWED_MODELS); empty: only `model`.
    allowed_models: tuple[str, ...] = ()

    def for_repository(self, model: str) -> "LLMSettings":
        """These settings with a repository's `llm.model`, if the server allows it (else ModelNotAllowed).

        Only the model changes: where requests go (api_base) and the key stay the server's.
        """
        allowed = self.allowed_models or (self.model,)
        shown = model if len(model) <= 80 else model[:80] + "..."
        if not _MODEL_NAME.fullmatch(model) or "://" in model:
            raise ModelNotAllowed(f"`{shown}` is not a model name vibeops accepts from a repository "
                                  "(no URLs or provider addresses)")
        if model not in allowed:
            raise ModelNotAllowed(f"the model `{shown}` is not allowed on this server; allowed: "
                                  + ", ".join(f"`{m}`" for m in allowed) + " (VIBEOPS_ALLOWED_MODELS)")
        return replace(self, model=model)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "LLMSettings | None":
        """None when VIBEOPS_MODEL is empty: recipes only."""
        env = os.environ if env is None else env
        model = env.get("VIBEOPS_MODEL", "").strip()
        if not model:
            return None
        return cls(
            model=model,
            api_base=env.get("VIBEOPS_API_BASE") or None,
            api_key=env.get("VIBEOPS_API_KEY") or None,
            fallbacks=tuple(m.strip() for m in env.get("VIBEOPS_FALLBACK_MODELS", "").split(",") if m.strip()),
            timeout=float(env.get("VIBEOPS_LLM_TIMEOUT", "60")),
            max_rounds=int(env.get("VIBEOPS_LLM_MAX_ROUNDS", str(DEFAULT_MAX_ROUNDS))),
            allowed_models=tuple(m.strip() for m in env.get("VIBEOPS_ALLOWED_MODELS", "").split(",") if m.strip()),
        )


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost: float


@dataclass
class Usage:
    """What a request cost across all its model calls, for the report's `llm` section."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    models: list[str] = field(default_factory=list)

    def add(self, completion: Completion) -> None:
        self.calls += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.cost += completion.cost
        if completion.model not in self.models:
            self.models.append(completion.model)


class LiteLLM:
    def __init__(self, settings: LLMSettings, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.sleep = sleep

    def complete(self, messages: list[dict]) -> Completion:
        litellm = _litellm()
        retryable = (litellm.RateLimitError, litellm.InternalServerError, litellm.ServiceUnavailableError,
                     litellm.APIConnectionError, litellm.Timeout)
        failures: list[str] = []
        for model in (self.settings.model, *self.settings.fallbacks):
            for attempt in range(self.settings.attempts):
                try:
                    response = litellm.completion(
                        model=model, messages=messages, api_base=self.settings.api_base,
                        api_key=self.settings.api_key, timeout=self.settings.timeout, num_retries=0, temperature=0)
                except retryable as exc:
                    failures.append(f"{model}: {_describe(exc, litellm, self.settings)}")
                    if attempt + 1 < self.settings.attempts:
                        self.sleep(self._backoff(attempt))
                    continue
                except litellm.APIError as exc:  # auth, bad request, unknown model: try the next model
                    failures.append(f"{model}: {_describe(exc, litellm, self.settings)}")
                    break
                return _completion(litellm, response, model)
        raise LLMError("no model answered: " + "; ".join(failures[-3:]))

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_seconds * 2 ** attempt
        return base / 2 + random.uniform(0, base / 2)


def _litellm():
    # Without this litellm fetches a price list from the internet when it is imported.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def _completion(litellm, response, model: str) -> Completion:
    usage = getattr(response, "usage", None)
    try:
        cost = float(litellm.completion_cost(completion_response=response) or 0.0)
    except Exception:  # litellm raises for models it has no price for (self-hosted ones)
        cost = 0.0
    return Completion(
        text=response.choices[0].message.content or "",
        model=model,
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cost=cost,
    )


def _describe(exc: Exception, litellm=None, settings: LLMSettings | None = None) -> str:
    """One line on what went wrong. A refused or dropped connection and a timeout say so: litellm gives
    them the status 500, which would read as the model's server failing."""
    if litellm is not None and isinstance(exc, litellm.Timeout):
        return f"no answer within {settings.timeout:g} s" if settings else "timed out"
    if litellm is not None and (isinstance(exc, litellm.APIConnectionError) or _connection_failed(exc)):
        where = _host(settings.api_base) if settings and settings.api_base else "the provider's server"
        return f"could not connect to {where} (connection refused, reset or unreachable)"
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__
    message = str(exc).split("\n")[0][:200]
    return f"{kind}" + (f" ({status})" if status else "") + f": {message}"


def _connection_failed(exc: BaseException) -> bool:
    """litellm reports a refused connection to an OpenAI-compatible server as an InternalServerError (500);
    the exceptions underneath (openai's and httpx's) say what it was."""
    seen = 0
    while exc is not None and seen < 10:
        name = type(exc).__name__
        if name in ("APIConnectionError", "ConnectError", "ConnectionError", "ConnectionRefusedError") \
                or str(exc).rstrip(".").endswith("Connection error"):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _host(url: str) -> str:
    """The host and port of an address, never its credentials or path."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "the configured api_base"
