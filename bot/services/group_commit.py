"""Group commit: many clicks share one transaction, and nobody hears back before it commits.

One SQLAlchemy session per click costs about a millisecond of CPU on aiosqlite (ARCHITECTURE.md,
"Hot path"), so a burst of clicks answered one by one misses Discord's 3 seconds. Each click
here queues its request and awaits a future; a dispatcher takes what has queued (after at
most `max_delay`, at most `max_batch` at a time), hands the group to `_many` (one
transaction), and only then resolves the futures. If a group fails, its requests are
answered one by one by `_one`, so a failure costs speed, never a different result.

Subclasses say what a request is and how a group and a single request are answered: the daily
answer batcher and the quiz answer batcher. One of each serves a process (`shared`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.inline import InlineSqlite

log = logging.getLogger("cohort.group_commit")
Sessions = async_sessionmaker[AsyncSession]
R = TypeVar("R")
Out = TypeVar("Out")


@dataclass
class _Waiting(Generic[R, Out]):
    request: R
    future: asyncio.Future[Out]
    queued_at: float


class GroupCommit(Generic[R, Out]):
    """`max_delay`: how long the first request of a group may wait for company (a lone click
    at a quiet time waits at most this); requests that arrive while a group commits form the
    next one. `max_batch` bounds a group. `max_in_flight`: groups committing at once; one by
    default (on SQLite a second group only queues behind the first's write lock)."""

    name = "group"

    def __init__(
        self,
        sessions: Sessions,
        *,
        max_delay: float = 0.002,
        max_batch: int = 500,
        max_in_flight: int = 1,
    ) -> None:
        self.sessions = sessions
        self.max_delay = max_delay
        self.max_batch = max_batch
        self.max_in_flight = max_in_flight
        self.batches = 0  # groups committed so far (for benchmarks and tests)
        self._queue: list[_Waiting[R, Out]] = []
        self._dispatcher: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._slots: asyncio.Semaphore | None = None
        self._inline: InlineSqlite | bool | None = False  # False until first made

    # ---- what subclasses provide --------------------------------------------------------
    async def _many(self, requests: list[R]) -> Sequence[Out | BaseException]:
        raise NotImplementedError

    async def _one(self, request: R) -> Out:
        raise NotImplementedError

    def _now(self, requests: list[R]) -> Sequence[Out | BaseException] | None:
        """Answer at once, without awaiting anything, if that can be done (None: it cannot;
        the request is queued instead). Used only when nothing is queued or committing and
        `max_delay` is 0."""
        return None

    # ---- the machinery ------------------------------------------------------------------
    @property
    def inline(self) -> InlineSqlite | None:
        """SQLite's inline writer for these sessions (see `bot.db.inline`), made on first use."""
        if self._inline is False:
            self._inline = InlineSqlite.for_sessions(self.sessions)
        return self._inline  # type: ignore[return-value]

    async def submit(self, request: R) -> Out:
        """Queue `request`; returns its outcome once its group committed (or raises)."""
        if self.max_delay <= 0 and not self._queue and not self._running:
            # Nothing to group with: answer in this very turn of the loop, which saves the
            # turns a queued request waits (the dispatcher's, the group's, its own wake-up).
            done = self._now([request])
            if done is not None:
                (outcome,) = done
                if isinstance(outcome, BaseException):
                    raise outcome
                self.batches += 1
                return outcome
        loop = asyncio.get_running_loop()
        waiting: _Waiting[R, Out] = _Waiting(request, loop.create_future(), loop.time())
        self._queue.append(waiting)
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = loop.create_task(self._dispatch(), name=f"{self.name}-batcher")
        return await waiting.future

    async def drain(self) -> None:
        """Wait until everything queued so far is answered (for shutdown and tests)."""
        while (self._dispatcher is not None and not self._dispatcher.done()) or self._running:
            pending = [t for t in (self._dispatcher, *self._running) if t and not t.done()]
            await asyncio.gather(*pending)

    async def close(self) -> None:
        """Answer what is queued, then let go of the inline connection (before the engine
        is disposed)."""
        await self.drain()
        if isinstance(self._inline, InlineSqlite):
            self._inline.close()
        self._inline = False

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_in_flight)
        while self._queue:
            wait = self.max_delay - (loop.time() - self._queue[0].queued_at)
            if wait > 0 and len(self._queue) < self.max_batch:
                await asyncio.sleep(wait)
            await self._slots.acquire()
            group = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            task = loop.create_task(self._commit(group), name=f"{self.name}-batch")
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        assert self._slots is not None
        self._slots.release()

    async def _commit(self, group: list[_Waiting[R, Out]]) -> None:
        requests = [w.request for w in group]
        outcomes: list[Out | BaseException]
        try:
            outcomes = list(await self._many(requests))
            self.batches += 1
        except Exception:
            log.warning(
                "a group of %d %s requests failed; answering one by one",
                len(group),
                self.name,
                exc_info=True,
            )
            outcomes = []
            for request in requests:
                try:
                    outcomes.append(await self._one(request))
                except Exception as error:
                    outcomes.append(error)
        for waiting, outcome in zip(group, outcomes, strict=True):
            if waiting.future.done():  # the click gave up (cancelled); its answer still counts
                continue
            if isinstance(outcome, BaseException):
                waiting.future.set_exception(outcome)
            else:
                waiting.future.set_result(outcome)


class _HasSessions(Protocol):
    sessions: Sessions


ATTRIBUTE = "group_commits"
G = TypeVar("G", bound=GroupCommit[Any, Any])


def shared(services: _HasSessions, kind: type[G], make: Callable[[Sessions], G] | None = None) -> G:
    """The process's batcher of `kind` for `services.sessions`, made on first use and kept on
    `services` (every click of one bot shares it; a new bot gets a new one)."""
    batchers: dict[type[Any], GroupCommit[Any, Any]] = services.__dict__.setdefault(ATTRIBUTE, {})
    batcher = batchers.get(kind)
    if batcher is None or batcher.sessions is not services.sessions:
        batcher = (make or kind)(services.sessions)
        batchers[kind] = batcher
    return batcher  # type: ignore[return-value]


async def close_all(services: _HasSessions) -> None:
    """Close every batcher made for `services` (at shutdown, before the engine is disposed)."""
    for batcher in list(getattr(services, ATTRIBUTE, {}).values()):
        await batcher.close()
