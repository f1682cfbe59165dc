"""The beat scripts go to Redis in batches, one batch in flight at a time
(reading/script_batch.py): the calls that arrive meanwhile wait and go together in the next.
The wire itself (a connection to Redis) is tested against Redis in test_live_script.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from readtoearn.reading.script_batch import ScriptBatcher
from tests.unit.reading.test_live import run_async


class Client:
    """A wire to Redis whose batches wait for the test to let each through."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.gate = asyncio.Event()
        self.fail_next = False

    async def run(self, commands: Any) -> list[Any]:
        calls = [command[-1] for command in commands]
        self.batches.append(calls)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.gate.wait()
            if self.fail_next:
                self.fail_next = False
                raise ConnectionError("Redis went away")
            return [f"done {arg}" for arg in calls]
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        pass


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_calls_arriving_while_a_batch_is_in_flight_go_together_in_the_next() -> None:
    async def scenario() -> tuple[Client, list[Any]]:
        client = Client()
        batcher = ScriptBatcher(client, "return ARGV[1]")
        first = [asyncio.ensure_future(batcher(["k"], [f"a{i}"])) for i in range(3)]
        await settle()
        assert client.batches == [["a0", "a1", "a2"]]  # the calls of one turn, together
        later = [asyncio.ensure_future(batcher(["k"], [f"b{i}"])) for i in range(5)]
        await settle()
        assert len(client.batches) == 1  # they wait for the batch in flight
        client.gate.set()
        return client, await asyncio.gather(*first, *later)

    client, results = run_async(scenario())
    assert client.batches == [["a0", "a1", "a2"], ["b0", "b1", "b2", "b3", "b4"]]
    assert client.most_in_flight == 1
    assert results == [f"done a{i}" for i in range(3)] + [f"done b{i}" for i in range(5)]


def test_a_failed_batch_fails_its_own_calls_and_the_next_batch_goes_on() -> None:
    async def scenario() -> tuple[list[Any], list[Any]]:
        client = Client()
        client.fail_next = True
        batcher = ScriptBatcher(client, "return ARGV[1]")
        first = [asyncio.ensure_future(batcher(["k"], [f"a{i}"])) for i in range(2)]
        await settle()
        later = [asyncio.ensure_future(batcher(["k"], ["b0"]))]
        await settle()
        client.gate.set()
        failed = await asyncio.gather(*first, return_exceptions=True)
        return failed, await asyncio.gather(*later)

    failed, results = run_async(scenario())
    assert all(isinstance(r, ConnectionError) for r in failed)
    assert results == ["done b0"]


def test_a_worker_that_stops_cancels_the_calls_still_waiting() -> None:
    async def scenario() -> list[Any]:
        client = Client()
        batcher = ScriptBatcher(client, "return ARGV[1]")
        calls = [asyncio.ensure_future(batcher(["k"], ["a0"]))]
        await settle()
        calls.append(asyncio.ensure_future(batcher(["k"], ["b0"])))
        await settle()
        assert batcher._sender is not None
        batcher._sender.cancel()
        await settle()
        answers = await asyncio.gather(*calls, return_exceptions=True)
        # A later call starts a sender of its own.
        client.gate.set()
        answers.append(await batcher(["k"], ["c0"]))
        return answers

    answers = run_async(scenario())
    assert [type(a).__name__ for a in answers[:2]] == ["CancelledError", "CancelledError"]
    assert answers[2] == "done c0"


@pytest.mark.parametrize("calls", [1, 40])
def test_every_call_gets_its_own_answer(calls: int) -> None:
    async def scenario() -> list[Any]:
        client = Client()
        client.gate.set()
        batcher = ScriptBatcher(client, "return ARGV[1]")
        return list(await asyncio.gather(*(batcher(["k"], [str(i)]) for i in range(calls))))

    assert run_async(scenario()) == [f"done {i}" for i in range(calls)]
