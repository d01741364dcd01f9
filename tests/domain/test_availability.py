"""Availability text: what members type, what it means in their week, and precise errors."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.availability import AvailabilityError, Window, describe, occurrences, parse


def test_day_ranges_several_windows_and_twelve_hour_times() -> None:
    windows = parse("Mon-Fri 18:00-21:00, Sat 10am-1pm 3:30pm-5pm; sunday 9:00-9:45")
    assert describe(windows) == (
        "Mon 18:00-21:00, Tue 18:00-21:00, Wed 18:00-21:00, Thu 18:00-21:00, Fri 18:00-21:00, "
        "Sat 10:00-13:00, Sat 15:30-17:00, Sun 09:00-09:45"
    )
    assert parse("none") == [] and parse("  None ") == []
    assert parse("Fri-Mon 20:00-22:00") == [Window(d, 1200, 1320) for d in (0, 4, 5, 6)]
    assert parse("Sat 10:00-12:00, Sat 11:00-14:00") == [Window(5, 600, 840)], "overlaps merge"
    assert parse("Sun 22:00-24:00") == [Window(6, 1320, 1440)]
    assert parse("Mon 12am-1am, Tue 12pm-1pm") == [Window(0, 0, 60), Window(1, 720, 780)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Nothing to read"),
        ("Mon 18:00", "write a day or days, then times"),
        ("Funday 18:00-20:00", "“funday” is not a day"),
        ("Mon 21:00-18:00", "ends before it starts"),
        ("Mon 25:00-26:00", "25:00 is not a time of day"),
        ("Mon 18-20", "needs minutes or am/pm"),
        ("Mon 13pm-2pm", "13pm is not a 12-hour time"),
        ("Mon 18:00-21:00, Tue 9:00", "“tue 9:00”"),
    ],
)
def test_problems_name_the_part_and_why(text: str, expected: str) -> None:
    with pytest.raises(AvailabilityError, match=expected):
        parse(text)


def test_windows_keep_their_local_meaning_across_dst() -> None:
    """18:00-21:00 in Berlin is 17:00 UTC before the change of 29 March 2026 and 16:00 after."""
    berlin = ZoneInfo("Europe/Berlin")
    windows = parse("Sat-Sun 18:00-21:00")
    start = datetime(2026, 3, 27, tzinfo=UTC)
    starts = [s for s, _ in occurrences(windows, berlin, start, days=8)]
    assert starts == [
        datetime(2026, 3, 28, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 16, 0, tzinfo=UTC),
        datetime(2026, 4, 4, 16, 0, tzinfo=UTC),
    ]
    # A window inside the skipped hour starts at the first minute after it.
    (first,) = list(
        occurrences(parse("Sun 2:30am-3:30am"), berlin, datetime(2026, 3, 28, 12, tzinfo=UTC), 1)
    )
    assert first == (
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    )


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 1438), st.integers(1, 600)),
        min_size=1,
        max_size=10,
    )
)
def test_what_is_shown_reads_back_as_the_same_windows(raw: list[tuple[int, int, int]]) -> None:
    windows = parse(", ".join(Window(d, s, min(s + n, 1440)).describe() for d, s, n in raw))
    assert parse(describe(windows)) == windows
    assert all(0 <= w.start < w.end <= 1440 for w in windows)
