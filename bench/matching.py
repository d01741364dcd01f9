"""Mock-interview matching: how long does `match` take on 5,000 requests, and how close to the
optimum is it?

    python -m bench.matching [--requests 5000] [--runs 3] [--instances 10] [--size 300]
                             [--mid 1000] [--seed 1]

Requests are generated (seeded) as a community would open them: 7 tracks of uneven size, ~15
timezones from Los Angeles to Sydney, weekday evenings (a start between 17:00 and 20:00 local,
90 minutes to 4 hours, on some weekdays) and weekend mornings in local time, a few lunch
breaks, some members with no time at all this week; roles 40% candidate, 30% interviewer, 30%
either; levels junior/mid/senior; waiting 0-21 days; 0-3 partners from the last four weeks;
3% paused.

Timed: `match` on all of them (median of `--runs`), and once on as many requests split into
small, dense components (the worst case for its exact path, which a budget bounds);
`match_exact` on the same pool is not run
(its largest component is over a thousand members, and the exact blossom algorithm is cubic:
a 425-member component alone takes about 20 s here). On `--instances` pools of `--size`
requests: `match`, `match` with every component sent to the fast method (EXACT_UP_TO = 0, so
the fast method is what is measured, not the exact path small components take), and
`match_exact`, with each one's total weight against `match_exact`'s. One pool of `--mid`
requests shows the fast method on large components against the exact optimum.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from bench._common import machine_note, progress, table
from bot.domain import matching
from bot.domain.availability import Window
from bot.domain.matching import Group, Request, free_intervals, match, match_exact, total_weight

NOW = datetime(2026, 3, 25, 9, 17, tzinfo=UTC)  # a Wednesday; Europe moves its clocks on Sunday
ZONES = (  # (zone, share of members)
    ("America/Los_Angeles", 8),
    ("America/Denver", 3),
    ("America/Chicago", 6),
    ("America/New_York", 10),
    ("America/Sao_Paulo", 5),
    ("Europe/London", 8),
    ("Europe/Paris", 6),
    ("Europe/Berlin", 10),
    ("Europe/Warsaw", 5),
    ("Africa/Lagos", 3),
    ("Europe/Istanbul", 3),
    ("Asia/Kolkata", 10),
    ("Asia/Singapore", 5),
    ("Asia/Tokyo", 4),
    ("Australia/Sydney", 4),
)
TRACKS = (  # (track, share of requests)
    ("ml-fundamentals", 28),
    ("coding", 20),
    ("ml-system-design", 14),
    ("statistics", 12),
    ("deep-learning", 10),
    ("sql-data", 9),
    ("behavioral", 7),
)


def windows(rng: random.Random) -> list[Window]:
    out = []
    if rng.random() < 0.85:
        start = rng.choice([17 * 60, 17 * 60 + 30, 18 * 60, 18 * 60 + 30, 19 * 60, 20 * 60])
        length = rng.choice([90, 120, 150, 180, 240])
        out += [Window(d, start, min(start + length, 1440)) for d in range(5) if rng.random() < 0.6]
    if rng.random() < 0.6:
        start = rng.choice([8 * 60, 9 * 60, 9 * 60 + 30, 10 * 60, 11 * 60])
        length = rng.choice([120, 180, 240])
        out += [Window(d, start, start + length) for d in (5, 6) if rng.random() < 0.7]
    if rng.random() < 0.1:
        out += [Window(d, 12 * 60, 13 * 60 + 30) for d in range(5)]
    return sorted(set(out))


def generate(count: int, seed: int) -> list[Request]:
    rng = random.Random(seed)
    zones = [ZoneInfo(z) for z, _ in ZONES]
    tracks = [rng.choices([t for t, _ in TRACKS], [w for _, w in TRACKS])[0] for _ in range(count)]
    ids = [10_000 + i for i in range(count)]
    by_track: dict[str, list[int]] = {}
    for member, track in zip(ids, tracks, strict=True):
        by_track.setdefault(track, []).append(member)
    out = []
    for member, track in zip(ids, tracks, strict=True):
        zone = rng.choices(zones, [w for _, w in ZONES])[0]
        mates = by_track[track]
        recent = frozenset(rng.sample(mates, min(len(mates), rng.choice([0, 0, 0, 1, 1, 2, 3]))))
        out.append(
            Request(
                member,
                track,
                rng.choices(("candidate", "interviewer", "either"), (40, 30, 30))[0],
                rng.choices(("junior", "mid", "senior"), (35, 40, 25))[0],
                NOW - timedelta(seconds=rng.uniform(0, 21 * 86400)),
                free_intervals(windows(rng), zone, NOW),
                recent - {member},
                rng.random() < 0.03,
            )
        )
    return out


def fragmented(count: int, seed: int) -> list[Request]:
    """The exact path's worst case: every member free for one of 8 separate 3-hour blocks, so
    each track splits into components of about count / 56 members that all overlap."""
    rng = random.Random(seed)
    out = []
    for member in range(count):
        start = NOW + timedelta(hours=1 + 20 * rng.randrange(8))
        out.append(
            Request(
                member,
                rng.choice([t for t, _ in TRACKS]),
                rng.choices(("candidate", "interviewer", "either"), (40, 30, 30))[0],
                rng.choice(("junior", "mid", "senior")),
                NOW - timedelta(days=rng.uniform(0, 21)),
                ((start, start + timedelta(hours=3)),),
                frozenset(rng.sample(range(count), 2)) - {member},
            )
        )
    return out


def timed(solve: Callable[[], list[Group]]) -> tuple[float, list[Group]]:
    start = time.perf_counter()
    groups = solve()
    return time.perf_counter() - start, groups


def fast_only(requests: Sequence[Request]) -> list[Group]:
    with patch.object(matching, "EXACT_UP_TO", 0):
        return match(requests, NOW)


def pair_total(groups: Sequence[Group], requests: Sequence[Request]) -> float:
    """The groups' weight without their panels: stage one of the objective."""
    by_id = {r.member_id: r for r in requests}
    total = 0.0
    for g in groups:
        w = matching.pair_weight(by_id[g.candidate], by_id[g.interviewers[0]], NOW)
        assert w is not None
        total += w
    return total


def sizes_of(requests: Sequence[Request]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in requests:
        out[r.track] = out.get(r.track, 0) + 1
    return out


def describe(groups: Sequence[Group]) -> tuple[int, int, int]:
    panels = sum(len(g.interviewers) == 2 for g in groups)
    return len(groups), panels, sum(len(g.members) for g in groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--mid", type=int, default=1000, help="0 to skip")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = []

    progress(f"generating {args.requests:,} requests")
    pool = generate(args.requests, args.seed)
    sizes = sizes_of(pool)
    times = []
    for run in range(args.runs):
        progress(f"match on {args.requests:,}, run {run + 1}/{args.runs}")
        seconds, groups = timed(lambda: match(pool, NOW))
        times.append(seconds)
    big = statistics.median(times)
    count, panels, paired = describe(groups)
    rows.append(
        (
            f"match, {args.requests:,} requests",
            f"{big:.2f} (median of {args.runs}; {min(times):.2f}-{max(times):.2f})",
            "-",
            "-",
            f"{count} groups ({panels} panels), {paired:,} members",
        )
    )
    progress(f"match on {args.requests:,} in small dense components")
    split = fragmented(args.requests, args.seed)
    seconds_small, _ = timed(lambda: match(split, NOW))
    rows.append(
        (
            f"match, {args.requests:,} requests in ~56 dense components",
            f"{seconds_small:.2f}",
            "-",
            "-",
            "the exact path's worst case: its budget, then fast",
        )
    )
    rows.append(
        (
            f"match_exact, {args.requests:,} requests",
            "skipped: not feasible",
            "-",
            "-",
            f"largest track {max(sizes.values()):,} members",
        )
    )

    # For each method: total weight / the optimum's, and the pairs' weight alone (stage one,
    # which the objective puts first) / the optimum's pairs.
    ratios: dict[str, list[float]] = {"match": [], "fast": []}
    pair_ratios: dict[str, list[float]] = {"match": [], "fast": []}
    seconds: dict[str, list[float]] = {"match": [], "fast": [], "exact": []}
    panel_counts = {"match": 0, "fast": 0, "exact": 0}
    for k in range(args.instances):
        progress(f"{args.size}-request pool {k + 1}/{args.instances}")
        requests = generate(args.size, args.seed * 1000 + k)
        t_exact, exact = timed(lambda: match_exact(requests, NOW))  # noqa: B023
        t_match, found = timed(lambda: match(requests, NOW))  # noqa: B023
        t_fast, fast = timed(lambda: fast_only(requests))  # noqa: B023
        for key, t, groups in (("match", t_match, found), ("fast", t_fast, fast)):
            ratios[key].append(total_weight(groups) / total_weight(exact))
            pair_ratios[key].append(pair_total(groups, requests) / pair_total(exact, requests))
            seconds[key].append(t)
            panel_counts[key] += describe(groups)[1]
        seconds["exact"].append(t_exact)
        panel_counts["exact"] += describe(exact)[1]

    def ratio_cell(values: list[float]) -> str:
        return f"{100 * min(values):.2f}% / {100 * statistics.mean(values):.2f}%"

    def time_cell(values: list[float]) -> str:
        return f"{statistics.mean(values):.2f} mean, {max(values):.2f} max"

    label = f"{args.instances} x {args.size} requests"
    for key, what in (("match", "match"), ("fast", "match, fast method forced")):
        rows.append(
            (
                f"{what}, {label}",
                time_cell(seconds[key]),
                ratio_cell(pair_ratios[key]),
                ratio_cell(ratios[key]),
                f"{panel_counts[key]} panels",
            )
        )
    rows.append(
        (
            f"match_exact, {label}",
            time_cell(seconds["exact"]),
            "100%",
            "100%",
            f"{panel_counts['exact']} panels",
        )
    )

    if args.mid:
        progress(f"{args.mid:,}-request pool: match_exact (slow)")
        requests = generate(args.mid, args.seed + 7)
        t_exact, exact = timed(lambda: match_exact(requests, NOW))
        t_match, found = timed(lambda: match(requests, NOW))
        rows.append(
            (
                f"match, {args.mid:,} requests",
                f"{t_match:.2f}",
                f"{100 * pair_total(found, requests) / pair_total(exact, requests):.2f}%",
                f"{100 * total_weight(found) / total_weight(exact):.2f}%",
                f"largest track {max(sizes_of(requests).values())} members",
            )
        )
        rows.append((f"match_exact, {args.mid:,} requests", f"{t_exact:.2f}", "100%", "100%", "-"))

    print()
    header = ("what", "seconds", "pairs / exact (min / mean)", "total / exact (min / mean)")
    print(table((*header, "notes"), rows))
    print()
    worst = min(ratios["match"])
    print(
        f"targets: {args.requests:,} requests under 5 s ({big:.2f} s: "
        f"{'met' if max(big, seconds_small) < 5 else 'NOT met'}; in small dense components "
        f"{seconds_small:.2f} s); match's total weight >= 99% of the optimum on "
        f"{args.size}-request pools (worst {100 * worst:.2f}%: "
        f"{'met' if worst >= 0.99 else 'NOT met'}); the fast method forced on them: pairs "
        f"worst {100 * min(pair_ratios['fast']):.2f}%, total worst "
        f"{100 * min(ratios['fast']):.2f}%. {machine_note()}"
    )


if __name__ == "__main__":
    main()
