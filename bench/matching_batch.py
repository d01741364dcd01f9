"""A batch of 5,000 mock-interview requests through the service, on a real SQLite file.

    python -m bench.matching_batch [--requests 5000] [--runs 3]

`bench.matching` times the pure matching; this times what a batch really does: load the pool
and everyone's availability, match (the same `bot.domain.matching.match`), write the matches,
seats and packets and close the requests, in one transaction through the project's own
SQLAlchemy stack, with the shipped question bank. Each run starts from a fresh database built
the same way. The baseline, measured in the same run, is `match` alone on the same pool.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench._common import machine_note, progress, table
from bench.matching import NOW, TRACKS, ZONES, windows
from bot.bank.files import bank_files, load_files
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.db.models import (
    Availability,
    AvailabilityWindow,
    Guild,
    MatchConfig,
    MatchRequest,
    PacketQuestion,
)
from bot.domain import matching as rules
from bot.services import matching
from bot.services.bank import sync_bank

GUILD = 1 << 40
ROOT = Path(__file__).resolve().parents[1]


async def one_run(requests: int, seed: int) -> tuple[float, float, int, int]:
    """Seconds for the service batch and for `match` alone; groups and packet rows made."""
    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await upgrade(engine)
        sessions = create_session_factory(engine)
        await sync_bank(sessions, load_files(bank_files(ROOT / "data" / "questions")).specs, NOW)
        rng = random.Random(seed)
        async with sessions() as session:
            session.add(Guild(id=GUILD, timezone="UTC", joined_at=NOW, updated_at=NOW))
            session.add(MatchConfig(guild_id=GUILD, channel_id=1, cadence="daily", created_at=NOW))
            for i in range(requests):
                member = 10_000 + i
                zone = rng.choices([z for z, _ in ZONES], [w for _, w in ZONES])[0]
                session.add(Availability(member_id=member, timezone=zone, updated_at=NOW))
                session.add_all(
                    AvailabilityWindow(
                        member_id=member, weekday=w.weekday, start_minute=w.start,
                        end_minute=w.end,
                    )
                    for w in windows(rng)
                )  # fmt: skip
                session.add(
                    MatchRequest(
                        guild_id=GUILD,
                        member_id=member,
                        open_member_id=member,
                        track=rng.choices([t for t, _ in TRACKS], [w for _, w in TRACKS])[0],
                        role=rng.choices(("candidate", "interviewer", "either"), (40, 30, 30))[0],
                        level=rng.choice(("junior", "mid", "senior")),
                        status="open",
                        created_at=NOW - timedelta(days=rng.uniform(0, 13)),
                        expires_at=NOW + timedelta(days=1),
                    )
                )
            await session.commit()
        async with sessions() as session:
            rows = list(await session.scalars(select(MatchRequest)))
            pool = await matching._pool(session, GUILD, rows, NOW)
        t0 = time.perf_counter()
        rules.match(pool, NOW)
        alone = time.perf_counter() - t0
        t0 = time.perf_counter()
        made = await matching.run(sessions, GUILD, NOW)
        batch = time.perf_counter() - t0
        async with sessions() as session:
            packets = int(
                await session.scalar(select(func.count()).select_from(PacketQuestion)) or 0
            )
        await engine.dispose()
    return batch, alone, len(made), packets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        progress(f"run {run + 1} of {args.runs}")
        results.append(asyncio.run(one_run(args.requests, seed=run)))
    batch = statistics.median(r[0] for r in results)
    alone = statistics.median(r[1] for r in results)
    print()
    print(
        table(
            ("what", "seconds (median)", "ratio"),
            [
                ("baseline: `match` alone on the same pool", f"{alone:.2f}", "1.00"),
                (
                    f"service batch: load, match, write ({results[0][2]:,} groups, "
                    f"{results[0][3]:,} packet questions)",
                    f"{batch:.2f}",
                    f"{batch / alone:.2f}",
                ),
            ],
        )
    )
    print()
    print(
        f"target: {args.requests:,} requests under 5 s ({batch:.2f} s: "
        f"{'met' if batch < 5 else 'NOT met'}). {args.runs} runs; {machine_note()}"
    )


if __name__ == "__main__":
    main()
