"""The blind second reading every bank file gets before it ships (data/questions/README.md).

`sheet` prints the questions without keys, explanations or hints; the reader answers in a small
YAML file (`id: B`, `id: [A, C]`); `disagreements` lists every question where the reader and the
key differ. Each disagreement is then settled by fixing the question, not by overruling the reader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.bank.schema import LETTERS, QuestionSpec, render_body


def sheet(specs: Sequence[QuestionSpec]) -> str:
    """The questions as a reader sees them before answering: prompt and choices only."""
    parts = []
    for spec in specs:
        kind = {"single": "one answer", "multi": "several answers", "open": "open"}[spec.format]
        parts.append(
            f"### {spec.id} ({spec.difficulty}, {kind})\n\n{render_body(spec.prompt, spec.choices)}"
        )
    return "\n\n".join(parts) + "\n"


def disagreements(specs: Sequence[QuestionSpec], answers: Mapping[str, object]) -> list[str]:
    """One line per graded question where the reader and the key differ (or no answer)."""
    lines = []
    for spec in specs:
        if spec.format == "open":
            continue
        key = sorted(LETTERS[i] for i in spec.key_indexes or [])
        given = answers.get(spec.id)
        if given is None:
            lines.append(f"{spec.id}: not answered by the reader")
            continue
        letters = given if isinstance(given, list) else str(given).replace(",", " ").split()
        mine = sorted(str(letter).strip().upper() for letter in letters)
        if mine != key:
            lines.append(
                f"{spec.id}: reader answered {', '.join(mine)}; the key is {', '.join(key)}"
            )
    return lines
