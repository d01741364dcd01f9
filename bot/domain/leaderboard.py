"""Leaderboard rules: periods, the daily points rule, ranks."""

from __future__ import annotations

from datetime import date, timedelta

BOARDS = ("points", "quiz", "streak", "accuracy")
PERIODS = ("week", "month", "all")
ALL_TIME = date(1970, 1, 1)
DAILY_POINTS = 100  # a correct daily answer (graded questions); quiz points count as earned
MIN_GRADED = 10  # answers in the period before a member appears on the accuracy board
TOP = 10


def period_start(period: str, day: date) -> date:
    """The first local date of the calendar period holding `day` (weeks start on Monday)."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "all":
        return ALL_TIME
    raise ValueError(f"unknown period {period!r}")
