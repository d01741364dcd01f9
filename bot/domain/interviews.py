"""The rules of a mock-interview session after the match: which other times a pair may pick,
when reminders are due, when no-shows pause a member, and how feedback becomes a trend.

A session's life: the match proposes the earliest common hour; the members accept it or pick
another; once everyone has accepted it is confirmed and reminded 24 hours and 15 minutes
before; after it ends each member says whether it happened, and rates the people they worked
with. Pure: times are UTC-aware datetimes, the services layer loads and stores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.matching import MIN_OVERLAP, Interval

# Reminders: (kind, how long before the start). A reminder whose moment had already passed
# when the time was confirmed is skipped: a "tomorrow" note an hour before would be noise.
REMINDERS: tuple[tuple[str, timedelta], ...] = (
    ("day", timedelta(hours=24)),
    ("soon", timedelta(minutes=15)),
)
SLOT_STEP = timedelta(minutes=30)  # other times are offered on the half hour
SLOT_LEAD = timedelta(minutes=30)  # and no sooner than this from now
SLOT_CHOICES = 25  # a Discord select holds 25 options
LAPSE_AFTER = timedelta(days=7)  # a match with no confirmed time by then (and past it) lapses
REPORT_WINDOW = timedelta(hours=48)  # after the end, "did it happen?" stays open this long
NO_SHOW_WINDOW = timedelta(days=30)
NO_SHOWS_TO_PAUSE = 2
PAUSE = timedelta(days=14)

# The feedback rubric: (key, what the member reads), each scored 1-4.
RUBRIC: tuple[tuple[str, str], ...] = (
    ("problem_solving", "Problem solving"),
    ("communication", "Communication"),
    ("technical_depth", "Technical depth"),
)
SCORES: dict[int, str] = {1: "needs work", 2: "developing", 3: "solid", 4: "strong"}


# --- the time -------------------------------------------------------------------------------


def slot_options(
    common: Sequence[Interval], now: datetime, current: datetime | None = None
) -> list[Interval]:
    """Other hours a group may pick: every half-hour start at least SLOT_LEAD away whose hour
    fits inside their common free time (`common`: sorted, non-overlapping), except the one
    proposed now; at most SLOT_CHOICES, spread evenly over the week when there are more."""
    earliest = earliest_start(now)
    found: list[Interval] = []
    for start, end in common:
        t = _round_up(max(start, earliest), SLOT_STEP)
        while t + MIN_OVERLAP <= end:
            if t != current:
                found.append((t, t + MIN_OVERLAP))
            t += SLOT_STEP
    if len(found) <= SLOT_CHOICES:
        return found
    last = len(found) - 1
    picks = sorted({round(i * last / (SLOT_CHOICES - 1)) for i in range(SLOT_CHOICES)})
    return [found[i] for i in picks]


def earliest_start(now: datetime) -> datetime:
    """The first start a session may be proposed for: SLOT_LEAD ahead, on the half hour, so
    nobody is asked to meet this very minute."""
    return _round_up(now + SLOT_LEAD, SLOT_STEP)


def _round_up(at: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=at.tzinfo)
    steps = math.ceil((at - epoch) / step)
    return epoch + steps * step


@dataclass(frozen=True)
class DueReminder:
    kind: str
    send: bool  # False: claim it without sending (its moment passed before confirmation)


def due_reminders(
    start: datetime, confirmed_at: datetime, now: datetime, claimed: Iterable[str] = ()
) -> list[DueReminder]:
    """The reminders of a confirmed slot starting at `start` that are due at `now` and not yet
    claimed. One whose moment came before the confirmation, or that a long outage carried past
    the next reminder or the start, is claimed unsent: every reminder is decided once."""
    done = set(claimed)
    due = []
    for i, (kind, before) in enumerate(REMINDERS):
        at = start - before
        if kind in done or now < at:
            continue
        superseded = i + 1 < len(REMINDERS) and now >= start - REMINDERS[i + 1][1]
        send = confirmed_at <= at and now < start and not superseded
        due.append(DueReminder(kind, send))
    return due


# --- no-shows -------------------------------------------------------------------------------


def pause_until(counted: Iterable[datetime], now: datetime) -> datetime | None:
    """When `NO_SHOWS_TO_PAUSE` counted no-shows (their report times) fall within
    NO_SHOW_WINDOW of now, the member is paused until PAUSE after the latest; else None."""
    recent = sorted(t for t in counted if now - NO_SHOW_WINDOW < t <= now)
    if len(recent) < NO_SHOWS_TO_PAUSE:
        return None
    return recent[-1] + PAUSE


# --- feedback -------------------------------------------------------------------------------


def check_scores(scores: dict[str, int]) -> None:
    """Every rubric item scored 1-4, nothing else."""
    if set(scores) != {key for key, _ in RUBRIC}:
        raise ValueError(f"scores must cover exactly {[key for key, _ in RUBRIC]}")
    for key, value in scores.items():
        if value not in SCORES:
            raise ValueError(f"{key} must be 1-4, not {value!r}")


@dataclass(frozen=True)
class Trend:
    """One rubric item across sessions: the per-session average (NaN where unrated), the mean
    of all and the change from the first rated session to the last."""

    key: str
    name: str
    series: tuple[float, ...]
    mean: float | None
    change: float | None


def trends(sessions: Sequence[Sequence[dict[str, int]]]) -> list[Trend]:
    """Feedback received, one list of score sets per session (oldest first; a panel's
    candidate has two), as one trend per rubric item."""
    out = []
    for key, name in RUBRIC:
        series = []
        for ratings in sessions:
            values = [r[key] for r in ratings if key in r]
            series.append(sum(values) / len(values) if values else math.nan)
        rated = [v for v in series if not math.isnan(v)]
        mean = sum(rated) / len(rated) if rated else None
        change = rated[-1] - rated[0] if len(rated) >= 2 else None
        out.append(Trend(key, name, tuple(series), mean, change))
    return out
