"""The session rules: other times to pick, reminders decided once, the no-show pause, trends."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import interviews as rules
from bot.domain.matching import MIN_OVERLAP

NOW = datetime(2026, 3, 2, 12, 7, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_other_times_start_on_the_half_hour_inside_the_common_time() -> None:
    common = [(NOW + timedelta(minutes=10), NOW + 3 * HOUR), (NOW + 26 * HOUR, NOW + 27.5 * HOUR)]
    options = rules.slot_options(common, NOW)
    starts = [s for s, _ in options]
    # 12:07 + 30 min lead -> 12:37 -> 13:00 is the first half-hour start; the hour must fit.
    assert starts == [
        datetime(2026, 3, 2, 13, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 13, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),  # 14:30 would end after 15:07
        datetime(2026, 3, 3, 14, 30, tzinfo=UTC),
    ]
    assert all(e - s == MIN_OVERLAP for s, e in options)
    assert options[-1] == (
        datetime(2026, 3, 3, 14, 30, tzinfo=UTC),
        datetime(2026, 3, 3, 15, 30, tzinfo=UTC),
    )
    current = starts[1]
    assert current not in [s for s, _ in rules.slot_options(common, NOW, current)]


@given(
    st.lists(
        st.tuples(st.integers(0, 7 * 24 * 60), st.integers(30, 12 * 60)), min_size=0, max_size=20
    )
)
def test_other_times_always_fit_and_never_exceed_a_select(spans: list[tuple[int, int]]) -> None:
    merged: list[tuple[datetime, datetime]] = []
    for start, length in sorted(spans):
        s, e = NOW + timedelta(minutes=start), NOW + timedelta(minutes=start + length)
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    options = rules.slot_options(merged, NOW)
    assert len(options) <= rules.SLOT_CHOICES
    assert options == sorted(set(options)), "in order, no repeats"
    for s, e in options:
        assert s >= NOW + rules.SLOT_LEAD and s.minute in (0, 30) and s.second == 0
        assert any(cs <= s and e <= ce for cs, ce in merged)


START = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)


def test_reminders_come_due_in_order_and_once() -> None:
    confirmed = START - timedelta(days=3)
    assert rules.due_reminders(START, confirmed, START - timedelta(hours=25)) == []
    day = rules.due_reminders(START, confirmed, START - timedelta(hours=24))
    assert day == [rules.DueReminder("day", True)]
    assert rules.due_reminders(START, confirmed, START - HOUR, {"day"}) == []
    soon = rules.due_reminders(START, confirmed, START - timedelta(minutes=15), {"day"})
    assert soon == [rules.DueReminder("soon", True)]
    assert rules.due_reminders(START, confirmed, START, {"day", "soon"}) == []


def test_a_reminder_whose_moment_passed_is_decided_unsent() -> None:
    late = START - 3 * HOUR  # confirmed three hours before: "tomorrow" would be wrong
    assert rules.due_reminders(START, late, late) == [rules.DueReminder("day", False)]
    # After a long outage: the day reminder is stale once the 15-minute one is due.
    early = START - timedelta(days=3)
    assert rules.due_reminders(START, early, START - timedelta(minutes=5)) == [
        rules.DueReminder("day", False),
        rules.DueReminder("soon", True),
    ]
    assert rules.due_reminders(START, early, START + HOUR) == [
        rules.DueReminder("day", False),
        rules.DueReminder("soon", False),
    ]


@given(
    st.integers(-3 * 24 * 60, 2 * 60),  # confirmed, minutes from the start
    st.lists(st.integers(-3 * 24 * 60, 3 * 60), min_size=1, max_size=8),  # sweep times
)
def test_each_reminder_is_decided_exactly_once_and_sent_at_most_once(
    confirmed_offset: int, sweeps: list[int]
) -> None:
    confirmed = START + timedelta(minutes=confirmed_offset)
    claimed: dict[str, bool] = {}
    for offset in sorted(sweeps):
        now = START + timedelta(minutes=offset)
        if now < confirmed:
            continue
        for due in rules.due_reminders(START, confirmed, now, claimed):
            assert due.kind not in claimed
            claimed[due.kind] = due.send
            if due.send:
                before = dict(rules.REMINDERS)[due.kind]
                assert START - before <= now < START, "sent in its own window, never late"
                assert confirmed <= START - before, "never for a moment before confirmation"


def test_two_counted_no_shows_within_30_days_pause_for_14_days() -> None:
    first = NOW - timedelta(days=29)
    assert rules.pause_until([first], NOW) is None
    assert rules.pause_until([first, NOW], NOW) == NOW + rules.PAUSE
    assert rules.pause_until([NOW - timedelta(days=30), NOW], NOW) is None, "a month apart"
    assert rules.pause_until([NOW + HOUR, NOW], NOW) is None, "a future report is not counted"


def test_scores_must_cover_the_rubric_one_to_four() -> None:
    rules.check_scores({"problem_solving": 1, "communication": 4, "technical_depth": 2})
    for bad in (
        {"problem_solving": 1, "communication": 4},
        {"problem_solving": 1, "communication": 4, "technical_depth": 5},
        {"problem_solving": 0, "communication": 4, "technical_depth": 2},
        {"problem_solving": 1, "communication": 4, "technical_depth": 2, "extra": 3},
    ):
        with pytest.raises(ValueError):
            rules.check_scores(bad)


def test_trends_average_each_session_and_compare_first_with_last() -> None:
    a = {"problem_solving": 2, "communication": 3, "technical_depth": 1}
    b = {"problem_solving": 4, "communication": 3, "technical_depth": 2}
    c = {"problem_solving": 3, "communication": 2, "technical_depth": 4}
    solving, talking, depth = rules.trends([[a], [b, c]])
    assert solving.series == (2.0, 3.5) and solving.mean == 2.75 and solving.change == 1.5
    assert talking.series == (3.0, 2.5) and talking.change == -0.5
    assert depth.name == "Technical depth" and depth.series == (1.0, 3.0)
    (only,) = [t for t in rules.trends([[a]]) if t.key == "problem_solving"]
    assert only.change is None and only.mean == 2.0
    empty = rules.trends([[]])
    assert all(math.isnan(t.series[0]) and t.mean is None for t in empty)
