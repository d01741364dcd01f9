"""`python -m bot questions validate FILE...`: every problem, then the valid questions per track."""

from __future__ import annotations

from collections.abc import Sequence

from bot.bank.files import BankReport, load_files
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
