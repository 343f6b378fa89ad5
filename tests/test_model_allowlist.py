"""A repository's `llm.model` must be on the server's allowlist; where requests go is the server's alone."""

from __future__ import annotations

import pytest

from bot.adapters.llm import LiteLLM, LLMSettings, ModelNotAllowed
from bot.adapters.localgit import LocalGitForge
from bot.catalog import default_catalog
from bot.pipeline import Services, run_request
from tests.conftest import make_repo
from tests.fakellm import FakeLLM
from tests.test_llm import fenced, trivy_workflow
from tests.test_tool_isolation import Listener

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: nginx\n"
REQUEST = "add trivy scan for k8s/pod.yaml"


def test_only_the_servers_own_model_is_allowed_when_no_allowlist_is_set():
    settings = LLMSettings.from_env({"VIBEOPS_MODEL": "openai/gpt-4o-mini", "VIBEOPS_API_BASE": "http://llm.internal"})
    assert settings.allowed_models == ()
    assert settings.for_repository("openai/gpt-4o-mini").model == "openai/gpt-4o-mini"
    with pytest.raises(ModelNotAllowed, match="`anthropic/claude-3-opus` is not allowed on this server; "
                                              "allowed: `openai/gpt-4o-mini`"):
        settings.for_repository("anthropic/claude-3-opus")


def test_the_allowlist_picks_the_model_and_nothing_else():
    settings = LLMSettings.from_env({"VIBEOPS_MODEL": "openai/gpt-4o-mini", "VIBEOPS_API_BASE": "http://llm.internal",
                                     "VIBEOPS_API_KEY": "sk-server",
                                     "VIBEOPS_ALLOWED_MODELS": "openai/gpt-4o-mini, openai/gpt-4o ,"})
    assert settings.allowed_models == ("openai/gpt-4o-mini", "openai/gpt-4o")
    chosen = settings.for_repository("openai/gpt-4o")
    assert (chosen.model, chosen.api_base, chosen.api_key) == ("openai/gpt-4o", "http://llm.internal", "sk-server")


@pytest.mark.parametrize("model", ["oobabooga/http://127.0.0.1:9/x", "openai/http://evil.example", "http://evil",
                                   "openai//gpt", "openai/gpt-4o?api_base=x", "openai/gpt 4o", ""])
def test_names_that_carry_an_address_are_refused_even_when_listed(model):
    settings = LLMSettings(model="openai/gpt-4o-mini", allowed_models=(model, "openai/gpt-4o-mini"))
    with pytest.raises(ModelNotAllowed, match="not a model name vibeops accepts"):
        settings.for_repository(model)


@pytest.fixture
def llm():
    fake = FakeLLM()
    fake.start()
    yield fake
    fake.stop()


def services(repo, llm: FakeLLM, tools, allowed: tuple[str, ...] = ()) -> Services:
    settings = LLMSettings(model="openai/vibeops-test", api_base=llm.base_url, api_key="sk-test", attempts=1,
                           backoff_seconds=0, timeout=10, allowed_models=allowed)
    return Services(LocalGitForge(repo), tools, default_catalog(), llm=LiteLLM(settings, sleep=lambda s: None),
                    max_rounds=1)


def test_a_repository_cannot_send_the_prompt_to_its_own_address(tmp_path, llm, tools):
    listener = Listener()
    try:
        config = f"llm:\n  model: oobabooga/{listener.url}\n  generator: llm\n"
        repo = make_repo(tmp_path / "repo", {".github/vibeops.yml": config, "k8s/pod.yaml": POD})
        report = run_request(REQUEST, services(repo, llm, tools), generator="llm")
    finally:
        listener.stop()
    assert report.status == "error"
    assert ".github/vibeops.yml" in report.message and "not a model name vibeops accepts" in report.message
    assert listener.received == [] and llm.requests == []  # no model was asked anything
    assert report.draft is None


def test_an_unlisted_model_is_refused_and_a_listed_one_goes_to_the_servers_endpoint(tmp_path, llm, tools):
    repo = make_repo(tmp_path / "repo", {".github/vibeops.yml": "llm:\n  model: openai/expensive\n",
                                         "k8s/pod.yaml": POD})
    refused = run_request(REQUEST, services(repo, llm, tools), generator="llm")
    assert "`openai/expensive` is not allowed on this server" in refused.message and llm.requests == []
    llm.reply(fenced(trivy_workflow("k8s/pod.yaml")))
    allowed = run_request(REQUEST, services(repo, llm, tools, allowed=("openai/vibeops-test", "openai/expensive")),
                          generator="llm")
    assert [r["model"] for r in llm.requests] == ["expensive"]  # the repository's pick, at the server's api_base
    assert allowed.llm["rounds"][0]["model"] == "openai/expensive"
