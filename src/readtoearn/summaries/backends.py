"""Summary backends: the built-in offline summariser, and an OpenAI-compatible HTTP one.

Both answer `summarise(title=, text=, language=)` with a `Summary`. The HTTP backend talks to any
server speaking the chat-completions API (base URL, model and key from the settings), bounded by
a timeout; `FallbackBackend` turns any of its failures into the built-in summary, so a page never
breaks because a remote model is slow, down or talking nonsense.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Protocol

import httpx

from readtoearn.config import Settings
from readtoearn.summaries.summarise import Encoder, Summary, summarise_text

log = logging.getLogger(__name__)

MAX_SUMMARY_CHARS = 1200
MAX_BULLET_CHARS = 400
MAX_INPUT_CHARS = 24_000
LANGUAGE_NAMES = {"fr": "French", "en": "English"}
SYSTEM_PROMPT = (
    "You summarise news articles for a news site. Answer with one JSON object and nothing "
    'else: {"summary": "<2 or 3 sentences>", "in_brief": ["<bullet>", "<bullet>"]} with 2 or '
    "3 short bullets. Write in {language}, the article's language. Use only facts stated in "
    "the article; keep figures exactly as written."
)


class BackendError(Exception):
    """A backend could not produce a usable summary."""


class SummaryBackend(Protocol):
    """Anything that summarises an article; `name` keys the cache."""

    name: str

    def summarise(self, *, title: str, text: str, language: str) -> Summary: ...


class BuiltinBackend:
    """The offline extractive summariser (sentence encoder + position prior + MMR)."""

    name = "builtin"

    def __init__(self, encoder: Encoder | None = None) -> None:
        self.encoder = encoder

    def summarise(self, *, title: str, text: str, language: str) -> Summary:
        return summarise_text(text, language, encoder=self.encoder)


class OpenAIBackend:
    """An OpenAI-compatible chat-completions API: POST {base_url}/chat/completions."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout_s: float = 20.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url or not model:
            raise BackendError("the LLM backend needs a base URL and a model")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}"[:80]
        self._api_key = api_key
        self._timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))
        self._transport = transport

    def __repr__(self) -> str:  # never show the key
        return f"OpenAIBackend(base_url={self.base_url!r}, model={self.model!r})"

    def summarise(self, *, title: str, text: str, language: str) -> Summary:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        body = {
            "model": self.model,
            "temperature": 0.2,
            "messages": [
                {
                    "role": "system",
                    "content": SYSTEM_PROMPT.replace(
                        "{language}", LANGUAGE_NAMES.get(language, "English")
                    ),
                },
                {"role": "user", "content": f"{title}\n\n{text[:MAX_INPUT_CHARS]}"},
            ],
        }
        try:
            with httpx.Client(
                timeout=self._timeout, transport=self._transport, follow_redirects=False
            ) as client:
                response = client.post(
                    f"{self.base_url}/chat/completions", json=body, headers=headers
                )
        except httpx.HTTPError as error:
            raise BackendError(f"LLM request failed: {type(error).__name__}") from None
        if response.status_code != 200:
            raise BackendError(f"LLM answered HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise BackendError("LLM answer is not a chat completion") from None
        return parse_completion(content, backend=self.name)


def parse_completion(content: object, *, backend: str) -> Summary:
    """Read {"summary", "in_brief"} from a model's message (code fences tolerated)."""
    if not isinstance(content, str):
        raise BackendError("LLM message has no text")
    stripped = re.sub(r"^\s*```(?:json)?\s*|\s*```\s*$", "", content.strip())
    try:
        data: Any = json.loads(stripped)
    except ValueError:
        raise BackendError("LLM message is not JSON") from None
    if not isinstance(data, dict):
        raise BackendError("LLM message is not a JSON object")
    summary = data.get("summary")
    bullets = data.get("in_brief")
    if not isinstance(summary, str) or not summary.strip():
        raise BackendError("LLM summary is missing")
    if not isinstance(bullets, list) or not all(isinstance(b, str) for b in bullets):
        raise BackendError("LLM bullets are missing")
    bullets = [" ".join(b.split()) for b in bullets if b.strip()][:3]
    if len(bullets) < 2:
        raise BackendError("LLM gave fewer than two bullets")
    summary = " ".join(summary.split())
    if len(summary) > MAX_SUMMARY_CHARS or any(len(b) > MAX_BULLET_CHARS for b in bullets):
        raise BackendError("LLM answer is too long")
    return Summary(sentences=[summary], in_brief=bullets, backend=backend)


class FallbackBackend:
    """A primary backend with the built-in one behind it: any failure falls back."""

    def __init__(self, primary: SummaryBackend, fallback: SummaryBackend | None = None) -> None:
        self.primary = primary
        self.fallback = fallback or BuiltinBackend()
        self.name = primary.name

    def summarise(self, *, title: str, text: str, language: str) -> Summary:
        try:
            return self.primary.summarise(title=title, text=text, language=language)
        except Exception as error:  # any failure falls back, by design
            log.warning(
                "summary backend %s failed (%s); using %s",
                self.primary.name,
                error if isinstance(error, BackendError) else type(error).__name__,
                self.fallback.name,
            )
            summary = self.fallback.summarise(title=title, text=text, language=language)
            return Summary(
                sentences=summary.sentences,
                in_brief=summary.in_brief,
                backend=summary.backend,
                extra={**summary.extra, "fallback_from": self.primary.name},
            )


def backend_for(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> SummaryBackend:
    """The backend the settings choose; the built-in one when the LLM is not configured."""
    if settings.summary_backend != "openai":
        return BuiltinBackend()
    if not settings.llm_base_url or not settings.llm_model:
        log.warning("summary_backend is 'openai' but llm_base_url or llm_model is unset")
        return BuiltinBackend()
    primary = OpenAIBackend(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout_s=settings.llm_timeout_s,
        transport=transport,
    )
    return FallbackBackend(primary)
