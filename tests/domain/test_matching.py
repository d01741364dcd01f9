"""Mock-interview matching: the hard rules, the weights' promises, and optimality against an
independent brute force (small pools) and the exact reference (larger ones)."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import matching
from bot.domain.availability import Window, parse
from bot.domain.matching import (
    HORIZON,
    LEVELS,
    MIN_OVERLAP,
    ROLES,
    Group,
    Request,
    common,
    earliest_slot,
    free_intervals,
    match,
    match_exact,
    pair_weight,
    panel_weight,
    total_weight,
    weight,
)

NOW = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)  # a Wednesday
HOUR = timedelta(hours=1)
SMALL_HORIZON = 8  # hours the generated availability spans
CAN_INTERVIEW = {"interviewer", "either"}
CAN_BE_INTERVIEWED = {"candidate", "either"}


def hours(*spans: tuple[int, int]) -> tuple[tuple[datetime, datetime], ...]:
    return tuple((NOW + s * HOUR, NOW + e * HOUR) for s, e in spans)


def req(
    member: int,
    role: str = "either",
    level: str = "mid",
    *,
    track: str = "algo",
    free: tuple[tuple[int, int], ...] = ((0, 3),),
    waited: float = 1.0,
    recent: Sequence[int] = (),
    paused: bool = False,
) -> Request:
    return Request(
        member,
        track,
        role,
        level,
        NOW - timedelta(days=waited),
        hours(*free),
        frozenset(recent),
        paused,
    )


def fast_only() -> AbstractContextManager[object]:
    """Every component through the fast method, however small."""
    return patch.object(matching, "EXACT_UP_TO", 0)


# --- an independent brute force -------------------------------------------------------------


def hour_set(r: Request) -> set[int]:
    """The whole hours (from NOW) a member is free for: with hour-aligned availability, members
    share a contiguous hour exactly when they share one of these."""
    return {
        h
        for h in range(SMALL_HORIZON)
        if any(s <= NOW + h * HOUR and NOW + (h + 1) * HOUR <= e for s, e in r.free)
    }


def allowed_pair(a: Request, b: Request) -> bool:
    roles = {a.role, b.role}
    return (
        a.track == b.track
        and not a.paused
        and not b.paused
        and roles not in ({"candidate"}, {"interviewer"})
        and bool(hour_set(a) & hour_set(b))
    )


def allowed_panel(extra: Request, a: Request, b: Request) -> bool:
    return (
        extra.role in CAN_INTERVIEW
        and not extra.paused
        and extra.track == a.track
        and bool(hour_set(extra) & hour_set(a) & hour_set(b))
    )


def matchings(
    members: list[Request], pairs: list[tuple[Request, Request]]
) -> Iterator[list[tuple[Request, Request]]]:
    """Every matching: the first member stays single or pairs with an allowed later one."""
    if not members:
        yield list(pairs)
        return
    first, rest = members[0], members[1:]
    yield from matchings(rest, pairs)
    for k, other in enumerate(rest):
        if allowed_pair(first, other):
            yield from matchings(rest[:k] + rest[k + 1 :], [*pairs, (first, other)])


def best_panels(spare: list[Request], pairs: list[tuple[Request, Request]], taken: frozenset[int]):
    """The best total panel weight: each spare member joins one free pair or none."""
    if not spare:
        return 0.0
    first, rest = spare[0], spare[1:]
    best = best_panels(rest, pairs, taken)
    for k, (a, b) in enumerate(pairs):
        if k not in taken and allowed_panel(first, a, b):
            w = panel_weight(first, a, b, NOW)
            assert w is not None, "panel_weight refuses an allowed panel"
            best = max(best, w + best_panels(rest, pairs, taken | {k}))
    return best


def brute_force(requests: Sequence[Request]) -> tuple[float, float]:
    """(best pair total, then best panel total for it), by enumerating everything."""
    live = [r for r in requests if not r.paused]
    best: tuple[float, float] = (0.0, 0.0)
    for pairs in matchings(live, []):
        total = 0.0
        for a, b in pairs:
            w = pair_weight(a, b, NOW)
            assert w is not None, "pair_weight refuses an allowed pair"
            total += w
        if total > best[0] + 1e-8:
            best = (total, -1.0)
        if abs(total - best[0]) <= 1e-8:
            paired = {r.member_id for p in pairs for r in p}
            spare = [r for r in live if r.member_id not in paired]
            best = (best[0], max(best[1], best_panels(spare, pairs, frozenset())))
    return best


def stage_totals(groups: Sequence[Group], requests: Sequence[Request]) -> tuple[float, float]:
    by_id = {r.member_id: r for r in requests}
    pairs = panels = 0.0
    for g in groups:
        a, b = by_id[g.candidate], by_id[g.interviewers[0]]
        pw = pair_weight(a, b, NOW)
        assert pw is not None
        pairs += pw
        if len(g.interviewers) == 2:
            xw = panel_weight(by_id[g.interviewers[1]], a, b, NOW)
            assert xw is not None
            panels += xw
    return pairs, panels


@st.composite
def pools(draw: st.DrawFn, max_members: int = 8, tracks: Sequence[str] = ("a", "b")):
    """Small pools: hour-aligned availability in an 8-hour horizon, some recent partners,
    some paused; waits from a few values so equal weights (ties) come up too."""
    count = draw(st.integers(0, max_members))
    ids = list(range(1, count + 1))
    out = []
    for member in ids:
        free: set[int] = set()
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.integers(0, SMALL_HORIZON - 1))
            free.update(range(start, min(start + draw(st.integers(1, 5)), SMALL_HORIZON)))
        runs: list[tuple[int, int]] = []
        for h in sorted(free):
            if runs and runs[-1][1] == h:
                runs[-1] = (runs[-1][0], h + 1)
            else:
                runs.append((h, h + 1))
        others = [i for i in ids if i != member]
        recent = draw(st.lists(st.sampled_from(others), max_size=2)) if others else []
        out.append(
            req(
                member,
                draw(st.sampled_from(ROLES)),
                draw(st.sampled_from(LEVELS)),
                track=draw(st.sampled_from(tracks)),
                free=tuple(runs),
                waited=draw(st.sampled_from([0.0, 0.5, 3.0, 7.0, 20.0])),
                recent=recent,
                paused=draw(st.integers(0, 7)) == 0,
            )
        )
    return out


@settings(max_examples=300, deadline=None)
@given(pools())
def test_match_and_reference_reach_the_brute_force_optimum(requests: list[Request]) -> None:
    for a in requests:
        for b in requests:
            if a is not b:
                assert (pair_weight(a, b, NOW) is not None) == allowed_pair(a, b)
                for extra in requests:
                    if extra not in (a, b) and allowed_pair(a, b):
                        w = panel_weight(extra, a, b, NOW)
                        assert (w is not None) == allowed_panel(extra, a, b)
    expected = brute_force(requests)
    found = match(requests, NOW)
    reference = match_exact(requests, NOW)
    for groups in (found, reference):
        got = stage_totals(groups, requests)
        assert got[0] == pytest.approx(expected[0], abs=1e-6)
        assert got[1] == pytest.approx(expected[1], abs=1e-6)
    assert found == reference, "the optimum is unique in practice (tie term), so both agree"


# --- hard rules -----------------------------------------------------------------------------


def check_rules(groups: Sequence[Group], requests: Sequence[Request]) -> None:
    by_id = {r.member_id: r for r in requests}
    seen: set[int] = set()
    for g in groups:
        members = [by_id[m] for m in g.members]
        assert len(g.interviewers) in (1, 2)
        assert not seen & set(g.members), "a member in two groups"
        seen |= set(g.members)
        assert len(set(g.members)) == len(g.members)
        assert len({r.track for r in members}) == 1
        assert not any(r.paused for r in members)
        assert by_id[g.candidate].role in CAN_BE_INTERVIEWED
        assert all(by_id[i].role in CAN_INTERVIEW for i in g.interviewers)
        start, end = g.slot
        assert end - start == MIN_OVERLAP
        assert NOW <= start and end <= NOW + HORIZON
        for r in members:
            assert any(s <= start and end <= e for s, e in r.free), "slot outside free time"
        assert g.slot == earliest_slot(*(r.free for r in members)), "not the earliest slot"
        pair = (by_id[g.candidate], by_id[g.interviewers[0]])
        assert g.swap == (len(g.interviewers) == 1 and {r.role for r in pair} == {"either"})
        expected = pair_weight(*pair, NOW)
        assert expected is not None
        if len(g.interviewers) == 2:
            extra = panel_weight(by_id[g.interviewers[1]], *pair, NOW)
            assert extra is not None
            expected += extra
        assert g.weight == pytest.approx(expected)


@settings(max_examples=120, deadline=None)
@given(pools(max_members=30, tracks=("a", "b", "c")), st.booleans())
def test_hard_rules_are_never_broken(requests: list[Request], fast: bool) -> None:
    if fast:
        with fast_only():
            groups = match(requests, NOW)
    else:
        groups = match(requests, NOW)
    check_rules(groups, requests)
    assert groups == sorted(groups, key=lambda g: (g.slot, g.members))


@settings(max_examples=60, deadline=None)
@given(pools(max_members=14), st.randoms(use_true_random=False))
def test_same_input_in_any_order_gives_the_same_groups(requests, rng) -> None:
    shuffled = list(requests)
    rng.shuffle(shuffled)
    assert match(shuffled, NOW) == match(requests, NOW)
    with fast_only():
        assert match(shuffled, NOW) == match(requests, NOW)


def test_pair_weight_refuses_each_broken_rule() -> None:
    a = req(1, "candidate")
    assert pair_weight(a, req(2, "interviewer"), NOW) is not None
    assert pair_weight(a, req(2, "candidate"), NOW) is None
    assert pair_weight(req(1, "interviewer"), req(2, "interviewer"), NOW) is None
    assert pair_weight(a, req(2, "interviewer", track="sys"), NOW) is None
    assert pair_weight(a, req(2, "interviewer", paused=True), NOW) is None
    assert pair_weight(a, req(2, "interviewer", free=((1, 4),)), NOW) is not None  # 2 h shared
    assert pair_weight(a, req(2, "interviewer", free=((2, 5),)), NOW) is not None  # 1 h exactly
    late = Request(2, "algo", "interviewer", "mid", NOW, hours((2, 5)))
    assert pair_weight(a, late, NOW) is not None
    late = Request(2, "algo", "interviewer", "mid", NOW, ((NOW + 2.5 * HOUR, NOW + 5 * HOUR),))
    assert pair_weight(a, late, NOW) is None, "half an hour shared"
    # 40 and 15 minutes either side of a gap are not one stretch of an hour.
    split = Request(9, "algo", "interviewer", "mid", NOW, hours((0, 1)))
    gappy = Request(
        8,
        "algo",
        "candidate",
        "mid",
        NOW,
        ((NOW, NOW + timedelta(minutes=40)), (NOW + timedelta(minutes=45), NOW + 2 * HOUR)),
    )
    assert pair_weight(split, gappy, NOW) is None
    assert pair_weight(a, a, NOW) is None


def test_requests_are_validated() -> None:
    with pytest.raises(ValueError, match="more than one open request"):
        match([req(1), req(1)], NOW)
    with pytest.raises(ValueError, match="unknown role or level"):
        match([req(1, "mentor")], NOW)


# --- what the weights promise ---------------------------------------------------------------


@given(
    st.integers(0, 2),
    st.lists(st.floats(-5, 60), min_size=2, max_size=2),
    st.floats(0, 0.000999),
    st.integers(0, 2),
    st.lists(st.floats(-5, 60), min_size=2, max_size=2),
    st.floats(0, 0.000999),
)
def test_fresh_pairs_outweigh_two_repeats_and_no_kind_trades_two_for_one(g1, w1, t1, g2, w2, t2):
    fresh = [weight(g1, w1, False, t1), weight(g2, w2, False, t2)]
    repeat = [weight(g1, w1, True, t1), weight(g2, w2, True, t2)]
    assert all(1000 <= f < 1900.001 for f in fresh)
    assert all(250 <= r < 475.001 for r in repeat)
    assert min(fresh) > sum(repeat)
    assert max(fresh) < 2 * min(fresh) and max(repeat) < 2 * min(repeat)


def test_a_recent_partner_only_when_there_is_no_one_else() -> None:
    # b would be the better partner otherwise (same level, waiting two weeks), but met a
    # recently; c is two levels off and has just joined. b and c never share an hour with a
    # at the same time, so no panel hides the choice.
    a = req(1, "candidate", "mid", free=((0, 3), (6, 9)), recent=[2])
    b = req(2, "interviewer", "mid", free=((0, 3),), waited=14)
    c = req(3, "interviewer", "senior", free=((6, 9),), waited=0)
    assert [(g.candidate, g.interviewers) for g in match([a, b, c], NOW)] == [(1, (3,))]
    # No one else: the repeat happens.
    assert [(g.candidate, g.interviewers) for g in match([a, b], NOW)] == [(1, (2,))]
    # Recent on either side counts.
    b_knows_a = req(2, "interviewer", "mid", free=((0, 3),), waited=14, recent=[1])
    a_forgot = req(1, "candidate", "mid", free=((0, 3), (6, 9)))
    assert [g.interviewers for g in match([a_forgot, b_knows_a, c], NOW)] == [(3,)]


def test_two_members_wait_rather_than_two_repeats_replace_a_fresh_pair() -> None:
    """The documented price of the penalty: in a chain A-B-C-D where A-B and C-D met
    recently and B-C did not, B-C meet and A and D wait."""
    requests = [
        req(1, "candidate", free=((0, 2),), recent=[2]),
        req(2, "either", free=((0, 2), (4, 6))),
        req(3, "either", free=((4, 6), (8, 10)), recent=[4]),
        req(4, "candidate", free=((8, 10),)),
    ]
    assert [set(g.members) for g in match(requests, NOW)] == [{2, 3}]


def test_similar_level_is_preferred() -> None:
    # Both interviewers fit the candidate, but never all three at once (no panel).
    cand = req(1, "candidate", "junior", free=((0, 2), (5, 7)))
    junior = req(2, "interviewer", "junior", free=((0, 2),))
    senior = req(3, "interviewer", "senior", free=((5, 7),), waited=3)
    [group] = match([cand, senior, junior], NOW)
    assert group.interviewers == (2,)
    mid = req(3, "interviewer", "mid", free=((5, 7),))
    [group] = match([cand, req(2, "interviewer", "senior", free=((0, 2),)), mid], NOW)
    assert group.interviewers == (3,)


def test_the_longest_waiting_are_paired_first() -> None:
    interviewer = req(1, "interviewer")
    [group] = match(
        [interviewer, req(2, "candidate", waited=2), req(3, "candidate", waited=9)], NOW
    )
    assert group.candidate == 3
    groups = match([req(1, "candidate"), req(2, "candidate", waited=4), req(3, "interviewer")], NOW)
    assert [g.candidate for g in groups] == [2]


# --- panels ---------------------------------------------------------------------------------


def test_three_compatible_members_make_one_panel() -> None:
    [g] = match([req(1, "candidate"), req(2, "interviewer"), req(3, "interviewer")], NOW)
    assert (g.candidate, sorted(g.interviewers), g.swap) == (1, [2, 3], False)
    # Two "either" and an interviewer: the "either" waiting longer is the candidate.
    [g] = match([req(1, waited=2), req(2, waited=5), req(3, "interviewer")], NOW)
    assert (g.candidate, len(g.interviewers), g.swap) == (2, 2, False)
    # "either" with an interviewer: the "either" is interviewed, whoever joins.
    [g] = match([req(1, "interviewer"), req(2), req(3, "interviewer")], NOW)
    assert g.candidate == 2 and sorted(g.interviewers) == [1, 3]
    # A pair of "either" on its own swaps halfway; the longer-waiting one goes first.
    [g] = match([req(1, waited=2), req(2, waited=5)], NOW)
    assert (g.candidate, g.interviewers, g.swap) == (2, (1,), True)


def test_a_panel_needs_an_interviewer_an_hour_for_all_three_and_takes_one_extra() -> None:
    # A left-over candidate cannot join as an interviewer.
    groups = match([req(1, "candidate"), req(2, "interviewer"), req(3, "candidate")], NOW)
    assert [len(g.interviewers) for g in groups] == [1]
    # Each interviewer shares an hour with the candidate, never all three at once: no panel.
    groups = match(
        [
            req(1, "candidate", free=((0, 2), (4, 6))),
            req(2, "interviewer", free=((0, 2),)),
            req(3, "interviewer", free=((4, 6),)),
        ],
        NOW,
    )
    assert [len(g.interviewers) for g in groups] == [1]
    # Two spare interviewers, one pair: one joins, and it is the one waiting longer.
    groups = match(
        [
            req(1, "candidate"),
            req(2, "interviewer"),
            req(3, "interviewer", "junior"),
            req(4, "interviewer", "junior", waited=6),
        ],
        NOW,
    )
    assert [(g.candidate, g.interviewers) for g in groups] == [(1, (2, 4))]


# --- availability ---------------------------------------------------------------------------


def test_free_intervals_keep_local_time_across_dst() -> None:
    """Berlin moves to summer time on Sunday 29 March 2026: 18:00 local is 17:00 UTC before
    and 16:00 UTC after."""
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Friday
    free = free_intervals(parse("Mon-Sun 18:00-21:00"), berlin, now)
    assert [s.astimezone(berlin).hour for s, _ in free] == [18] * 7
    assert [e.astimezone(berlin).hour for _, e in free] == [21] * 7
    assert free[0] == (datetime(2026, 3, 27, 17, tzinfo=UTC), datetime(2026, 3, 27, 20, tzinfo=UTC))
    assert free[2] == (datetime(2026, 3, 29, 16, tzinfo=UTC), datetime(2026, 3, 29, 19, tzinfo=UTC))
    assert all(s.tzinfo == UTC for s, _ in free)
    assert now <= free[0][0] and free[-1][1] <= now + HORIZON


def test_free_intervals_cut_at_now_and_the_horizon_and_join_across_midnight() -> None:
    zone = ZoneInfo("UTC")
    now = datetime(2026, 3, 25, 19, 0, tzinfo=UTC)  # Wednesday, inside the window
    free = free_intervals(
        [Window(2, 18 * 60, 21 * 60), Window(6, 22 * 60, 1440), Window(0, 0, 60)], zone, now
    )
    assert free[0] == (now, now + 2 * HOUR)
    sunday = datetime(2026, 3, 29, 22, tzinfo=UTC)
    assert (sunday, sunday + 3 * HOUR) in free, "Sun 22:00-24:00 and Mon 00:00-01:00 join"
    # The window a week later is cut where the horizon ends.
    assert free[-1] == (now + HORIZON - HOUR, now + HORIZON)


def test_common_and_earliest_slot() -> None:
    a = hours((0, 2), (4, 8))
    b = hours((1, 5), (6, 7))
    assert common(a, b) == list(hours((1, 2), (4, 5), (6, 7)))
    assert earliest_slot(a, b) == (NOW + 1 * HOUR, NOW + 2 * HOUR)
    assert earliest_slot(a, b, hours((4, 5), (6, 9))) == (NOW + 4 * HOUR, NOW + 5 * HOUR)
    assert earliest_slot(a, hours((1, 1))) is None
    half = timedelta(minutes=30)
    touching = ((NOW, NOW + half), (NOW + half, NOW + 3 * half))
    assert earliest_slot(touching) == (NOW, NOW + HOUR), "touching pieces are one stretch"


# --- the fast method ------------------------------------------------------------------------

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata")


def generated(count: int, seed: int, roles: Sequence[int] = (40, 30, 30)) -> list[Request]:
    """Weekday evenings and weekend mornings in local time, a few zones, two tracks."""
    rng = random.Random(seed)
    out = []
    for member in range(1, count + 1):
        windows = []
        start = rng.choice([17, 18, 19, 20]) * 60 + rng.choice([0, 30])
        windows += [
            Window(d, start, start + rng.choice([90, 120, 180]))
            for d in range(5)
            if rng.random() < 0.6
        ]
        if rng.random() < 0.6:
            windows += [Window(d, 9 * 60, 12 * 60) for d in (5, 6) if rng.random() < 0.7]
        out.append(
            Request(
                member,
                rng.choice(["algo", "sys"]),
                rng.choices(ROLES, roles)[0],
                rng.choice(LEVELS),
                NOW - timedelta(days=rng.uniform(0, 21)),
                free_intervals(windows, ZoneInfo(rng.choice(ZONES)), NOW),
                frozenset(rng.sample(range(1, count + 1), rng.choice([0, 0, 1, 2]))) - {member},
                rng.random() < 0.03,
            )
        )
    return out


@pytest.mark.parametrize(("seed", "roles"), [(1, (40, 30, 30)), (2, (30, 45, 25))])
def test_the_fast_method_is_within_one_percent_of_the_optimum(seed, roles) -> None:
    requests = generated(260, seed, roles)
    with fast_only():
        fast = match(requests, NOW)
    exact = match_exact(requests, NOW)
    check_rules(fast, requests)
    assert total_weight(fast) >= 0.99 * total_weight(exact)
    assert total_weight(fast) <= total_weight(exact) + 1e-6
    if roles[1] > roles[0]:  # more interviewers than candidates: panels, through the fast path
        assert sum(len(g.interviewers) == 2 for g in fast) > 0
