"""The blind reader's sheet hides every key, and the comparison finds each disagreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bank.cli import check_answers, print_sheet
from tests.banks.test_validator import GOOD, OPEN, write

MULTI = (
    GOOD.replace("code-good-one", "code-multi")
    .replace("format: single", "format: multi")
    .replace("answer: A", "answers: [A, C]")
    .replace(
        "    - It becomes twice as slow\n",
        "    - It becomes twice as slow\n    - It needs no rehash on average\n",
    )
)


def test_the_sheet_shows_prompts_and_choices_but_no_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD + OPEN)
    assert print_sheet([path]) == 0
    out = capsys.readouterr().out
    assert "### code-good-one (easy, one answer)" in out
    assert "**B.** It becomes twice as slow" in out
    assert "### beh-open-one (medium, open)" in out
    for hidden in ("Clear stakes", "Hashing finds the slot", "Clear STAR", "Ask for the stakes"):
        assert hidden not in out


def test_check_answers_lists_each_disagreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bank = write(tmp_path, GOOD + MULTI + OPEN)
    agree = write(tmp_path, "code-good-one: a\ncode-multi: [C, A]\n", "agree.yaml")
    assert check_answers(agree, [bank]) == 0
    assert capsys.readouterr().out.strip() == "2 of 2 graded questions agree."

    differ = write(tmp_path, "code-multi: A\n", "differ.yaml")
    assert check_answers(differ, [bank]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "code-good-one: not answered by the reader",
        "code-multi: reader answered A; the key is A, C",
        "0 of 2 graded questions agree.",
    ]


def test_the_sheet_refuses_files_with_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace("answer: A", "answer: Q"))
    assert print_sheet([path]) == 1
    assert "answer 'Q' is not a choice letter" in capsys.readouterr().out
