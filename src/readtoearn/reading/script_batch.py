"""Calls of one Redis script go out together, one batch in flight at a time.

A busy worker receives many beats at once. Sent one by one, each EVALSHA costs the asyncio client
about 70 us of CPU (taking a connection, packing, a write, a wake-up, a read); sent together, the
beats of a batch share the write and the read. The first call starts a sender, which sends what
arrived in that turn of the event loop; the calls that arrive while a batch is in flight wait for
its answer and go in the next batch, so a busy worker sends a few large batches rather than many
of one or two beats (each a write, a read and a wake-up for the worker and for Redis). A call
waits at most for the batch in flight before its own is sent. Every script still runs alone and
atomically in Redis, in arrival order, so the compare-and-set of each beat holds exactly as before.

The batches go over a connection of their own (RedisWire), not through a redis-py pipeline: the
pipeline object, its retries and a deadline (a timer, and a task for the write) per reply cost
the worker more CPU than the rest of a beat. The wire packs the batch and reads its replies in
order with the library's own connection and parser (hiredis's), under one deadline
for the whole batch; a batch that fails or runs late closes the connection (the next one opens
it again) and every caller of that batch hears the error. A connection idle for a while is
checked with a PING before its next batch, and opened again if it was dropped meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

# The C packer redis-py itself uses (the redis[hiredis] extra), called directly.
from hiredis import pack_command
from redis.exceptions import NoScriptError, ResponseError

Command = tuple[Any, ...]


CLIENT_NAME = "readtoearn-beats"


class Wire(Protocol):
    async def run(self, commands: Sequence[Command]) -> list[Any]:
        """Each command's reply, in order (an error reply as its exception); raises when the
        connection failed, for the whole batch."""
        ...

    async def aclose(self) -> None: ...


class RedisWire:
    """One connection of a redis.asyncio client's kind, for batches sent one at a time."""

    def __init__(self, client: Any, timeout_s: float = 2.0, idle_check_s: float = 30.0) -> None:
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        pool = client.connection_pool
        options = {
            **pool.connection_kwargs,
            # Its own deadline per batch below: no timer per reply, no task per write.
            "socket_timeout": None,
            # After idle_check_s without a reply, a PING goes first and, when the connection
            # was dropped meanwhile (a proxy, a restart), it connects again before the batch.
            # The retry covers only connecting and that PING: a batch is never sent twice.
            "health_check_interval": idle_check_s,
            "retry": Retry(NoBackoff(), 1),
            # Named, so that an operator finds it in CLIENT LIST.
            "client_name": CLIENT_NAME,
        }
        self._connection = pool.connection_class(**options)
        self._timeout = timeout_s

    async def run(self, commands: Sequence[Command]) -> list[Any]:
        connection = self._connection
        try:
            async with asyncio.timeout(self._timeout):
                # One C call per command, without redis-py's encoding of each argument.
                packed = b"".join([pack_command(command) for command in commands])
                await connection.send_packed_command(packed)
                replies: list[Any] = []
                for _ in commands:
                    try:
                        replies.append(await connection.read_response())
                    except ResponseError as exc:  # this command's error; the connection is fine
                        replies.append(exc)
                return replies
        except BaseException:
            # Replies may still be on their way: nothing more is read from this connection.
            await connection.disconnect(nowait=True)
            raise

    async def aclose(self) -> None:
        await self._connection.disconnect()


class ScriptBatcher:
    """EVALSHA of one script over one wire, in batches sent one after the other."""

    def __init__(self, wire: Wire, source: str) -> None:
        self._wire = wire
        self._source = source
        # Redis names a script by the SHA-1 of its source (a name, not a protection).
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
        self._pending: list[tuple[list[str], list[str], asyncio.Future[Any]]] = []
        self._sender: asyncio.Task[None] | None = None  # sends the batches while calls come

    async def __call__(self, keys: list[str], args: list[str]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((keys, args, future))
        if self._sender is None:  # nothing in flight: this turn's calls go out next turn
            self._sender = loop.create_task(self._send_pending())
        return await future

    async def _send_pending(self) -> None:
        try:
            while self._pending:
                await self._flush()
        finally:
            self._sender = None
            # Cancelled (the worker is stopping): the calls waiting for the next batch hear it.
            waiting, self._pending = self._pending, []
            for _, _, future in waiting:
                future.cancel()

    async def _flush(self) -> None:
        batch, self._pending = self._pending, []
        try:
            results = await self._send([(keys, args) for keys, args, _ in batch])
        except BaseException as exc:  # the connection failed: every caller of the batch hears it
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        for (_, _, future), result in zip(batch, results, strict=True):
            if future.done():  # its request went away meanwhile
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _send(self, calls: list[tuple[list[str], list[str]]]) -> list[Any]:
        results = await self._pipeline(calls)
        missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if missing:  # Redis restarted or flushed its scripts: load it, send those calls again
            (loaded,) = await self._wire.run([("SCRIPT", "LOAD", self._source)])
            if isinstance(loaded, Exception):
                raise loaded
            again = await self._pipeline([calls[i] for i in missing])
            for i, result in zip(missing, again, strict=True):
                results[i] = result
        return results

    async def _pipeline(self, calls: list[tuple[list[str], list[str]]]) -> list[Any]:
        return await self._wire.run(
            [("EVALSHA", self.sha, len(keys), *keys, *args) for keys, args in calls]
        )

    async def aclose(self) -> None:
        await self._wire.aclose()
