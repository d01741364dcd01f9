"""Reading bank files: YAML with every value as text, each problem tied to a file, line and id.

PyYAML would turn `no` into False and `1.0` into a float; the loader here resolves no implicit
types at all, so what a writer typed is what the model sees. Nodes are converted by hand to keep
the line of every question and field for the validator's messages, and to catch a key written
twice in one question, which YAML would otherwise silently resolve to the last one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.bank.schema import LIMITS, MAX_TAGS, TRACKS, QuestionSpec

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that resolves no implicit types: every scalar is text."""

    yaml_implicit_resolvers: dict[str, list[Any]] = {}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    item: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.item}: {self.message}" if self.item else f"{where}: {self.message}"


@dataclass(frozen=True)
class LoadedQuestion:
    spec: QuestionSpec
    path: str
    line: int


@dataclass
class BankReport:
    """The outcome of reading a set of files: the valid questions and every problem found."""

    questions: list[LoadedQuestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def specs(self) -> list[QuestionSpec]:
        return [q.spec for q in self.questions]

    def counts(self) -> dict[str, Counter[str]]:
        """Valid questions per track and format, every track listed even when empty."""
        table: dict[str, Counter[str]] = {track: Counter() for track in TRACKS}
        for q in self.questions:
            table[q.spec.track][q.spec.format] += 1
        return table


@dataclass
class _Node:
    """A converted YAML value with the line of each mapping key, for precise messages."""

    value: Any
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)


def load_files(paths: Iterable[str | Path]) -> BankReport:
    """Read and validate bank files, reporting every problem at once (never raising on input)."""
    report = BankReport()
    first_seen: dict[str, tuple[str, int]] = {}
    for raw_path in paths:
        name = str(raw_path)
        report.files += 1
        problems: list[Problem] = []
        for index, node in enumerate(_read(Path(raw_path), name, problems), start=1):
            raw_id = node.value.get("id") if isinstance(node.value, dict) else None
            key = raw_id.strip() if isinstance(raw_id, str) else None
            duplicate = bool(key) and key in first_seen
            if duplicate:
                other, other_line = first_seen[key]  # type: ignore[index]
                problems.append(
                    Problem(
                        name, node.line, key, f"duplicate id; first used at {other}:{other_line}"
                    )
                )
            elif key:
                first_seen[key] = (name, node.line)
            loaded = _validate(node, index, name, problems)
            if loaded is not None and not duplicate:
                report.questions.append(loaded)
        # Problems in the order of the file, whichever check found them.
        report.problems.extend(sorted(problems, key=lambda p: p.line or 0))
    return report


def bank_files(directory: str | Path) -> list[Path]:
    """The bank files in a folder, in a stable order."""
    return sorted(p for p in Path(directory).glob("*.yaml") if p.is_file())


def _read(path: Path, name: str, problems: list[Problem]) -> list[_Node]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(name, None, None, "no such file"))
        return []
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, None, None, f"cannot be read: {exc}"))
        return []
    try:
        root = yaml.compose(text, Loader=_TextLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        detail = exc.problem or "cannot be parsed"
        if exc.context and exc.context_mark:
            detail += f" ({exc.context}, which starts on line {exc.context_mark.line + 1})"
        elif exc.context:
            detail += f" ({exc.context})"
        problems.append(Problem(name, line, None, f"malformed YAML: {detail}"))
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(name, None, None, f"malformed YAML: {exc}"))
        return []
    if root is None:
        problems.append(Problem(name, None, None, "the file has no questions"))
        return []
    if not isinstance(root, yaml.SequenceNode):
        problems.append(
            Problem(
                name, root.start_mark.line + 1, None, "expected a list of questions (- id: ...)"
            )
        )
        return []
    nodes: list[_Node] = []
    for child in root.value:
        nodes.append(_convert(child, name, problems))
    if not nodes:
        problems.append(Problem(name, root.start_mark.line + 1, None, "the file has no questions"))
    return nodes


def _convert(node: yaml.Node, name: str, problems: list[Problem], item: str | None = None) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return _Node(node.value, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_convert(v, name, problems, item).value for v in node.value], line)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        key_lines: dict[str, int] = {}
        ids = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "id"]
        label = item or (ids[0].value if ids and isinstance(ids[0], yaml.ScalarNode) else None)
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            key_line = key_node.start_mark.line + 1
            if key in result:
                problems.append(
                    Problem(
                        name, key_line, label, f"`{key}` is written twice (line {key_lines[key]})"
                    )
                )
                continue
            key_lines[key] = key_line
            result[key] = _convert(value_node, name, problems, label).value
        return _Node(result, line, key_lines)
    return _Node(None, line)  # pragma: no cover - compose yields only the three kinds


def _validate(node: _Node, index: int, name: str, problems: list[Problem]) -> LoadedQuestion | None:
    if not isinstance(node.value, dict):
        problems.append(
            Problem(name, node.line, f"item {index}", "expected a question (a mapping of fields)")
        )
        return None
    raw_id = node.value.get("id")
    label = raw_id if isinstance(raw_id, str) and raw_id.strip() else f"item {index} (no id)"
    try:
        spec = QuestionSpec.model_validate(node.value)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error["loc"]
            line = node.key_lines.get(str(loc[0]), node.line) if loc else node.line
            problems.extend(Problem(name, line, label, text) for text in describe(error))
        return None
    return LoadedQuestion(spec, name, node.line)


def describe(error: Any) -> list[str]:
    """One pydantic error as sentences a question writer understands (one per problem)."""
    if error["type"] == "value_error":
        field_name = _field(error.get("loc", ()))
        lines = str(error["msg"]).removeprefix("Value error, ").splitlines()
        return [
            f"missing `{field_name}`: {line.removeprefix('missing; ')}"
            if line.startswith("missing; ")
            else f"{field_name}: {line}"
            for line in lines
        ]
    return [_describe_one(error)]


def _describe_one(error: Any) -> str:
    loc: Sequence[Any] = error.get("loc", ())
    kind = error["type"]
    ctx = error.get("ctx") or {}
    field_name = _field(loc)
    last = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    limit = LIMITS.get(last)
    if kind == "missing":
        return f"missing `{field_name}`"
    if kind == "extra_forbidden":
        return f"unknown field `{field_name}` (a typo? see data/questions/README.md)"
    if kind == "literal_error":
        return f"{field_name} {error['input']!r} is not one of {ctx.get('expected', '')}"
    if kind == "string_too_long" and limit is not None:
        return (
            f"{field_name} is {len(error['input'])} characters; the limit is {limit.size} "
            f"({limit.where})"
        )
    if kind in {"string_too_short", "string_pattern_mismatch"} and last == "id":
        return f"id {error['input']!r} must be 3–64 lowercase letters, digits and dashes"
    if kind == "string_too_short":
        return f"{field_name} is empty"
    if kind == "string_pattern_mismatch":
        if last == "id":
            return f"id {error['input']!r} must be 3–64 lowercase letters, digits and dashes"
        return f"{field_name} {error['input']!r} is not a choice letter (A–F)"
    if kind == "too_long" and last == "tags":
        return f"has {ctx.get('actual_length')} tags; the most is {MAX_TAGS}"
    if kind in {"string_type", "list_type", "model_type", "dict_type"}:
        expected = {
            "string_type": "text",
            "list_type": "a list",
            "model_type": "a mapping",
            "dict_type": "a mapping",
        }[kind]
        return f"{field_name} should be {expected}, not {_shape(error['input'])}"
    return f"{field_name}: {error['msg']}"


def _field(loc: Sequence[Any]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part + 1}]" if parts else f"[{part + 1}]"
        else:
            parts.append(str(part))
    return ".".join(parts) or "question"


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"{value!r}"
