"""Weekly availability as members type it: `Mon-Fri 18:00-21:00, Sat 10am-1pm`, or `none`.

Windows are kept in local terms (weekday, start and end minute of the day) with the zone they
are in, never converted to UTC when stored: 18:00 in Berlin stays 18:00 across DST, and the
instants are computed for each coming week (`occurrences`). Every problem names the part of
the text it is in and why, so nothing half-parsed is ever saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.schedule import run_at

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{d: i for i, d in enumerate(DAYS)},
    **{n: i for i, n in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                                   "saturday", "sunday"))},
    "tues": 1, "wednes": 2, "thur": 3, "thurs": 3,
}  # fmt: skip
_TIME = r"\d{1,2}(?::\d{2})?\s*(?:am|pm)?"
_TIMES = rf"{_TIME}\s*-\s*{_TIME}"
_DAY_PART = r"[a-z]+(?:\s*-\s*[a-z]+)?"
_PART = re.compile(rf"^(?P<days>{_DAY_PART})\s+(?P<times>{_TIMES}(?:\s+{_TIMES})*)$")
_RANGE = re.compile(rf"({_TIME})\s*-\s*({_TIME})")
MAX_WINDOWS = 28


class AvailabilityError(ValueError):
    """A problem in the text, said so the member can fix it."""


@dataclass(frozen=True, order=True)
class Window:
    weekday: int  # 0 = Monday
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight, > start (24:00 is 1440)

    def describe(self) -> str:
        return f"{DAYS[self.weekday].title()} {_clock(self.start)}-{_clock(self.end)}"


def parse(text: str) -> list[Window]:
    """The windows in `text`; [] for `none`. Parts are separated by commas or semicolons,
    each a day or a day range and one or more time ranges (24-hour or 12-hour)."""
    cleaned = " ".join(text.lower().replace("–", "-").replace("—", "-").split())
    if cleaned in ("none", "no", "nothing", "-"):
        return []
    if not cleaned:
        raise AvailabilityError("Nothing to read: write e.g. `Mon-Fri 18:00-21:00` or `none`.")
    windows: set[Window] = set()
    for raw in re.split(r"[,;]", cleaned):
        part = raw.strip()
        if not part:
            continue
        match = _PART.match(part)
        if match is None:
            raise AvailabilityError(
                f"“{part[:60]}”: write a day or days, then times, e.g. `Sat 10:00-13:00`."
            )
        days = _days(match["days"], part)
        for start_text, end_text in _RANGE.findall(match["times"]):
            start, end = _minutes(start_text, part), _minutes(end_text, part, end=True)
            if end <= start:
                raise AvailabilityError(
                    f"“{part[:60]}”: {start_text.strip()}-{end_text.strip()} ends before it "
                    "starts (a window that runs past midnight is two: `Fri 22:00-24:00, "
                    "Sat 00:00-01:00`)."
                )
            windows |= {Window(d, start, end) for d in days}
    merged = _merge(sorted(windows))
    if len(merged) > MAX_WINDOWS:
        raise AvailabilityError(f"That is {len(merged)} windows; at most {MAX_WINDOWS}, please.")
    return merged


def describe(windows: list[Window]) -> str:
    return ", ".join(w.describe() for w in windows) if windows else "none"


def occurrences(
    windows: list[Window], zone: ZoneInfo, start: datetime, days: int = 7
) -> Iterator[tuple[datetime, datetime]]:
    """The windows as UTC-aware instants over the `days` days from `start`'s local date, in
    order; a window that DST shortens or shifts keeps its local wall-clock meaning."""
    first = start.astimezone(zone).date()
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        for w in windows:
            if w.weekday != day.weekday():
                continue
            begin, finish = _instant(day, w.start, zone), _instant(day, w.end, zone)
            if finish > begin and finish > start:
                yield max(begin, start), finish


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    if minutes >= 24 * 60:
        return _instant(day + timedelta(days=1), minutes - 24 * 60, zone)
    wall = time(minutes // 60, minutes % 60)
    when = run_at(day, wall, zone)  # a skipped wall time moves to the first minute after it
    assert when is not None
    return when


def _days(text: str, part: str) -> list[int]:
    names = [n.strip() for n in text.split("-")]
    found = []
    for name in names:
        if name not in _DAY_NAMES:
            raise AvailabilityError(f"“{part[:60]}”: “{name}” is not a day (Mon, Tue, … Sun).")
        found.append(_DAY_NAMES[name])
    if len(found) == 1:
        return found
    first, last = found
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _minutes(text: str, part: str, *, end: bool = False) -> int:
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text.strip())
    assert m is not None
    hour, minute, half = int(m[1]), int(m[2] or 0), m[3]
    if half:
        if not 1 <= hour <= 12:
            raise AvailabilityError(f"“{part[:60]}”: {text.strip()} is not a 12-hour time.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif m[2] is None:
        raise AvailabilityError(
            f"“{part[:60]}”: {text.strip()} needs minutes or am/pm (e.g. 18:00 or 6pm)."
        )
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not end)):
        raise AvailabilityError(f"“{part[:60]}”: {text.strip()} is not a time of day.")
    return hour * 60 + minute


def _merge(windows: list[Window]) -> list[Window]:
    """Overlapping or touching windows of a day become one."""
    merged: list[Window] = []
    for w in windows:
        last = merged[-1] if merged else None
        if last and last.weekday == w.weekday and w.start <= last.end:
            merged[-1] = Window(w.weekday, last.start, max(last.end, w.end))
        else:
            merged.append(w)
    return merged


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
