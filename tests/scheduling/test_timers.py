"""The timer adapter: one job per key, replaced on change, so an old schedule never fires."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from bot.domain.schedule import next_run
from bot.scheduling.timers import Timers
from bot.services.daily import DailySettings


async def test_a_replaced_timer_never_fires_and_the_new_one_does() -> None:
    timers = Timers()
    timers.start()
    fired: list[str] = []
    done = asyncio.Event()

    async def old() -> None:
        fired.append("old")

    async def new() -> None:
        fired.append("new")
        done.set()

    try:
        soon = datetime.now(UTC) + timedelta(milliseconds=100)
        timers.set("daily:post:1", soon, old)
        timers.set("daily:post:1", soon + timedelta(milliseconds=50), new)
        assert timers.keys() == ["daily:post:1"]
        assert timers.when("daily:post:1") == soon + timedelta(milliseconds=50)
        await asyncio.wait_for(done.wait(), 5)
        await asyncio.sleep(0.2)  # give a wrongly kept first job its chance to fire
        assert fired == ["new"]
        assert timers.when("daily:post:1") is None, "one-shot: gone after firing"

        timers.set("daily:post:2", datetime.now(UTC) + timedelta(hours=1), old)
        timers.cancel("daily:post:2")
        assert timers.keys() == []
    finally:
        timers.shutdown()


def test_the_daily_timer_time_comes_from_the_domain_function_across_dst() -> None:
    settings = DailySettings(
        guild_id=1,
        channel_id=2,
        post_time=time(1, 30),
        timezone="America/New_York",
        topics=[],
        difficulty=None,
        reveal_hours=24,
        ping_role_id=None,
        paused=False,
        schedule_from=datetime(2026, 10, 1, tzinfo=UTC),
        log_channel_id=None,
    )
    first = settings.next_post(datetime(2026, 11, 1, 5, 0, tzinfo=UTC))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first occurrence
    second = settings.next_post(first)
    assert second == datetime(2026, 11, 2, 6, 30, tzinfo=UTC), "not 06:30 the same day"
    assert second == next_run(first, settings.post_time, settings.zone)
    # Never before the schedule was set, even when asked about an earlier instant.
    assert settings.next_post(datetime(2026, 9, 1, tzinfo=UTC)) > settings.schedule_from
