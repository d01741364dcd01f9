"""Which bank question a guild gets next: no repeats until the eligible bank is used up.

Pure, so the daily claim can pick for thousands of guilds from a few grouped queries, and the
rule can be tested without a database.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Pick:
    question_id: int
    new_cycle: bool  # every eligible question was asked in this cycle: a new one starts now


def pick_question(
    eligible: Iterable[int],
    last_asked: Mapping[int, int],
    cycle_start: int,
    seed: str,
) -> Pick | None:
    """The next question of a guild's cycle.

    `eligible`: ids of the live questions its filter allows; `last_asked`: when each question
    was last asked there, as an ordinal (the daily claim uses post ids, which grow with time);
    `cycle_start`: the ordinal the current cycle started at. A question is fresh when it has
    not been asked since the cycle started. Among fresh questions, never-asked ones come
    first, picked at random (seeded, so a retry of the same day picks the same); otherwise the
    least recently asked. When nothing is fresh the cycle restarts over the whole eligible set.
    """
    ids = sorted(set(eligible))
    if not ids:
        return None
    fresh = [q for q in ids if q not in last_asked or last_asked[q] < cycle_start]
    new_cycle = not fresh
    if new_cycle:
        fresh = ids
    never = [q for q in fresh if q not in last_asked]
    if never:
        return Pick(random.Random(seed).choice(never), new_cycle)
    return Pick(min(fresh, key=lambda q: (last_asked[q], q)), new_cycle)
