"""Streak rules on a member's local days (PRODUCT.md, "Streaks"), pure.

A day is *active* when the member did something that counts, on that local date. The current
streak counts active days back from the last one; a missed day is bridged by a freeze when
one is held (the day is marked frozen and adds nothing); a gap longer than the freezes held
ends the streak and then no freeze is spent. A freeze is earned each time the streak reaches
a multiple of 7, unless 2 are held. A local date skipped by a timezone change is not a miss.

Two ways to the same answer, on purpose:
- `advance` is what recording an activity does: from the stored state and the new day, in
  constant time (plus the gap's length), never reading history;
- `replay` walks every calendar day from the first activity, the rules read literally.
A property test checks they always agree; `view` says what a member sees on any day, even
before their next activity (a streak broken yesterday shows as broken today).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.schedule import day_start

FREEZE_EVERY = 7
MAX_FREEZES = 2
MILESTONES = (7, 30, 100, 365)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Streak:
    """The state after the last active day (what is stored per member and guild)."""

    last_day: date | None = None
    current: int = 0  # active days in the streak that includes `last_day`
    longest: int = 0
    freezes: int = 0  # held after `last_day`
    started: date | None = None  # the first day of the current streak


@dataclass(frozen=True)
class Change:
    """What recording one active day did, for notices and milestone roles."""

    streak: Streak
    frozen: tuple[date, ...] = ()  # missed days the freezes bridged
    broken: bool = False  # the gap ended the previous streak
    earned: int = 0  # freezes earned by this day
    milestones: tuple[int, ...] = ()  # milestones reached by this day
    out_of_order: bool = False  # the day is not after `last_day`: `replay` decides


def missed_between(start: date, end: date, skipped: Collection[date] = ()) -> list[date]:
    """Local dates strictly between `start` and `end` that existed for the member."""
    days = []
    day = start + ONE_DAY
    while day < end:
        if day not in skipped:
            days.append(day)
        day += ONE_DAY
    return days


def advance(streak: Streak, day: date, skipped: Collection[date] = ()) -> Change:
    """Record activity on `day`. Same day again: nothing changes. A day before the last one
    (a timezone moved west) is out of order: the caller replays the history instead."""
    if streak.last_day is not None and day == streak.last_day:
        return Change(streak)
    if streak.last_day is not None and day < streak.last_day:
        return Change(streak, out_of_order=True)
    frozen: tuple[date, ...] = ()
    broken = False
    freezes, current, started = streak.freezes, streak.current, streak.started
    if streak.last_day is None or current == 0:
        current, started = 0, day
    else:
        misses = missed_between(streak.last_day, day, skipped)
        if len(misses) <= freezes:
            frozen, freezes = tuple(misses), freezes - len(misses)
        else:
            broken, current, started = True, 0, day
    current += 1
    earned = 0
    if current % FREEZE_EVERY == 0 and freezes < MAX_FREEZES:
        freezes, earned = freezes + 1, 1
    reached = tuple(m for m in MILESTONES if current == m)
    new = Streak(day, current, max(streak.longest, current), freezes, started)
    return Change(new, frozen, broken, earned, reached)


def replay(active: Iterable[date], skipped: Collection[date] = ()) -> Streak:
    """The reference: walk every calendar day from the first active one to the last."""
    days = sorted(set(active))
    if not days:
        return Streak()
    active_set = set(days)
    current = longest = freezes = 0
    started: date | None = None
    day, last = days[0], days[-1]
    while day <= last:
        if day in active_set:
            if current == 0:
                started = day
            current += 1
            longest = max(longest, current)
            if current % FREEZE_EVERY == 0 and freezes < MAX_FREEZES:
                freezes += 1
            day += ONE_DAY
            continue
        if day in skipped:
            day += ONE_DAY
            continue
        # A gap: the whole run of missed days up to the next active day.
        following = min(d for d in active_set if d > day)
        gap = missed_between(day - ONE_DAY, following, skipped)
        if len(gap) <= freezes:
            freezes -= len(gap)
        else:
            current = 0
        day = following
    return Streak(last, current, longest, freezes, started)


@dataclass(frozen=True)
class View:
    """What a member sees on `today` (their local date)."""

    current: int
    longest: int
    freezes: int
    frozen: tuple[date, ...] = field(default=())  # missed days bridged so far, before today
    at_risk: bool = False  # alive, but nothing yet today


def view(streak: Streak, today: date, skipped: Collection[date] = ()) -> View:
    """The streak as of `today`: days before today without activity are misses (today is
    not, until it is over); freezes bridge them if there are enough, else it is broken."""
    if streak.last_day is None or streak.current == 0:
        return View(0, streak.longest, streak.freezes)
    if today <= streak.last_day:
        return View(streak.current, streak.longest, streak.freezes)
    misses = missed_between(streak.last_day, today, skipped)
    if len(misses) > streak.freezes:
        return View(0, streak.longest, streak.freezes)
    return View(
        streak.current,
        streak.longest,
        streak.freezes - len(misses),
        tuple(misses),
        at_risk=True,
    )


def alive_through(streak: Streak, skipped: Collection[date] = ()) -> date | None:
    """The last local date on which `view` still shows this stored streak (None: it shows
    nothing): each missed day after `last_day` takes a freeze, and the day after the misses
    outrun the freezes the streak is broken."""
    if streak.last_day is None or streak.current == 0:
        return None
    day, misses = streak.last_day + ONE_DAY, 0
    while True:
        # `view(day)` counts the misses strictly before `day`; `day` itself is one for day + 1.
        if day not in skipped:
            misses += 1
            if misses > streak.freezes:
                return day
        day += ONE_DAY


def breaks_at(streak: Streak, zone: ZoneInfo, skipped: Collection[date] = ()) -> datetime | None:
    """The instant (UTC) from which `view` on the member's local today shows this stored
    streak broken; None when it shows no streak already. Stored, it turns "whose streak is
    alive now?" into one indexed comparison for the streak board."""
    through = alive_through(streak, skipped)
    return None if through is None else day_start(through + ONE_DAY, zone)


def restart(streak: Streak) -> Streak:
    """The stored state when a view found the streak broken (freezes kept)."""
    return replace(streak, current=0, started=None)
