"""Quiz rules: points at the boundaries, verdicts on clicks, standings and ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import quiz
from bot.domain.quiz import Answer, Score, judge, points, standings, tally

POSTED = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def click(after: float, *, choice: int = 0, already: bool = False, closed: bool = False):
    return judge(
        posted_at=POSTED,
        clicked_at=POSTED + timedelta(seconds=after),
        seconds=20,
        speed_bonus=True,
        choice=choice,
        key=0,
        already=already,
        closed=closed,
    )


def test_points_at_the_boundaries() -> None:
    assert points(correct=True, elapsed=0, seconds=20, speed_bonus=True) == 1000
    assert points(correct=True, elapsed=10, seconds=20, speed_bonus=True) == 750
    assert points(correct=True, elapsed=20, seconds=20, speed_bonus=True) == 500
    assert points(correct=True, elapsed=-0.2, seconds=20, speed_bonus=True) == 1000
    assert points(correct=True, elapsed=19.99, seconds=20, speed_bonus=False) == 1000
    assert points(correct=False, elapsed=1, seconds=20, speed_bonus=True) == 0
    assert points(correct=True, elapsed=1.234, seconds=7, speed_bonus=True) == round(
        1000 - 500 * 1.234 / 7
    )


@given(st.floats(0, 120), st.floats(0, 120), st.integers(5, 120))
def test_a_faster_correct_answer_never_earns_less(a: float, b: float, seconds: int) -> None:
    fast, slow = sorted((min(a, seconds), min(b, seconds)))
    earn = [
        points(correct=True, elapsed=t, seconds=seconds, speed_bonus=True) for t in (fast, slow)
    ]
    assert 500 <= earn[1] <= earn[0] <= 1000


def test_verdicts_first_click_late_closed_and_duplicates() -> None:
    assert click(4).outcome == "locked" and click(4).points == 900 and click(4).correct
    assert click(4, choice=1).points == 0 and click(4, choice=1).outcome == "locked"
    assert click(20).outcome == "locked" and click(20).points == 500, "the deadline still counts"
    assert click(20.001).outcome == "late" and click(20.001).points == 0
    assert click(3, already=True).outcome == "already"
    assert click(25, already=True).outcome == "already", "never 'late' about a given answer"
    assert click(3, closed=True).outcome == "closed" and click(3, closed=True).points == 0


def test_standings_rank_by_points_then_time_of_correct_answers() -> None:
    scores = tally(
        [
            Answer(1, True, 900, 4.0),
            Answer(1, False, 0, 2.0),
            Answer(2, True, 900, 4.0),
            Answer(3, True, 950, 2.0),
            Answer(4, True, 600, 16.0),
            Answer(4, True, 300 + 0, 1.0),
            Answer(5, True, 900, 3.0),
        ]
    )
    assert scores[1] == Score(1, 900, 1, 2, 4.0), "a wrong answer's time does not count"
    placed = [(p.rank, p.score.member_id) for p in standings(scores.values())]
    assert placed == [(1, 3), (2, 5), (3, 1), (3, 2), (5, 4)]


def test_limits() -> None:
    quiz.check_limits(1, 5)
    quiz.check_limits(25, 120)
    for questions, seconds in [(0, 20), (26, 20), (10, 4), (10, 121)]:
        with pytest.raises(quiz.QuizRuleError):
            quiz.check_limits(questions, seconds)


def test_progress_and_ending_once() -> None:
    assert [quiz.after_close(i, 3) for i in range(3)] == ["next", "next", "finish"]
    assert quiz.can_end("running")
    assert not any(quiz.can_end(s) for s in ("finished", "stopped", "interrupted"))


def test_the_round_moves_intro_question_close_pause_next_and_finish() -> None:
    t0 = POSTED

    def at(**kw):
        values = {
            "status": "running",
            "position": -1,
            "total": 2,
            "deadline": None,
            "closed": True,
            "next_open_at": t0 + quiz.INTRO,
            "now": t0,
        }
        values.update(kw)
        return quiz.next_step(**values)

    assert at() is None, "the intro stays alone"
    assert at(now=t0 + quiz.INTRO) == "open"
    deadline = t0 + timedelta(seconds=30)
    on_screen = {"position": 0, "closed": False, "deadline": deadline, "next_open_at": None}
    assert at(**on_screen, now=deadline) is None, "clicks in flight still count"
    assert at(**on_screen, now=deadline + quiz.CLOSE_GRACE) == "close"
    pause = deadline + quiz.CLOSE_GRACE + quiz.BETWEEN_QUESTIONS
    assert at(position=0, next_open_at=pause, now=pause - timedelta(seconds=1)) is None
    assert at(position=0, next_open_at=pause, now=pause) == "open"
    assert at(position=1, next_open_at=pause, now=pause) == "finish"


def test_a_stopped_round_does_nothing_more_and_refuses_clicks_mid_question() -> None:
    deadline = POSTED + timedelta(seconds=20)
    for status in ("stopped", "interrupted", "finished"):
        assert (
            quiz.next_step(
                status=status,
                position=0,
                total=3,
                deadline=deadline,
                closed=False,
                next_open_at=None,
                now=deadline + timedelta(hours=1),
            )
            is None
        )
    # Stopped with the question still on screen: a click inside its window scores nothing.
    verdict = click(3, closed=True)
    assert (verdict.outcome, verdict.points) == ("closed", 0)
