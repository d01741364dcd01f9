"""What a question in `data/questions/*.yaml` may contain: one pydantic model and its limits.

Every limit comes from where the text is shown in Discord, so a question that validates can be
posted, revealed and put in an interviewer's packet without being cut. Cross-field rules
(an answer among the choices, open questions need a rubric) are field validators with
`validate_default=True`, so one validation reports every problem of a question at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

TRACKS = (
    "ml-fundamentals",
    "deep-learning",
    "statistics",
    "coding",
    "ml-system-design",
    "sql-data",
    "behavioral",
)
DIFFICULTIES = ("easy", "medium", "hard")
FORMATS = ("single", "multi", "open")
LETTERS = "ABCDEF"

Track = Literal[
    "ml-fundamentals",
    "deep-learning",
    "statistics",
    "coding",
    "ml-system-design",
    "sql-data",
    "behavioral",
]
Difficulty = Literal["easy", "medium", "hard"]
Format = Literal["single", "multi", "open"]


class Limit:
    """A length limit and the Discord surface it comes from, for the validator's messages."""

    def __init__(self, size: int, where: str) -> None:
        self.size = size
        self.where = where


LIMITS: dict[str, Limit] = {
    "id": Limit(64, "the database column"),
    "topic": Limit(100, "an autocomplete choice"),
    "prompt": Limit(4096, "an embed description"),
    "choices": Limit(100, "a select option label"),
    "explanation": Limit(1024, "an embed field at the reveal"),
    "reference_answer": Limit(1024, "an embed field"),
    "hints": Limit(256, "a line of the interviewer's packet"),
    "criterion": Limit(100, "an embed field name"),
    "score_1": Limit(400, "half of an embed field"),
    "score_4": Limit(400, "half of an embed field"),
    "tags": Limit(40, "a tag"),
    "source": Limit(255, "the database column"),
}
MIN_CHOICES, MAX_CHOICES = 2, 6
MAX_HINTS, MIN_OPEN_HINTS = 4, 2
MIN_RUBRIC, MAX_RUBRIC = 3, 4
MAX_TAGS = 10
EMBED_DESCRIPTION = 4096
# "All of the above" makes the key guessable from the options alone (WRITING.md).
_WRONG_KEY_FIELD = {
    "single": "a single question has one key: write `answer: B`, not `answers`",
    "multi": "a multi question lists its keys: write `answers: [A, C]`, not `answer`",
    "open": "an open question is not graded; remove the key",
}
_BANNED_CHOICE = re.compile(r"\b(all|none|both|neither) of (the )?(above|these)\b", re.IGNORECASE)


_BLOCK_START = re.compile(r"^\s*([-*+] |\d+[.)] |>|\||#)")


def reflow(text: str) -> str:
    """Join the hard line breaks a YAML block scalar keeps inside a paragraph.

    Writers wrap prose at ~90 columns; Discord would show every one of those breaks. Blank
    lines, list items, quotes, tables, headings and fenced code keep their line breaks.
    """
    out: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append(line)
            continue
        joinable = (
            not fenced
            and out
            and out[-1].strip()
            and not out[-1].lstrip().startswith("```")
            and line.strip()
            and not _BLOCK_START.match(line)
        )
        if joinable:
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _reflowed(value: str) -> str:
    return reflow(value) if isinstance(value, str) else value


def _text(field: str, min_length: int = 1) -> Any:
    limits = StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=LIMITS[field].size
    )
    return Annotated[str, limits, AfterValidator(_reflowed)]


Letter = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Fa-f]$")
]


class RubricCriterion(BaseModel):
    """One line of an open question's rubric: what a 1 and a 4 look like."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    criterion: _text("criterion")  # type: ignore[valid-type]
    score_1: _text("score_1")  # type: ignore[valid-type]
    score_4: _text("score_4")  # type: ignore[valid-type]


class QuestionSpec(BaseModel):
    """One question as written in a bank file. Field order matters: later validators read
    earlier fields (`format`, `choices`) from `info.data`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=64, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"
        ),
    ]
    track: Track
    topic: _text("topic")  # type: ignore[valid-type]
    difficulty: Difficulty
    format: Format
    prompt: _text("prompt")  # type: ignore[valid-type]
    choices: list[_text("choices")] | None = Field(default=None, validate_default=True)  # type: ignore[valid-type]
    answer: Letter | None = Field(default=None, validate_default=True)
    answers: list[Letter] | None = Field(default=None, validate_default=True)
    explanation: _text("explanation")  # type: ignore[valid-type]
    reference_answer: _text("reference_answer") | None = Field(default=None, validate_default=True)  # type: ignore[valid-type]
    hints: list[_text("hints")] = Field(default_factory=list, validate_default=True)  # type: ignore[valid-type]
    rubric: list[RubricCriterion] | None = Field(default=None, validate_default=True)
    tags: list[_text("tags")] = Field(default_factory=list, max_length=MAX_TAGS)  # type: ignore[valid-type]
    source: _text("source") | None = None  # type: ignore[valid-type]

    @field_validator("choices")
    @classmethod
    def _choices(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        fmt = info.data.get("format")
        if fmt == "open":
            if value is not None:
                raise ValueError("an open question has no choices; remove them")
            return value
        if fmt is None:
            return value
        if value is None:
            raise ValueError(f"missing; a {fmt} question needs {MIN_CHOICES}–{MAX_CHOICES} choices")
        if not MIN_CHOICES <= len(value) <= MAX_CHOICES:
            raise ValueError(
                f"{len(value)} given; a {fmt} question has {MIN_CHOICES}–{MAX_CHOICES}"
            )
        problems: list[str] = []
        seen: dict[str, int] = {}
        for index, choice in enumerate(value):
            if _BANNED_CHOICE.search(choice):
                problems.append(
                    f"{LETTERS[index]} ({choice!r}) is an 'all/none of the above' option"
                )
            key = choice.casefold()
            if key in seen:
                problems.append(
                    f"{LETTERS[seen[key]]} and {LETTERS[index]} are the same ({choice!r})"
                )
            seen.setdefault(key, index)
        prompt = info.data.get("prompt")
        if prompt is not None and len(render_body(prompt, value)) > EMBED_DESCRIPTION:
            problems.append(
                f"the prompt with its choices is {len(render_body(prompt, value))} characters; "
                f"the limit is {EMBED_DESCRIPTION} ({LIMITS['prompt'].where})"
            )
        if problems:
            # One line per problem: `describe` splits the message on newlines.
            raise ValueError("\n".join(problems))
        return value

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str | None, info: ValidationInfo) -> str | None:
        fmt = info.data.get("format")
        if fmt == "single":
            if value is None:
                raise ValueError("missing; a single question needs the letter of its key")
            _check_letters([value], info.data.get("choices"))
        elif value is not None and fmt is not None:
            raise ValueError(_WRONG_KEY_FIELD[fmt])
        return value

    @field_validator("answers")
    @classmethod
    def _answers(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        fmt = info.data.get("format")
        if fmt == "multi":
            if value is None:
                raise ValueError("missing; a multi question needs the letters of its keys")
            if len(set(value)) != len(value):
                raise ValueError(f"a letter is listed twice ({', '.join(value)})")
            if len(value) < 2:
                raise ValueError("a multi question has at least two keys (use single for one)")
            choices = info.data.get("choices")
            _check_letters(value, choices)
            if choices is not None and len(value) >= len(choices):
                raise ValueError("every choice is a key; leave at least one wrong choice")
            return sorted(value)
        if value is not None and fmt is not None:
            raise ValueError(_WRONG_KEY_FIELD[fmt])
        return value

    @field_validator("reference_answer")
    @classmethod
    def _reference(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("format") == "open" and value is None:
            raise ValueError("missing; an open question needs the points a strong answer covers")
        return value

    @field_validator("hints")
    @classmethod
    def _hints(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if len(value) > MAX_HINTS:
            raise ValueError(f"{len(value)} given; the most is {MAX_HINTS}")
        if info.data.get("format") == "open" and not value:
            raise ValueError(f"missing; an open question needs {MIN_OPEN_HINTS}–{MAX_HINTS} hints")
        if info.data.get("format") == "open" and len(value) < MIN_OPEN_HINTS:
            raise ValueError(
                f"{len(value)} given; an open question needs {MIN_OPEN_HINTS}–{MAX_HINTS}, from a "
                "nudge to a near-giveaway"
            )
        return value

    @field_validator("rubric")
    @classmethod
    def _rubric(
        cls, value: list[RubricCriterion] | None, info: ValidationInfo
    ) -> list[RubricCriterion] | None:
        fmt = info.data.get("format")
        if fmt == "open":
            if value is None:
                raise ValueError(
                    f"missing; an open question needs {MIN_RUBRIC}–{MAX_RUBRIC} criteria"
                )
            if not MIN_RUBRIC <= len(value) <= MAX_RUBRIC:
                raise ValueError(
                    f"{len(value)} criteria given; a rubric has {MIN_RUBRIC}–{MAX_RUBRIC}"
                )
        elif value is not None and fmt is not None:
            raise ValueError(f"only open questions have a rubric, and this one is {fmt}")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [tag.lower() for tag in value]

    # --- derived values -------------------------------------------------------------------

    @property
    def key_indexes(self) -> list[int] | None:
        """0-based indexes of the correct choices, as the database stores them."""
        if self.format == "single" and self.answer:
            return [LETTERS.index(self.answer)]
        if self.format == "multi" and self.answers:
            return [LETTERS.index(letter) for letter in self.answers]
        return None

    def content_hash(self) -> str:
        """A digest of everything a member or interviewer could see, to spot changed questions."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def render_body(prompt: str, choices: list[str] | None) -> str:
    """The prompt with its lettered choices, as the daily post's embed description shows it."""
    if not choices:
        return prompt
    lines = "\n".join(f"**{LETTERS[i]}.** {choice}" for i, choice in enumerate(choices))
    return f"{prompt}\n\n{lines}"


def _check_letters(letters: list[str], choices: list[str] | None) -> None:
    if choices is None:
        return
    valid = LETTERS[: len(choices)]
    for letter in letters:
        if letter not in valid:
            raise ValueError(
                f"{letter} is not among the {len(choices)} choices ({valid[0]}–{valid[-1]})"
            )
