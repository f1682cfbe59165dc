from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.summaries.llm_server import Recorder, running_server


@pytest.fixture(scope="module")
def llm_server() -> Iterator[tuple[str, Recorder]]:
    with running_server() as (url, recorder):
        yield url, recorder


@pytest.fixture
def llm(llm_server: tuple[str, Recorder]) -> tuple[str, Recorder]:
    url, recorder = llm_server
    recorder.requests.clear()
    return url, recorder
