"""`python -m bot questions ...`: validate files, and the blind reader's sheet and comparison."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.bank.files import BankReport, load_files
from bot.bank.review import disagreements, sheet
from bot.bank.schema import FORMATS


def validate(paths: Sequence[str]) -> int:
    """Print the report for `paths`; 0 when every file is valid, 1 otherwise."""
    report = load_files(paths)
    print(render(report))
    return 0 if report.ok else 1


def render(report: BankReport) -> str:
    lines = [str(problem) for problem in report.problems]
    if lines:
        lines.append("")
    counts = report.counts()
    width = max(len(track) for track in counts)
    lines.append(f"{'track':<{width}}  {'total':>5}  " + "  ".join(f"{f:>6}" for f in FORMATS))
    for track, by_format in counts.items():
        total = sum(by_format.values())
        cells = "  ".join(f"{by_format[f]:>6}" for f in FORMATS)
        lines.append(f"{track:<{width}}  {total:>5}  {cells}")
    files = f"{report.files} file{'s' if report.files != 1 else ''}"
    valid = f"{len(report.questions)} valid question{'s' if len(report.questions) != 1 else ''}"
    if report.ok:
        lines.append(f"{valid} in {files}; no problems.")
    else:
        count = len(report.problems)
        lines.append(f"{valid} in {files}; {count} problem{'s' if count != 1 else ''}.")
    return "\n".join(lines)


def print_sheet(paths: Sequence[str]) -> int:
    """The blind reading sheet of valid files (problems first, if any, and exit 1)."""
    report = load_files(paths)
    if not report.ok:
        print(render(report))
        return 1
    print(sheet(report.specs), end="")
    return 0


def check_answers(answers_path: str, paths: Sequence[str]) -> int:
    """Compare a reader's answers with the keys; 0 when they agree on every graded question."""
    report = load_files(paths)
    if not report.ok:
        print(render(report))
        return 1
    try:
        answers = yaml.safe_load(Path(answers_path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        print(f"{answers_path}: cannot be read: {exc}")
        return 1
    if not isinstance(answers, dict):
        print(f"{answers_path}: expected a mapping of question id to letters (id: B)")
        return 1
    lines = disagreements(report.specs, answers)
    graded = sum(1 for s in report.specs if s.format != "open")
    print("\n".join([*lines, f"{graded - len(lines)} of {graded} graded questions agree."]))
    return 1 if lines else 0
