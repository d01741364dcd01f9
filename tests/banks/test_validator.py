"""The validator's messages: one precise line per problem, with file, line and question id."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.bank.cli import validate
from bot.bank.files import load_files

GOOD = """\
- id: code-good-one
  track: coding
  topic: complexity
  difficulty: easy
  format: single
  prompt: What happens to a dict lookup when the dict doubles in size?
  choices:
    - It stays constant time on average
    - It becomes twice as slow
  answer: A
  explanation: Hashing finds the slot directly, so the size does not matter on average.
"""

OPEN = """\
- id: beh-open-one
  track: behavioral
  topic: conflict
  difficulty: medium
  format: open
  prompt: Tell me about a disagreement.
  reference_answer: Clear stakes, evidence, outcome.
  hints: [Ask for the stakes., Ask for the evidence.]
  rubric:
    - {criterion: Structure, score_1: Rambling., score_4: Clear STAR.}
    - {criterion: Evidence, score_1: Opinion only., score_4: Data and a prototype.}
    - {criterion: Outcome, score_1: None., score_4: Measured result and reflection.}
  explanation: Interviewers listen for evidence over opinion.
"""


def write(tmp_path: Path, text: str, name: str = "bank.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    return [str(p).replace(path, "F") for p in load_files([path]).problems]


def test_a_valid_file_has_no_problems_and_keeps_yaml_words_as_text(tmp_path: Path) -> None:
    text = GOOD.replace("It stays constant time on average", "no").replace(
        "It becomes twice as slow", "1.0"
    )
    report = load_files([write(tmp_path, text + OPEN)])
    assert report.problems == []
    single, open_ = report.specs
    assert single.choices == ["no", "1.0"]
    assert single.key_indexes == [0]
    assert open_.rubric is not None and len(open_.rubric) == 3


def test_missing_field(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  explanation: Hashing finds the slot directly, so the size does not matter on average.\n",
        "",
    )
    assert problems(tmp_path, text) == ["F:1: code-good-one: missing `explanation`"]


def test_answer_not_among_choices(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD.replace("answer: A", "answer: D")) == [
        "F:10: code-good-one: answer: D is not among the 2 choices (A–B)"
    ]


@pytest.mark.parametrize(
    ("field", "old", "new", "message"),
    [
        ("track", "track: coding", "track: cooking", "track 'cooking' is not one of"),
        (
            "difficulty",
            "difficulty: easy",
            "difficulty: trivial",
            "difficulty 'trivial' is not one of",
        ),
        ("format", "format: single", "format: essay", "format 'essay' is not one of"),
    ],
)
def test_unknown_enum_values(tmp_path: Path, field: str, old: str, new: str, message: str) -> None:
    lines = problems(tmp_path, GOOD.replace(old, new))
    line = GOOD.splitlines().index(f"  {old}") + 1
    assert len(lines) == 1
    assert lines[0].startswith(f"F:{line}: code-good-one: {message}")


def test_too_many_and_too_few_choices(tmp_path: Path) -> None:
    many = GOOD.replace(
        "    - It becomes twice as slow\n",
        "".join(f"    - Option {n}\n" for n in range(1, 7)),
    )
    one = GOOD.replace("    - It becomes twice as slow\n", "")
    assert problems(tmp_path, many) == [
        "F:7: code-good-one: choices: 7 given; a single question has 2–6"
    ]
    assert problems(tmp_path, one) == [
        "F:7: code-good-one: choices: 1 given; a single question has 2–6"
    ]


def test_text_over_discord_limits_names_the_limit_and_where(tmp_path: Path) -> None:
    explanation = "y" * 1100
    text = GOOD.replace("It becomes twice as slow", "x" * 101).replace(
        "Hashing finds the slot directly, so the size does not matter on average.", explanation
    )
    assert problems(tmp_path, text) == [
        "F:7: code-good-one: choices[2] is 101 characters; the limit is 100 "
        "(a select option label)",
        "F:11: code-good-one: explanation is 1100 characters; the limit is 1024 "
        "(an embed field at the reveal)",
    ]


def test_prompt_and_choices_together_must_fit_an_embed(tmp_path: Path) -> None:
    text = GOOD.replace("prompt: What happens", "prompt: " + "z" * 4000 + " What happens")
    (line,) = problems(tmp_path, text)
    assert line.startswith("F:7: code-good-one: choices: the prompt with its choices is ")
    assert line.endswith("the limit is 4096 (an embed description)")


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    first = write(tmp_path, GOOD, "a.yaml")
    second = write(tmp_path, "# another file\n" + GOOD, "b.yaml")
    report = load_files([first, second])
    assert [str(p) for p in report.problems] == [
        f"{second}:2: code-good-one: duplicate id; first used at {first}:1"
    ]
    assert len(report.questions) == 1


def test_malformed_yaml_reports_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("  topic: complexity", '  topic: "complexity')
    (line,) = problems(tmp_path, text)
    assert line.startswith("F:")
    assert "malformed YAML" in line
    assert "starts on line 3" in line


def test_open_question_rules(tmp_path: Path) -> None:
    text = (
        OPEN.replace("  hints: [Ask for the stakes., Ask for the evidence.]\n", "")
        .replace(
            "    - {criterion: Outcome, score_1: None., "
            "score_4: Measured result and reflection.}\n",
            "",
        )
        .replace("  reference_answer: Clear stakes, evidence, outcome.\n", "  answer: B\n")
    )
    assert problems(tmp_path, text) == [
        "F:1: beh-open-one: missing `reference_answer`: an open question needs the points a "
        "strong answer covers",
        "F:1: beh-open-one: missing `hints`: an open question needs 2–4 hints",
        "F:7: beh-open-one: answer: an open question is not graded; remove the key",
        "F:8: beh-open-one: rubric: 2 criteria given; a rubric has 3–4",
    ]


def test_multi_rules_and_several_problems_in_one_field(tmp_path: Path) -> None:
    text = (
        GOOD.replace("format: single", "format: multi")
        .replace("answer: A", "answers: [A, B]")
        .replace(
            "    - It becomes twice as slow\n",
            "    - None of the above\n    - It stays constant TIME on average\n",
        )
    )
    assert problems(tmp_path, text) == [
        "F:7: code-good-one: choices: B ('None of the above') is an 'all/none of the above' option",
        "F:7: code-good-one: choices: A and C are the same ('It stays constant TIME on average')",
    ]
    text = GOOD.replace("format: single", "format: multi").replace("answer: A", "answers: [A, B]")
    assert problems(tmp_path, text) == [
        "F:10: code-good-one: answers: every choice is a key; leave at least one wrong choice"
    ]
    assert (
        problems(tmp_path, GOOD.replace("format: single", "format: multi"))
        == [
            "F:10: code-good-one: answer: a multi question lists its keys: "
            "write `answers: [A, C]`, not `answer`",
            "F:1: code-good-one: missing `answers`: a multi question needs the letters of its keys",
        ][::-1]
    )


def test_unknown_and_repeated_fields(tmp_path: Path) -> None:
    text = GOOD.replace("  answer: A\n", "  answer: A\n  explaination: typo\n  answer: B\n")
    assert problems(tmp_path, text) == [
        "F:11: code-good-one: unknown field `explaination` (a typo? see data/questions/README.md)",
        "F:12: code-good-one: `answer` is written twice (line 10)",
    ]


def test_bad_id_and_non_mapping_items(tmp_path: Path) -> None:
    text = GOOD.replace("id: code-good-one", "id: Code Good") + "- just a string\n"
    assert problems(tmp_path, text) == [
        "F:1: Code Good: id 'Code Good' must be 3–64 lowercase letters, digits and dashes",
        "F:12: item 2: expected a question (a mapping of fields)",
    ]


def test_files_that_are_not_a_list_empty_or_missing(tmp_path: Path) -> None:
    mapping = write(tmp_path, "id: x\n", "mapping.yaml")
    empty = write(tmp_path, "# nothing yet\n", "empty.yaml")
    missing = str(tmp_path / "missing.yaml")
    assert [str(p) for p in load_files([mapping, empty, missing]).problems] == [
        f"{mapping}:1: expected a list of questions (- id: ...)",
        f"{empty}: the file has no questions",
        f"{missing}: no such file",
    ]


def test_the_command_prints_every_problem_counts_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, GOOD + OPEN, "good.yaml")
    assert validate([good]) == 0
    out = capsys.readouterr().out
    assert "coding                1       1       0       0" in out
    assert "behavioral            1       0       0       1" in out
    assert out.rstrip().endswith("2 valid questions in 1 file; no problems.")

    bad = write(
        tmp_path, GOOD.replace("answer: A", "answer: Z").replace("easy", "trivial"), "bad.yaml"
    )
    assert validate([good, bad]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{bad}:1: code-good-one: duplicate id; first used at {good}:1"
    assert out[1].startswith(f"{bad}:4: code-good-one: difficulty 'trivial'")
    assert out[2] == f"{bad}:10: code-good-one: answer 'Z' is not a choice letter (A–F)"
    assert out[-1] == "2 valid questions in 2 files; 3 problems."


def test_prose_line_breaks_are_joined_but_code_lists_and_tables_keep_theirs(
    tmp_path: Path,
) -> None:
    text = GOOD.replace(
        "  prompt: What happens to a dict lookup when the dict doubles in size?\n",
        "  prompt: |\n    What happens to a dict lookup\n    when the dict doubles in size?\n\n"
        "    ```python\n    d = {}\n    d[1] = 2\n    ```\n\n    - first\n      continued\n"
        "    - second\n",
    )
    (spec,) = load_files([write(tmp_path, text)]).specs
    assert spec.prompt == (
        "What happens to a dict lookup when the dict doubles in size?\n\n"
        "```python\nd = {}\nd[1] = 2\n```\n\n- first continued\n- second"
    )
