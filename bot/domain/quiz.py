"""The rules of a live quiz round: limits, points, verdicts on clicks, standings, progress.

Pure: the service stores every fact (questions, deadlines, answers) in the database and asks
these functions what they mean, so a round survives a restart and every rule is testable
without Discord or a clock.

Fairness, as members would put it: everybody's time is measured the same way, from the
question's post to the click (both Discord snowflake times, so neither the bot's nor a
member's lag counts against them); the bot enforces the deadline itself, and a question is
closed a moment after its deadline so clicks already in flight are still judged on their
own time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

QUESTIONS = (1, 25)
DEFAULT_QUESTIONS = 10
SECONDS = (5, 120)
DEFAULT_SECONDS = 20
MAX_POINTS = 1000
MIN_POINTS = 500  # a correct answer at the deadline, with the speed bonus
# A question closes this long after its deadline: a click made in time but still on its
# way to the bot is judged by its own (snowflake) time, not turned away by the close.
CLOSE_GRACE = timedelta(seconds=1.5)
# The pause after a question closes (its key and distribution on screen) before the next.
BETWEEN_QUESTIONS = timedelta(seconds=4)
# The intro stays alone this long before the first question.
INTRO = timedelta(seconds=5)

RoundStatus = Literal["running", "finished", "stopped", "interrupted"]
ROUND_STATUSES: tuple[RoundStatus, ...] = ("running", "finished", "stopped", "interrupted")
Outcome = Literal["locked", "already", "late", "closed"]


class QuizRuleError(ValueError):
    """A value outside the round's limits (the service turns it into a member's error)."""


def check_limits(questions: int, seconds: int) -> None:
    low, high = QUESTIONS
    if not low <= questions <= high:
        raise QuizRuleError(f"`questions` must be between {low} and {high}.")
    low, high = SECONDS
    if not low <= seconds <= high:
        raise QuizRuleError(f"`seconds` must be between {low} and {high}.")


def points(*, correct: bool, elapsed: float, seconds: int, speed_bonus: bool) -> int:
    """round(1000 - 500 x elapsed / seconds) for a correct answer inside the window, flat 1000
    without the speed bonus, 0 when wrong. `elapsed` is clamped to the window (a click timed
    a hair before the post, by clock skew between Discord's machines, counts as instant)."""
    if not correct:
        return 0
    if not speed_bonus:
        return MAX_POINTS
    share = min(max(elapsed, 0.0), float(seconds)) / seconds
    return round(MAX_POINTS - (MAX_POINTS - MIN_POINTS) * share)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    correct: bool = False
    points: int = 0
    elapsed: float = 0.0


def judge(
    *,
    posted_at: datetime,
    clicked_at: datetime,
    seconds: int,
    speed_bonus: bool,
    choice: int,
    key: int,
    already: bool,
    closed: bool,
) -> Verdict:
    """What a click is worth. The first click counts; a later one changes nothing ("already",
    checked first so a member is never told "late" about an answer they did give). A click
    timed after the deadline, or one reaching a closed question, scores nothing."""
    if already:
        return Verdict("already")
    elapsed = (clicked_at - posted_at).total_seconds()
    if closed:
        return Verdict("closed", elapsed=elapsed)
    if elapsed > seconds:
        return Verdict("late", elapsed=elapsed)
    correct = choice == key
    earned = points(correct=correct, elapsed=elapsed, seconds=seconds, speed_bonus=speed_bonus)
    return Verdict("locked", correct, earned, max(elapsed, 0.0))


@dataclass(frozen=True)
class Answer:
    member_id: int
    correct: bool
    points: int
    elapsed: float


@dataclass(frozen=True)
class Score:
    member_id: int
    points: int
    correct: int
    answered: int
    correct_time: float  # seconds: the sum of the times of correct answers (the tie-break)


@dataclass(frozen=True)
class Placed:
    rank: int
    score: Score


def tally(answers: Iterable[Answer]) -> dict[int, Score]:
    totals: dict[int, list[float]] = {}
    for a in answers:
        t = totals.setdefault(a.member_id, [0, 0, 0, 0.0])
        t[0] += a.points
        t[1] += 1 if a.correct else 0
        t[2] += 1
        t[3] += a.elapsed if a.correct else 0.0
    return {m: Score(m, int(p), int(c), int(n), round(s, 3)) for m, (p, c, n, s) in totals.items()}


def standings(scores: Iterable[Score]) -> list[Placed]:
    """Most points first; equal points rank by the shorter total time of correct answers;
    equal on both share a rank (1, 1, 3). Member id only keeps the order stable."""
    ordered = sorted(scores, key=lambda s: (-s.points, s.correct_time, s.member_id))
    placed: list[Placed] = []
    for i, score in enumerate(ordered):
        previous = placed[-1] if placed else None
        tied = previous is not None and (previous.score.points, previous.score.correct_time) == (
            score.points,
            score.correct_time,
        )
        placed.append(Placed(previous.rank if tied and previous else i + 1, score))
    return placed


Step = Literal["close", "open", "finish"]


def next_step(
    *,
    status: RoundStatus,
    position: int,
    total: int,
    deadline: datetime | None,
    closed: bool,
    next_open_at: datetime | None,
    now: datetime,
) -> Step | None:
    """The round as a state machine, read from what is stored. `position` is the question on
    screen (-1 during the intro); `deadline` and `closed` are that question's. A running
    round closes its question once the deadline and the grace have passed, then waits for
    `next_open_at` (the pause) and opens the next question, or finishes after the last. An
    ended round (finished, stopped, interrupted) does nothing more."""
    if status != "running":
        return None
    if position >= 0 and not closed:
        if deadline is not None and deadline + CLOSE_GRACE <= now:
            return "close"
        return None
    if next_open_at is None or next_open_at > now:
        return None
    return "open" if position + 1 < total else "finish"


def after_close(position: int, total: int) -> Literal["next", "finish"]:
    """Positions count from 0: after the last question the round is finished."""
    return "next" if position + 1 < total else "finish"


def can_end(status: RoundStatus) -> bool:
    """Only a running round can end (finish, stop or be interrupted), and only once."""
    return status == "running"
