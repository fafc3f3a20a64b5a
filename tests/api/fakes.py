"""Test doubles for the API tests: virtual time for the rate limiter and retry pauses."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any


class VirtualTime:
    """A monotonic clock that moves only when every task under `run` is asleep.

    `sleep` parks the caller until the driver advances the clock to its wake-up time, so
    concurrent sleepers wake in the right order and no test waits in real time.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def run(self, *awaitables: Awaitable[Any]) -> list[Any]:
        """Run the awaitables concurrently, advancing the clock whenever all of them sleep."""
        tasks = [asyncio.ensure_future(awaitable) for awaitable in awaitables]
        while not all(task.done() for task in tasks):
            for _ in range(10):
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            if not self._sleepers:
                await asyncio.sleep(0.001)  # a task waits for real I/O
                continue
            wake_at, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake_at)
            if not future.done():
                future.set_result(None)
        return [task.result() for task in tasks]


class SteppingTime:
    """A clock for a single task: `sleep` just moves the clock forward (no real waiting)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
