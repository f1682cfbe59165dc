"""The OpenAI-compatible backend against a local server, and the fallback to the built-in one."""

from __future__ import annotations

import logging

import pytest

from readtoearn.config import Settings
from readtoearn.summaries.backends import (
    BackendError,
    BuiltinBackend,
    FallbackBackend,
    OpenAIBackend,
    backend_for,
    parse_completion,
)
from tests.unit.summaries.articles import ENGLISH
from tests.unit.summaries.llm_server import ANSWER

KEY = "sk-test-secret-key-never-logged"


def openai(url: str, model: str, timeout: float = 5.0) -> OpenAIBackend:
    return OpenAIBackend(base_url=url, model=model, api_key=KEY, timeout_s=timeout)


@pytest.mark.parametrize("model", ["good", "fenced"])
def test_a_good_answer_is_used(llm, model: str) -> None:
    url, recorder = llm
    summary = openai(url, model).summarise(title="T", text=ENGLISH, language="en")
    assert summary.text == ANSWER["summary"]
    assert summary.in_brief == ANSWER["in_brief"]
    assert summary.backend == f"openai:{model}"
    (request,) = recorder.requests
    assert request["auth"] == f"Bearer {KEY}"
    assert request["body"]["model"] == model
    assert "English" in request["body"]["messages"][0]["content"]


@pytest.mark.parametrize("model", ["error", "garbage", "short", "slow"])
def test_any_failure_falls_back_to_the_builtin_summary(llm, model: str, caplog) -> None:
    url, _recorder = llm
    backend = FallbackBackend(openai(url, model, timeout=0.5))
    with caplog.at_level(logging.WARNING):
        summary = backend.summarise(title="T", text=ENGLISH, language="en")
    builtin = BuiltinBackend().summarise(title="T", text=ENGLISH, language="en")
    assert summary.sentences == builtin.sentences
    assert summary.backend == "builtin"
    assert summary.extra["fallback_from"] == f"openai:{model}"
    assert "failed" in caplog.text
    assert KEY not in caplog.text


def test_the_primary_error_is_a_backend_error(llm) -> None:
    url, _recorder = llm
    with pytest.raises(BackendError, match="HTTP 500"):
        openai(url, "error").summarise(title="T", text=ENGLISH, language="en")


def test_an_unreachable_server_falls_back() -> None:
    backend = FallbackBackend(openai("http://127.0.0.1:9/v1", "good", timeout=0.5))
    assert backend.summarise(title="T", text=ENGLISH, language="en").backend == "builtin"


def test_the_key_is_never_shown() -> None:
    backend = openai("http://127.0.0.1:9/v1", "good")
    assert KEY not in repr(backend)
    settings = Settings(llm_api_key=KEY)
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump())


def test_settings_choose_the_backend() -> None:
    assert isinstance(backend_for(Settings()), BuiltinBackend)
    # Asked for the LLM without saying where it is: the built-in one, not a crash.
    assert isinstance(backend_for(Settings(summary_backend="openai")), BuiltinBackend)
    chosen = backend_for(
        Settings(summary_backend="openai", llm_base_url="http://x/v1", llm_model="m")
    )
    assert isinstance(chosen, FallbackBackend) and chosen.name == "openai:m"


@pytest.mark.parametrize(
    "content",
    [None, "[]", '{"summary": 3, "in_brief": []}', '{"summary": "x", "in_brief": "y"}', "{"],
)
def test_malformed_messages_are_rejected(content) -> None:
    with pytest.raises(BackendError):
        parse_completion(content, backend="openai:m")
