"""Local times of day for guilds and members, and the UTC instants they fall on.

Everything Cohort schedules ("post at 07:30", "remind me at 18:00") is a wall-clock time in an
IANA zone, while the database and the scheduler speak UTC. PRODUCT.md promises that DST never
skips or doubles a daily run: a time in a spring-forward gap runs at the first minute that
exists after it, and a time that occurs twice on a fall-back day runs once, at the first
occurrence. APScheduler's `CronTrigger` breaks both promises (see ARCHITECTURE.md), so the
next run is computed here, by pure functions the scheduler adapter only has to obey.

Existence is decided by round-tripping through UTC: a wall time exists iff converting it to UTC
and back gives the same wall time. That needs no knowledge of tzdata internals and also covers
oddities such as 30-minute DST shifts (Australia/Lord_Howe) and whole skipped days
(Pacific/Apia, 2011-12-30).
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.errors import BadInput

__all__ = [
    "COMMON_TIMEZONES",
    "local_date",
    "next_run",
    "parse_hhmm",
    "parse_timezone",
    "run_at",
    "timezone_choices",
]

# Shown when the member has typed nothing yet: one or two zones per populated region.
COMMON_TIMEZONES: tuple[str, ...] = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Warsaw",
    "Europe/Istanbul",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)

# Present in some zoneinfo directories but not zones anyone should pick: `localtime` is the
# host's own setting, `posixrules` a compilation default, `Factory` a placeholder zone.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})

_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", re.ASCII)
_ECHO_LIMIT = 40  # keep error messages short whatever was pasted into the option


def _echo(text: str) -> str:
    """The member's input as quoted back in an error, cut so the reply stays readable."""
    text = text.strip()
    return text if len(text) <= _ECHO_LIMIT else text[: _ECHO_LIMIT - 1] + "…"


def parse_hhmm(text: str) -> time:
    """A 24-hour `HH:MM` (leading zero optional) as typed into a slash command option.

    Strict on purpose: "7.30" or "730" could mean several things, and guessing wrong would post
    at the wrong hour every day, so the member is asked to be explicit instead.
    """
    match = _HHMM.fullmatch(text.strip())
    if match is None:
        raise BadInput(
            f"“{_echo(text)}” is not a time: use HH:MM on a 24-hour clock, like 07:30 or 18:45."
            if text.strip()
            else "Please give a time as HH:MM on a 24-hour clock, like 07:30 or 18:45."
        )
    return time(int(match[1]), int(match[2]))


@functools.cache
def _zone_names() -> frozenset[str]:
    """Every IANA name this machine knows; cached because it walks the tzdata directory."""
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


def _lookup_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


@functools.cache
def _canonical_by_key() -> dict[str, str]:
    """Case-insensitive lookup: members type "europe/berlin" or "America/New York"."""
    return {_lookup_key(name): name for name in _zone_names()}


def parse_timezone(name: str) -> zoneinfo.ZoneInfo:
    """An IANA timezone by name, matched case-insensitively to its canonical spelling.

    Only names from the known list are ever handed to `ZoneInfo`, which would otherwise also
    open arbitrary files relative to the tzdata directory ("../…" or absolute paths).
    """
    canonical = _canonical_by_key().get(_lookup_key(name))
    if canonical is None:
        if not name.strip():
            raise BadInput("Please give a timezone name, like Europe/Berlin or America/New_York.")
        raise BadInput(
            f"“{_echo(name)}” is not a timezone I know: use an IANA name like Europe/Berlin, "
            "America/New_York or UTC (start typing and pick one from the list)."
        )
    return zoneinfo.ZoneInfo(canonical)


@functools.cache
def _choosable_zones() -> tuple[tuple[str, str], ...]:
    """Sorted (name, search key) pairs offered by autocomplete.

    Legacy names without a region ("Cuba", "EST5EDT") are left out so the list reads like a map;
    UTC stays because it is what many groups want.
    """
    names = sorted(name for name in _zone_names() if "/" in name or name == "UTC")
    return tuple((name, name.lower().replace("_", " ")) for name in names)


def timezone_choices(query: str, limit: int = 25) -> list[str]:
    """Zone names for a slash-command autocomplete (Discord shows at most 25).

    Spaces and underscores are interchangeable because nobody types "New_York". Names starting
    with the query come first, then those with a part ("Europe/Berlin" for "ber") starting with
    it, then any other match, each group alphabetical.
    """
    if limit <= 0:
        return []
    needle = query.strip().lower().replace("_", " ")
    if not needle:
        known = _zone_names()
        return [name for name in COMMON_TIMEZONES if name in known][:limit]
    ranked: list[tuple[int, str]] = []
    for name, key in _choosable_zones():
        position = key.find(needle)
        if position < 0:
            continue
        if position == 0:
            rank = 0
        elif key[position - 1] == "/":
            rank = 1
        else:
            rank = 2
        ranked.append((rank, name))
    ranked.sort()
    return [name for _, name in ranked[:limit]]


def _require_aware(instant: datetime, what: str) -> None:
    # A naive datetime would silently be read as the host's local time: never what we mean.
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got {instant!r}")


def local_date(instant: datetime, tz: zoneinfo.ZoneInfo) -> date:
    """The calendar day it is in `tz` at `instant`: a member's "day" for streaks and posts."""
    _require_aware(instant, "instant")
    return instant.astimezone(tz).date()


def day_start(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date in `tz` is `day`. Usually local midnight; where
    clocks spring forward at midnight, the end of the gap; where they fall back at midnight
    (Chile), the second midnight, since the first one still shows the day before. A date the
    zone skipped altogether (Samoa, 30 December 2011) starts when the next one does."""
    for fold in (0, 1):
        instant = datetime.combine(day, time(0), tz).replace(fold=fold).astimezone(UTC)
        if local_date(instant, tz) == day:
            return instant
    return day_start(day + timedelta(days=1), tz)


def _first_occurrence(wall: datetime, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """The earliest UTC instant showing naive `wall` in `tz`, or None if it falls in a gap.

    fold=0 picks the offset in force before a transition, which for a repeated wall time is
    the first pass; for a skipped one it lands elsewhere and the round trip exposes it.
    """
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return instant


def run_at(day: date, at: time, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """The UTC instant a job for local time `at` runs on local date `day`, or None.

    A time that does not exist that day (spring forward) runs at the first minute that exists
    after it; a time that occurs twice (fall back) runs at the first occurrence. None means
    no moment at or after `at` exists on that local date (e.g. Pacific/Apia skipped
    2011-12-30 entirely), so that date gets no run at all. The result always lies on `day`
    locally, which is what makes "one run per local date" hold.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    found = _first_occurrence(wall, tz)
    if found is not None:
        return found
    # In a gap: walk forward a minute at a time. Gaps are an hour or so (a whole day at the
    # very worst), and whole minutes suffice because modern transitions all fall on one.
    minute = wall.replace(second=0, microsecond=0)
    while True:
        minute += timedelta(minutes=1)
        if minute.date() != day:
            return None
        found = _first_occurrence(minute, tz)
        if found is not None:
            return found


# Local dates advance by one a day, skipping at most one; a few more steps are slack.
_MAX_DAYS_AHEAD = 8


def next_run(after: datetime, at: time, tz: zoneinfo.ZoneInfo) -> datetime:
    """The first run of a daily local-time job strictly after the UTC instant `after`.

    Computed from the calendar each time rather than by adding 24 hours (which drifts across
    DST) or trusting a cron trigger (which fires twice on fall-back days and can return a past
    instant). Starting a day early covers instants inside a repeated hour, whose local date
    may already have had its run.
    """
    _require_aware(after, "after")
    day = local_date(after, tz) - timedelta(days=1)
    for _ in range(_MAX_DAYS_AHEAD):
        candidate = run_at(day, at, tz)
        if candidate is not None and candidate > after:
            return candidate
        day += timedelta(days=1)
    raise RuntimeError(
        f"no run of {at} in {tz.key} within a week after {after}"
    )  # pragma: no cover


def ts(when: datetime, style: str = "R") -> str:
    """A Discord timestamp: every member sees it in their own timezone (`style` R relative,
    F full date and time, f short, D date, d numeric date, t time)."""
    return f"<t:{int(when.timestamp())}:{style}>"
