"""In-memory timers behind a small interface, on APScheduler 3.11.

The database is the record of what is due; a timer only says "look now". Every timer is a
one-shot date job computed by `bot.domain.schedule` (APScheduler's own CronTrigger doubles
fall-back times and shifts spring-forward ones), replaced by key, so changing a schedule
replaces its job and the old one can never fire. Swapping APScheduler for something else means
rewriting this file only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

log = logging.getLogger("cohort.timers")
Callback = Callable[[], Awaitable[None]]


class Timers:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1},
        )

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def set(self, key: str, when: datetime, callback: Callback) -> None:
        """Run `callback` once at `when` (UTC), replacing any timer with the same key."""
        self._scheduler.add_job(
            callback, DateTrigger(run_date=when), id=key, replace_existing=True, name=key
        )

    def every(self, key: str, seconds: float, callback: Callback) -> None:
        """A safety sweep: catches anything a lost timer or a reconnect missed."""
        self._scheduler.add_job(
            callback, "interval", seconds=seconds, id=key, replace_existing=True, name=key
        )

    def cancel(self, key: str) -> None:
        job = self._scheduler.get_job(key)
        if job is not None:
            job.remove()

    def when(self, key: str) -> datetime | None:
        """When the timer `key` fires next (None if there is none)."""
        job = self._scheduler.get_job(key)
        return job.next_run_time if job is not None else None

    def keys(self) -> list[str]:
        return sorted(job.id for job in self._scheduler.get_jobs())
