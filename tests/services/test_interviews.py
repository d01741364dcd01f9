"""Sessions on a real database: a slot confirmed once however accepts race, reminders claimed
once however sweeps race, panels' feedback partners, a disputed no-show lifting a pause, and
the activity a completed session records."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Activity, MatchPause, MatchReminder
from bot.domain.errors import BadInput, NotAllowed
from bot.services import interviews, matching
from tests.services.test_matching import GUILD, T0, Sessions, pool, sessions  # noqa: F401

SCORES = {"problem_solving": 3, "communication": 2, "technical_depth": 4}


async def confirmed_pair(sessions: Sessions) -> matching.MatchCard:  # noqa: F811
    await pool(sessions, {1: "candidate", 2: "interviewer"})
    (card,) = await matching.run(sessions, GUILD, T0)
    start = int(card.slot[0].timestamp())
    await interviews.accept(sessions, card.id, 1, start, T0)
    done = await interviews.accept(sessions, card.id, 2, start, T0)
    assert done.confirmed
    return done.card


async def test_racing_accepts_confirm_once(sessions: Sessions) -> None:  # noqa: F811
    await pool(sessions, {1: "candidate", 2: "interviewer", 3: "interviewer"})
    (card,) = await matching.run(sessions, GUILD, T0)
    assert len(card.seats) == 3, "a panel"
    start = int(card.slot[0].timestamp())
    results = await asyncio.gather(
        *(interviews.accept(sessions, card.id, m, start, T0) for m in card.member_ids)
    )
    assert sum(r.confirmed for r in results) == 1
    again = await interviews.accept(sessions, card.id, 1, start, T0)
    assert again.already and not again.confirmed
    with pytest.raises(NotAllowed):
        await interviews.accept(sessions, card.id, 99, start, T0)
    with pytest.raises(BadInput, match="changed since"):
        await interviews.accept(sessions, card.id, 1, start + 1800, T0)


async def test_moving_the_time_asks_everyone_again(sessions: Sessions) -> None:  # noqa: F811
    card = await confirmed_pair(sessions)
    zone, options = await interviews.slot_choices(sessions, card.id, 2, T0)
    assert zone.key == "UTC" and card.slot not in options
    moved = await interviews.choose_slot(sessions, card.id, 2, int(options[3][0].timestamp()), T0)
    assert moved.confirmed_at is None and moved.slot == options[3]
    assert [s.accepted for s in moved.seats] == [False, True], "only the chooser accepted"
    with pytest.raises(BadInput, match="no longer free"):
        await interviews.choose_slot(sessions, card.id, 1, int(T0.timestamp()), T0)


async def test_racing_sweeps_claim_each_reminder_once(sessions: Sessions) -> None:  # noqa: F811
    card = await confirmed_pair(sessions)  # 18:00, confirmed at 12:00: no "tomorrow" reminder
    soon = card.slot[0] - timedelta(minutes=15)
    found = await asyncio.gather(*(interviews.sweep(sessions, soon) for _ in range(4)))
    sent = [(c.id, kind) for f in found for c, kind in f.reminders]
    assert sent == [(card.id, "soon")]
    async with sessions() as session:
        rows = (await session.execute(select(MatchReminder.kind, MatchReminder.sent))).all()
    assert sorted(rows) == [("day", False), ("soon", True)]
    ended = await asyncio.gather(*(interviews.sweep(sessions, card.slot[1]) for _ in range(3)))
    assert [c.id for f in ended for c in f.ended] == [card.id], "asked once"
    assert await matching.open_match(sessions, GUILD, 1) is None, "free to ask again"


async def test_a_panel_candidate_rates_both_interviewers_who_rate_only_them(
    sessions: Sessions,  # noqa: F811
) -> None:
    await pool(sessions, {1: "candidate", 2: "interviewer", 3: "interviewer"})
    (card,) = await matching.run(sessions, GUILD, T0)
    start = int(card.slot[0].timestamp())
    for member in card.member_ids:
        await interviews.accept(sessions, card.id, member, start, T0)
    after = card.slot[1]
    with pytest.raises(BadInput, match="Press \\*\\*It happened\\*\\* first"):
        await interviews.give_feedback(sessions, card.id, 2, 1, SCORES, "", after)
    assert (await interviews.happened(sessions, card.id, 1, after)).partners == (2, 3)
    two = await interviews.happened(sessions, card.id, 2, after)
    assert two.partners == (1,)
    with pytest.raises(NotAllowed):
        await interviews.give_feedback(sessions, card.id, 2, 3, SCORES, "", after)
    with pytest.raises(BadInput, match="1 to 4"):
        await interviews.give_feedback(
            sessions, card.id, 2, 1, {**SCORES, "communication": 5}, "", after
        )
    given = await interviews.give_feedback(sessions, card.id, 2, 1, SCORES, "  good  ", after)
    assert given.comment == "good"
    assert [f.author_id for f in await interviews.feedback_for(sessions, card.id, 1)] == [2]
    assert await interviews.feedback_for(sessions, card.id, 2) == []
    async with sessions() as session:
        credited = sorted((await session.scalars(select(Activity.member_id))).all())
    assert credited == [1, 2, 3], "every participant, once"


async def test_a_dispute_that_undoes_the_second_no_show_lifts_the_pause(
    sessions: Sessions,  # noqa: F811
) -> None:
    card = await confirmed_pair(sessions)
    result = await interviews.missed(sessions, card.id, 1, [2], card.slot[1])
    assert result.counted == (2,) and result.paused == ()
    await interviews.sweep(sessions, card.slot[1])  # asks whether it happened; frees them
    # A second session three days later; member 2 is reported again and paused.
    later = T0 + timedelta(days=3)
    for member, role in ((1, "candidate"), (2, "interviewer")):
        await matching.open_request(
            sessions, guild_id=GUILD, member_id=member, track="coding", role=role,
            level="mid", now=later,
        )  # fmt: skip
    (second,) = await matching.run(sessions, GUILD, later)
    start = int(second.slot[0].timestamp())
    for member in (1, 2):
        await interviews.accept(sessions, second.id, member, start, later)
    reported = await interviews.missed(sessions, second.id, 1, [2], second.slot[1])
    (pause,) = reported.paused
    assert pause.until == second.slot[1] + timedelta(days=14) and not pause.lifted
    assert await interviews.pause_of(sessions, GUILD, 2, second.slot[1]) == pause.until
    with pytest.raises(BadInput, match="paused from matching"):
        await matching.open_request(
            sessions, guild_id=GUILD, member_id=2, track="coding", role="interviewer",
            level="mid", now=second.slot[1],
        )  # fmt: skip
    # Member 2 says the second one happened: one counted no-show is left, so no pause.
    disputed = await interviews.happened(
        sessions, second.id, 2, second.slot[1] + timedelta(hours=1)
    )
    assert disputed.disputed and disputed.lifted is not None and disputed.lifted.lifted
    assert (
        await interviews.pause_of(sessions, GUILD, 2, second.slot[1] + timedelta(hours=2)) is None
    )
    async with sessions() as session:
        (row,) = (await session.scalars(select(MatchPause))).all()
    assert row.lifted_at is not None
    with pytest.raises(BadInput, match="already said it didn't happen"):
        await interviews.happened(sessions, second.id, 1, second.slot[1] + timedelta(hours=1))


async def test_a_match_can_be_called_off_only_before_it_starts(
    sessions: Sessions,  # noqa: F811
) -> None:
    card = await confirmed_pair(sessions)
    with pytest.raises(BadInput, match="session started"):
        await interviews.leave(sessions, GUILD, 2, card.slot[0])
    assert await interviews.leave(sessions, GUILD, 3, T0) is None, "in no match"
    left = await interviews.leave(sessions, GUILD, 2, T0)
    assert left is not None and left.cancelled_by == 2 and left.closed_at == T0
    assert await matching.open_match(sessions, GUILD, 1) is None
    swept = await interviews.sweep(sessions, card.slot[1])
    assert swept.ended == [] and swept.reminders == []
