"""The daily pick: no repeats until the eligible bank is used up, then least recently asked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.selection import pick_question

T0 = 1000  # post ids grow with time


def run_days(eligible: list[int], days: int, seed: str = "g") -> list[int]:
    """Pick `days` questions in a row as the daily claim does, one a day."""
    last_asked: dict[int, int] = {}
    cycle = T0
    asked = []
    for day in range(days):
        now = T0 + day
        pick = pick_question(eligible, last_asked, cycle, f"{seed}:{day}")
        assert pick is not None
        if pick.new_cycle:
            cycle = now
        last_asked[pick.question_id] = now
        asked.append(pick.question_id)
    return asked


@given(
    st.sets(st.integers(1, 10_000), min_size=1, max_size=40),
    st.integers(1, 3),
    st.text(max_size=5),
)
def test_no_repeat_until_the_bank_is_used_up_and_cycles_keep_order(
    ids: set[int], cycles: int, seed: str
) -> None:
    eligible = sorted(ids)
    asked = run_days(eligible, len(eligible) * cycles, seed)
    for c in range(cycles):
        cycle = asked[c * len(eligible) : (c + 1) * len(eligible)]
        assert sorted(cycle) == eligible  # each question exactly once per cycle
    # Later cycles ask least recently asked first: the same order as the first cycle.
    for c in range(1, cycles):
        assert asked[c * len(eligible) : (c + 1) * len(eligible)] == asked[: len(eligible)]


def test_a_question_added_mid_cycle_comes_before_repeats() -> None:
    last = {1: T0, 2: T0 + 1}
    pick = pick_question([1, 2, 3], last, T0, "x")
    assert pick is not None and pick.question_id == 3 and not pick.new_cycle


def test_a_narrowed_filter_restarts_with_the_least_recently_asked() -> None:
    last = {1: T0 + 2, 2: T0 + 1, 5: T0}
    pick = pick_question([1, 2], last, T0 - 1, "x")
    assert pick is not None and pick.question_id == 2 and pick.new_cycle


def test_the_same_day_picks_the_same_question_and_nothing_eligible_picks_none() -> None:
    assert pick_question(range(50), {}, T0, "g:2026-03-02") == pick_question(
        range(50), {}, T0, "g:2026-03-02"
    )
    assert pick_question([], {}, T0, "x") is None
