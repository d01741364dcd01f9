"""The bank we ship: every file validates and the content meets the minimums of the plan."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from bot.bank.files import bank_files, load_files
from bot.bank.schema import TRACKS, QuestionSpec
from bot.settings import DEFAULT_QUESTIONS_DIR

FILES = bank_files(DEFAULT_QUESTIONS_DIR)
REPORT = load_files(FILES)
SPECS = REPORT.specs
# "What happens when…", "why…", "which change would…": questions about reasoning, not recall.
REASONING = re.compile(r"\b(what happens|why|which change|what would|what will)\b", re.IGNORECASE)


def test_every_shipped_file_validates() -> None:
    assert [str(p) for p in REPORT.problems] == []
    assert {f.stem for f in FILES} == set(TRACKS), "one file per track, named after it"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_holds_its_own_track(path) -> None:
    assert {q.spec.track for q in REPORT.questions if q.path == str(path)} == {path.stem}


def test_at_least_200_questions_and_15_per_track() -> None:
    assert len(SPECS) >= 200
    per_track = Counter(q.track for q in SPECS)
    assert {t: n for t, n in per_track.items() if n < 15} == {}
    assert set(per_track) == set(TRACKS)


def test_every_track_has_six_open_questions_and_behavioral_is_all_open() -> None:
    open_per_track = Counter(q.track for q in SPECS if q.format == "open")
    assert {t: open_per_track[t] for t in TRACKS if open_per_track[t] < 6} == {}
    assert {q.format for q in SPECS if q.track == "behavioral"} == {"open"}


def test_a_third_of_graded_questions_ask_about_reasoning() -> None:
    graded = [q for q in SPECS if q.format != "open"]
    reasoning = [q for q in graded if REASONING.search(q.prompt)]
    assert len(reasoning) * 3 >= len(graded), f"{len(reasoning)} of {len(graded)}"


def test_every_difficulty_is_used_in_every_track() -> None:
    for track in TRACKS:
        assert {q.difficulty for q in SPECS if q.track == track} == {"easy", "medium", "hard"}, (
            track
        )


def test_keys_are_spread_over_positions() -> None:
    """A bank whose key is usually B teaches guessing (WRITING.md)."""
    positions = Counter(q.key_indexes[0] for q in SPECS if q.format == "single")
    total = sum(positions.values())
    assert max(positions.values()) <= 0.4 * total, positions


def test_topics_are_reused_so_members_can_filter_by_them() -> None:
    """A topic with one question makes a useless filter for /daily or /quiz."""
    for track in TRACKS:
        topics = Counter(q.topic for q in SPECS if q.track == track)
        assert len(topics) <= 15, (track, sorted(topics))
        assert [t for t, n in topics.items() if n < 2] == [], track


def test_ids_carry_their_track_prefix() -> None:
    prefixes = {
        "ml-fundamentals": "mlf-",
        "deep-learning": "dl-",
        "statistics": "stat-",
        "coding": "code-",
        "ml-system-design": "mlsd-",
        "sql-data": "sql-",
        "behavioral": "beh-",
    }
    wrong = [q.id for q in SPECS if not q.id.startswith(prefixes[q.track])]
    assert wrong == []


def spec_is_open_and_complete(q: QuestionSpec) -> bool:
    return bool(q.reference_answer and len(q.hints) >= 2 and q.rubric and len(q.rubric) >= 3)


def test_open_questions_carry_everything_an_interviewer_needs() -> None:
    assert [q.id for q in SPECS if q.format == "open" and not spec_is_open_and_complete(q)] == []
