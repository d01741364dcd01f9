"""Peer mock interviews: who meets whom, and when.

Members open requests (track, role, level, weekly availability). Hard rules for a pair: same
track; roles that fit (a candidate with an interviewer, "either" with anyone; two candidates or
two interviewers never); a single stretch of at least MIN_OVERLAP that both are free within the
next HORIZON; neither paused. Two "either" members swap roles halfway.

Objective, lexicographic:
1. the pairs: a maximum-weight matching of the compatibility graph under `pair_weight` (total
   weight, not the number of pairs, is what is maximised);
2. given those pairs, panels: members left over who may interview join a pair as a second
   interviewer (each pair takes at most one), chosen as a maximum-weight assignment under
   `panel_weight`. The three must share MIN_OVERLAP; the pair's candidate-capable member is
   the candidate (of two "either", the one waiting longer), so no panel swaps.
Every weight carries a tiny term derived from the member ids (`_tie`), so two different
matchings of equal weight are, almost surely, not tied: the optimum is unique in practice and
`match`, `match_exact` and a brute force agree on it, not just on its total.

The weights, all in `weight`: a pair that has not met in the last REPEAT_WINDOW weighs
1000 + quality, one that has (1000 + quality) / 4, quality being 0-400 for level closeness,
0-250 per member for waiting (linear up to 14 days) and the tie term (under 0.001). A panel's
extra member is weighed the same way: its level against the candidate's, its own waiting, and
as a repeat if it met either of the two. Consequences:
- a fresh pair (>= 1000) outweighs even two repeat pairs (< 951 together). So a member meets a
  recent partner only when each compatible fresh partner of the two is in a fresh pair itself;
  with no fresh partner at all, the repeat happens. The price: in a chain A-B-C-D where A-B
  and C-D met recently and A and D fit no one else, B-C meet and A and D wait for the next
  round rather than both repeating;
- within each kind every weight is under twice the smallest (1900 < 2000, 475 < 500), so the
  preferences never give up two pairs of a kind for one along such a chain;
- waiting counts per member paired, so when not everyone can be paired the longest-waiting
  are; one level apart costs 200, about 11 days of one member's waiting.

`match_exact` is the reference: `pair_weight` on every two members of a track and networkx's
exact blossom algorithm on each connected component, for both stages. It is cubic in a
component (seconds at 200 members, minutes at 1,000).

`match` is the production method. It finds who shares an hour with whom by one sweep per track
over bitsets (`_overlaps`), solves small components exactly like the reference and large ones
with `_fast_matching`: a sparse graph, greedy plus Edmonds augmenting paths layer by layer
(same level, then one apart, then two, then repeats), then weight-raising exchanges. On every
pool measured its pairs weigh at least 99.6% of the exact optimum's (about 99.9% on average;
bench/matching.py). Panels follow from the pairs, so where its pairs differ from the optimum's
the panels can differ more. Same input, in any order, same output.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import networkx as nx

from bot.domain.availability import Window, occurrences

ROLES = ("candidate", "interviewer", "either")
LEVELS = ("junior", "mid", "senior")
MIN_OVERLAP = timedelta(minutes=60)
HORIZON = timedelta(days=7)
REPEAT_WINDOW = timedelta(weeks=4)

Interval = tuple[datetime, datetime]

# The weights (see `weight`).
FRESH = 1000.0
LEVEL_POINTS = 400.0
WAIT_POINTS = 250.0
WAIT_CAP_DAYS = 14.0
TIE = 0.001

# `match` solves a component exactly when it has at most EXACT_UP_TO members and the call's
# exact work so far (members x edges of each such component, about 3 us a unit) stays within
# EXACT_WORK; the rest go to the fast method. Either way the result is deterministic.
EXACT_UP_TO = 100
EXACT_WORK = 300_000
_UNITS = 10**9  # weights are compared as integers of 1e-9 points: exact sums, no float drift

_CANDIDATE_CAPABLE = frozenset({"candidate", "either"})
_INTERVIEWER_CAPABLE = frozenset({"interviewer", "either"})
_MIN_US = MIN_OVERLAP // timedelta(microseconds=1)


@dataclass(frozen=True)
class Request:
    """An open request, as the services layer reads it: `free` is sorted, non-overlapping
    UTC-aware intervals within [now, now + HORIZON] (see `free_intervals`), `recent` the
    members partnered within REPEAT_WINDOW."""

    member_id: int
    track: str
    role: str
    level: str
    waiting_since: datetime
    free: tuple[Interval, ...]
    recent: frozenset[int] = frozenset()
    paused: bool = False


@dataclass(frozen=True)
class Group:
    """A pair (one interviewer) or a panel (two: the pair's, then the one who joined).
    `swap`: a pair of two "either" members who trade roles halfway. `slot`: the earliest hour
    all are free. `weight`: `pair_weight`, plus `panel_weight` for a panel."""

    candidate: int
    interviewers: tuple[int, ...]
    swap: bool
    slot: Interval
    weight: float

    @property
    def members(self) -> tuple[int, ...]:
        return (self.candidate, *self.interviewers)


# --- availability ---------------------------------------------------------------------------


def free_intervals(
    windows: Iterable[Window], zone: ZoneInfo, now: datetime, horizon: timedelta = HORIZON
) -> tuple[Interval, ...]:
    """A member's weekly local windows as UTC instants in [now, now + horizon], merged so a
    window ending at midnight and one starting then count as one stretch."""
    end = now + horizon
    days = horizon.days + 2
    spans = sorted(
        (max(s, now).astimezone(UTC), min(e, end).astimezone(UTC))
        for s, e in occurrences(list(windows), zone, now, days)
        if s < end
    )
    return tuple(_merged(s for s in spans if s[0] < s[1]))


def _merged(spans: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def common(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The intersection of two sorted lists of non-overlapping intervals (empty pieces left
    out)."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        s = max(a[i][0], b[j][0])
        e = min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def earliest_slot(*frees: Sequence[Interval]) -> Interval | None:
    """The earliest (t, t + MIN_OVERLAP) inside every one of `frees`, else None."""
    if not frees:
        return None
    shared = _merged(frees[0])
    for other in frees[1:]:
        shared = _merged(common(shared, _merged(other)))
    for s, e in shared:
        if e - s >= MIN_OVERLAP:
            return (s, s + MIN_OVERLAP)
    return None


# --- weights --------------------------------------------------------------------------------


def weight(level_gap: int, waited_days: Sequence[float], repeat: bool, tie: float) -> float:
    """The weight of a pair, or of a panel's extra interviewer (one `waited_days` value): the
    one place the preferences are set. Always positive.

        quality = 400 * (1 - level_gap / 2)            same level 400, one apart 200, two 0
                + 250 * min(days / 14, 1) per member    longest-waiting paired first
                + tie                                   under 0.001, from the member ids
        fresh:    1000 + quality                        in [1000, 1900.001)
        repeat:   (1000 + quality) / 4                  in [250, 475.001): met recently

    Any fresh pair outweighs two repeats, and within each kind the largest weight is under
    twice the smallest; the module docstring says what follows.
    """
    quality = LEVEL_POINTS * (1 - level_gap / 2) + tie
    for days in waited_days:
        quality += WAIT_POINTS * min(max(days, 0.0) / WAIT_CAP_DAYS, 1.0)
    if repeat:
        return (FRESH + quality) / 4
    return FRESH + quality


def _tie(*ids: int) -> float:
    """A fixed pseudo-random number in [0, TIE) for a set of member ids (splitmix64)."""
    x = 0
    for i in sorted(ids):
        x = (x * 0x9E3779B97F4A7C15 + i + 1) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 31
    return TIE * (x >> 11) / 2**53


def _days(request: Request, now: datetime) -> float:
    return (now - request.waiting_since) / timedelta(days=1)


def _level_gap(a: Request, b: Request) -> int:
    return abs(LEVELS.index(a.level) - LEVELS.index(b.level))


def _repeat(a: Request, b: Request) -> bool:
    return b.member_id in a.recent or a.member_id in b.recent


def _window(free: Sequence[Interval], now: datetime) -> list[Interval]:
    return common(_merged(free), [(now, now + HORIZON)])


def compatible(a: Request, b: Request) -> bool:
    """The hard rules except availability: two different members, same track, roles that
    fit (anyone with "either", a candidate with an interviewer), neither paused."""
    return (
        a.member_id != b.member_id
        and a.track == b.track
        and not a.paused
        and not b.paused
        and (a.role == "either" or b.role == "either" or a.role != b.role)
    )


def pair_weight(a: Request, b: Request, now: datetime) -> float | None:
    """The pair's weight, or None when any hard rule fails (availability included)."""
    if not compatible(a, b):
        return None
    if earliest_slot(_window(a.free, now), _window(b.free, now)) is None:
        return None
    return weight(
        _level_gap(a, b),
        (_days(a, now), _days(b, now)),
        _repeat(a, b),
        _tie(a.member_id, b.member_id),
    )


def roles(a: Request, b: Request) -> tuple[Request, Request, bool]:
    """(candidate, interviewer, swap) of a compatible pair. With "either" on both sides the
    one waiting longer (then the lower id) is the candidate first and they swap halfway."""
    if a.role == b.role != "either":
        raise ValueError(f"two members who both want to be {a.role}s are no pair")
    if a.role == "candidate" or b.role == "interviewer":
        return a, b, False
    if b.role == "candidate" or a.role == "interviewer":
        return b, a, False
    first, second = sorted((a, b), key=lambda r: (r.waiting_since, r.member_id))
    return first, second, True


def panel_weight(extra: Request, a: Request, b: Request, now: datetime) -> float | None:
    """The weight of `extra` joining the pair (a, b) as a second interviewer, or None when it
    may not: the pair itself must be allowed, `extra` must be a different, unpaused,
    interviewer-capable member of the track and all three must share a slot."""
    if pair_weight(a, b, now) is None or extra.member_id in (a.member_id, b.member_id):
        return None
    if extra.paused or extra.track != a.track or extra.role not in _INTERVIEWER_CAPABLE:
        return None
    if earliest_slot(*(_window(r.free, now) for r in (extra, a, b))) is None:
        return None
    candidate = roles(a, b)[0]
    return weight(
        _level_gap(extra, candidate),
        (_days(extra, now),),
        _repeat(extra, a) or _repeat(extra, b),
        _tie(extra.member_id, a.member_id, b.member_id),
    )


# --- matching -------------------------------------------------------------------------------


def match(requests: Sequence[Request], now: datetime) -> list[Group]:
    """The groups for the whole pool, ordered by slot: exact on small components (see
    EXACT_UP_TO), `_fast_matching` on the others. Paused members are left out; two requests of
    one member, or an unknown role or level, raise ValueError."""
    return _match(requests, now, _Exact(EXACT_UP_TO, EXACT_WORK))


def match_exact(requests: Sequence[Request], now: datetime) -> list[Group]:
    """The reference: every pair judged by `pair_weight` and `panel_weight` themselves, and
    networkx's exact maximum-weight matching, component by component, for both stages.
    Quadratic in the pool and cubic in a component: for tests and the benchmark."""
    pool = _pool(requests)
    pairs: list[tuple[Request, Request]] = []
    panels: dict[tuple[int, int], Request] = {}
    for members in _by_track(pool).values():
        by_id = {r.member_id: r for r in members}
        graph = nx.Graph()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                w = pair_weight(a, b, now)
                if w is not None:
                    graph.add_edge(a.member_id, b.member_id, weight=_units(w))
        chosen = sorted(tuple(sorted(e)) for e in _nx_matching(graph))
        pairs.extend((by_id[x], by_id[y]) for x, y in chosen)
        paired = {m for e in chosen for m in e}
        extras = nx.Graph()
        for extra in members:
            if extra.member_id in paired:
                continue
            for x, y in chosen:
                w = panel_weight(extra, by_id[x], by_id[y], now)
                if w is not None:
                    extras.add_edge((0, extra.member_id, 0), (1, x, y), weight=_units(w))
        for u, v in _nx_matching(extras):
            (_, e, _), (_, x, y) = sorted((u, v))
            panels[(x, y)] = by_id[e]
    return _assemble(
        [(a, b, panels.get((a.member_id, b.member_id))) for a, b in pairs],
        {r.member_id: _window(r.free, now) for r in pool},
        now,
    )


def total_weight(groups: Sequence[Group]) -> float:
    return sum(g.weight for g in groups)


def _units(w: float) -> int:
    return round(w * _UNITS)


def _nx_matching(graph: nx.Graph) -> list[tuple]:
    """networkx's maximum-weight matching (not maximum cardinality), component by component,
    on copies built in sorted order so the result never depends on insertion order."""
    out = []
    for nodes in nx.connected_components(graph):
        if len(nodes) < 2:
            continue
        sub = nx.Graph()  # a copy: lookups through a subgraph view cost several calls each
        sub.add_nodes_from(sorted(nodes))
        sub.add_weighted_edges_from(
            sorted((*sorted((u, v)), w) for u, v, w in graph.edges(nodes, data="weight"))
        )
        out.extend(nx.max_weight_matching(sub, maxcardinality=False))
    return out


def _pool(requests: Sequence[Request]) -> list[Request]:
    """The requests that can be matched, in member order (so input order never matters)."""
    ids = [r.member_id for r in requests]
    if len(set(ids)) != len(ids):
        raise ValueError("a member has more than one open request")
    for r in requests:
        if r.role not in ROLES or r.level not in LEVELS:
            raise ValueError(f"member {r.member_id}: unknown role or level {r.role!r}/{r.level!r}")
    return sorted((r for r in requests if not r.paused), key=lambda r: r.member_id)


def _by_track(pool: Sequence[Request]) -> dict[str, list[Request]]:
    out: dict[str, list[Request]] = {}
    for r in pool:
        out.setdefault(r.track, []).append(r)
    return dict(sorted(out.items()))


def _assemble(
    chosen: Sequence[tuple[Request, Request, Request | None]],
    free: dict[int, list[Interval]],
    now: datetime,
) -> list[Group]:
    groups = []
    for a, b, extra in chosen:
        candidate, interviewer, swap = roles(a, b)
        w = pair_weight(a, b, now)
        members = (a, b) if extra is None else (a, b, extra)
        slot = earliest_slot(*(free[r.member_id] for r in members))
        assert w is not None and slot is not None, "chosen groups keep the hard rules"
        if extra is None:
            groups.append(Group(candidate.member_id, (interviewer.member_id,), swap, slot, w))
            continue
        extra_weight = panel_weight(extra, a, b, now)
        assert extra_weight is not None, "chosen panels keep the hard rules"
        interviewers = (interviewer.member_id, extra.member_id)
        groups.append(Group(candidate.member_id, interviewers, False, slot, w + extra_weight))
    groups.sort(key=lambda g: (g.slot, g.members))
    return groups


# --- the production method ------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_SPARSE = (10, 5, 3)  # neighbours kept per member at level gap 0, 1, 2 on large components
_REROUTE_TRIES = 10
_REROUTE_ROUNDS = 40
_REROUTE_WORK = 300_000  # edge visits per search: long walks on small components, short on big
_NEVER = float("-inf")


class _Exact:
    """How much exact solving a `match` call may still do (see EXACT_UP_TO)."""

    def __init__(self, up_to: int, work: int):
        self.up_to, self.work = up_to, work

    def take(self, members: int, edges: int) -> bool:
        if members > self.up_to or members * edges > self.work:
            return False
        self.work -= members * edges
        return True


class _Node:
    """A request prepared once: its free time clipped to the horizon, and the set of
    instants t at which it is free for [t, t + MIN_OVERLAP] ("eroded"), as closed integer
    microsecond ranges: two members share an hour exactly when their eroded sets meet."""

    __slots__ = ("days", "eroded", "free", "level", "request")

    def __init__(self, request: Request, free: list[Interval], level: int, now: datetime):
        self.request = request
        self.free = free
        self.eroded = _eroded(free)
        self.level = level
        self.days = _days(request, now)


def _eroded(free: Sequence[Interval]) -> list[tuple[int, int]]:
    return [
        ((s - _EPOCH) // _US, (e - _EPOCH) // _US - _MIN_US)
        for s, e in free
        if e - s >= MIN_OVERLAP
    ]


def _match(requests: Sequence[Request], now: datetime, exact: _Exact) -> list[Group]:
    pool = _pool(requests)
    free = {r.member_id: _window(r.free, now) for r in pool}
    chosen: list[tuple[Request, Request, Request | None]] = []
    for members in _by_track(pool).values():
        nodes = [_Node(r, free[r.member_id], LEVELS.index(r.level), now) for r in members]
        pairs = _pair_stage(nodes, exact)
        extras = _panel_stage(nodes, pairs, exact)
        for k, (i, j) in enumerate(pairs):
            extra = nodes[extras[k]].request if k in extras else None
            chosen.append((nodes[i].request, nodes[j].request, extra))
    return _assemble(chosen, free, now)


def _pair_stage(nodes: list[_Node], exact: _Exact) -> list[tuple[int, int]]:
    """Stage one: the pairs, as index pairs into `nodes` (all of one track)."""
    candidates = interviewers = 0
    for i, n in enumerate(nodes):
        if n.request.role in _CANDIDATE_CAPABLE:
            candidates |= 1 << i
        if n.request.role in _INTERVIEWER_CAPABLE:
            interviewers |= 1 << i
    allowed = {"candidate": interviewers, "interviewer": candidates, "either": -1}
    near = _overlaps([n.eroded for n in nodes])
    near = [x & allowed[n.request.role] for x, n in zip(near, nodes, strict=True)]

    def edge(i: int, j: int) -> tuple[int, int]:
        a, b = nodes[i].request, nodes[j].request
        gap = abs(nodes[i].level - nodes[j].level)
        repeat = _repeat(a, b)
        w = weight(gap, (nodes[i].days, nodes[j].days), repeat, _tie(a.member_id, b.member_id))
        return _units(w), 3 if repeat else gap

    return _optimise(near, edge, [n.level for n in nodes], [n.days for n in nodes], exact)


def _panel_stage(nodes: list[_Node], pairs: list[tuple[int, int]], exact: _Exact) -> dict[int, int]:
    """Stage two: which left-over member joins which pair (pair index -> node index)."""
    paired = {i for p in pairs for i in p}
    spare = [
        i
        for i, n in enumerate(nodes)
        if i not in paired and n.request.role in _INTERVIEWER_CAPABLE and n.eroded
    ]
    if not spare or not pairs:
        return {}
    lead = [_candidate_index(nodes, i, j) for i, j in pairs]
    shared = [_eroded(common(nodes[i].free, nodes[j].free)) for i, j in pairs]
    # Entities 0..len(spare)-1 are the spare members, the rest the pairs.
    near = _overlaps([nodes[i].eroded for i in spare] + shared)
    spare_mask = (1 << len(spare)) - 1
    near = [x & ~spare_mask if k < len(spare) else x & spare_mask for k, x in enumerate(near)]
    levels = [nodes[i].level for i in spare] + [nodes[c].level for c in lead]
    priority = [nodes[i].days for i in spare] + [0.0] * len(pairs)

    def edge(u: int, v: int) -> tuple[int, int]:
        e = nodes[spare[u]]
        i, j = pairs[v - len(spare)]
        a, b = nodes[i].request, nodes[j].request
        gap = abs(e.level - nodes[lead[v - len(spare)]].level)
        repeat = _repeat(e.request, a) or _repeat(e.request, b)
        tie = _tie(e.request.member_id, a.member_id, b.member_id)
        return _units(weight(gap, (e.days,), repeat, tie)), 3 if repeat else gap

    out = {}
    for u, v in _optimise(near, edge, levels, priority, exact):
        out[v - len(spare)] = spare[u]
    return out


def _candidate_index(nodes: list[_Node], i: int, j: int) -> int:
    candidate = roles(nodes[i].request, nodes[j].request)[0]
    return i if candidate is nodes[i].request else j


def _overlaps(eroded: list[list[tuple[int, int]]]) -> list[int]:
    """For each entity, the set (a bitset of indices) of the others it shares a slot with.

    Two closed ranges meet exactly when the later of their starts lies in both, so it is
    enough to know, for every start, which entities cover it: a sweep over the distinct
    starts, with whole sets as integers, instead of comparing every two entities."""
    starts = sorted({s for ranges in eroded for s, _ in ranges})
    cover = [0] * len(starts)
    spans = []
    for i, ranges in enumerate(eroded):
        bit = 1 << i
        mine = []
        for s, t in ranges:
            lo, hi = bisect.bisect_left(starts, s), bisect.bisect_right(starts, t)
            mine.append((lo, hi))
            for k in range(lo, hi):
                cover[k] |= bit
        spans.append(mine)
    out = []
    for i, mine in enumerate(spans):
        x = 0
        for lo, hi in mine:
            for k in range(lo, hi):
                x |= cover[k]
        out.append(x & ~(1 << i))
    return out


def _bits(x: int) -> list[int]:
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out


def _components(near: list[int]) -> list[list[int]]:
    seen = 0
    out = []
    for i in range(len(near)):
        if seen >> i & 1 or not near[i]:
            continue
        comp, frontier = 1 << i, [i]
        while frontier:
            new = near[frontier.pop()] & ~comp
            comp |= new
            frontier.extend(_bits(new))
        seen |= comp
        out.append(_bits(comp))
    return out


def _optimise(
    near: list[int],
    edge: Callable[[int, int], tuple[int, int]],
    levels: list[int],
    priority: list[float],
    exact: _Exact,
) -> list[tuple[int, int]]:
    """A maximum-weight matching of the graph `near` (bitsets), component by component:
    networkx's exact one where `exact` allows, else `_approximate`. `edge(i, j)`
    (i < j) gives the weight in units and the edge's layer (its level gap, 3 for a repeat)."""
    by_level = [0, 0, 0]
    for i, level in enumerate(levels):
        by_level[level] |= 1 << i
    out: list[tuple[int, int]] = []
    for comp in sorted(_components(near), key=len):
        if len(comp) == 2:
            out.append((comp[0], comp[1]))
        elif exact.take(len(comp), sum(near[i].bit_count() for i in comp) // 2):
            graph = nx.Graph()
            graph.add_nodes_from(comp)
            for i in comp:
                for j in _bits(near[i] >> (i + 1)):
                    graph.add_edge(i, i + 1 + j, weight=edge(i, i + 1 + j)[0])
            out.extend(tuple(sorted(e)) for e in nx.max_weight_matching(graph))
        else:
            out.extend(_approximate(comp, near, edge, levels, by_level, priority))
    return sorted(out)


def _approximate(
    comp: list[int],
    near: list[int],
    edge: Callable[[int, int], tuple[int, int]],
    levels: list[int],
    by_level: list[int],
    priority: list[float],
) -> list[tuple[int, int]]:
    """A large component: a sparse graph (each vertex keeps a few neighbours of its own
    level and fewer of the others, spread over the component), then `_fast_matching` on it."""
    size = len(near)
    chosen: set[tuple[int, int]] = set()
    for i in comp:
        offset = (i * 2654435761) % size
        for gap, keep in enumerate(_SPARSE):
            mask = 0
            for level in range(3):
                if abs(level - levels[i]) == gap:
                    mask |= by_level[level]
            for j in _pick(near[i] & mask, keep, offset):
                chosen.add((i, j) if i < j else (j, i))
    local = {g: k for k, g in enumerate(comp)}
    adj: list[dict[int, int]] = [{} for _ in comp]
    layer: list[dict[int, int]] = [{} for _ in comp]
    for i, j in sorted(chosen):
        w, lay = edge(i, j)
        a, b = local[i], local[j]
        adj[a][b] = adj[b][a] = w
        layer[a][b] = layer[b][a] = lay
    mate = _fast_matching(adj, layer, [priority[g] for g in comp])
    return [(comp[a], comp[b]) for a, b in enumerate(mate) if a < b]


def _pick(x: int, keep: int, offset: int) -> list[int]:
    """Up to `keep` members of the bitset `x`, the first ones at or after `offset` (wrapping
    round), so different vertices keep different neighbours."""
    out: list[int] = []
    for part, shift in ((x >> offset, offset), (x & ((1 << offset) - 1), 0)):
        while part and len(out) < keep:
            low = part & -part
            out.append(low.bit_length() - 1 + shift)
            part ^= low
    return out


def _fast_matching(
    adj: list[dict[int, int]], layer: list[dict[int, int]], priority: list[float]
) -> list[int]:
    """A matching close to the maximum weight, in time near linear in the edges in practice.

    The weights make the optimum almost a maximum-cardinality matching that pairs members
    of one level where it can and repeats only when it must, so it is built in that order:
    greedy by weight on same-level fresh edges, then augmenting paths (Edmonds' blossom
    search, longest-waiting roots first) allowing level gap 1, then 2, then repeats; last,
    local improvements that each raise the weight (a left-over member replacing or joining
    through a pair, two or three pairs swapping partners)."""
    n = len(adj)
    mate = [-1] * n
    first = sorted(
        ((w, i, j) for i in range(n) for j, w in adj[i].items() if i < j and layer[i][j] == 0),
        reverse=True,
    )
    for _, i, j in first:
        if mate[i] < 0 and mate[j] < 0:
            mate[i], mate[j] = j, i
    order = sorted(range(n), key=lambda v: (-priority[v], v))
    for top in range(4):
        _augment([[j for j in adj[v] if layer[v][j] <= top] for v in range(n)], adj, mate, order)
    _improve(adj, layer, mate)
    if _reroute(adj, layer, mate):
        _improve(adj, layer, mate)
    return mate


def _augment(
    nbrs: list[list[int]], adj: list[dict[int, int]], mate: list[int], order: list[int]
) -> None:
    """Augment `mate` to a maximum-cardinality matching of the graph `nbrs` (Edmonds).

    A root whose search fails leaves a Hungarian tree that no later augmentation can reach,
    so its vertices are dropped from further searches."""
    n = len(nbrs)
    dead = [False] * n
    for root in order:
        if mate[root] >= 0 or dead[root]:
            continue
        end, parent, reached = _search(root, nbrs, mate, dead)
        if end < 0:
            for v in reached:
                dead[v] = True
            continue
        path, v = [], end
        while v >= 0:
            path.append((v, parent[v]))
            v = mate[parent[v]]
        gain = sum(adj[v][p] for v, p in path)
        gain -= sum(adj[p][mate[p]] for _, p in path if mate[p] >= 0)
        if gain <= 0:  # more pairs, less weight: possible when it takes repeats (rare)
            continue
        for v, p in path:
            mate[v], mate[p] = p, v


def _search(
    root: int, nbrs: list[list[int]], mate: list[int], dead: list[bool]
) -> tuple[int, list[int], list[int]]:
    """Breadth-first search for an augmenting path from `root`, shrinking blossoms: returns
    its far end (or -1), the parent links, and every vertex reached."""
    n = len(nbrs)
    parent = [-1] * n
    base = list(range(n))
    used = [False] * n
    used[root] = True
    queue = [root]
    reached = [root]
    head = 0

    def lca(a: int, b: int) -> int:
        seen = set()
        while True:
            a = base[a]
            seen.add(a)
            if mate[a] < 0:
                break
            a = parent[mate[a]]
        while True:
            b = base[b]
            if b in seen:
                return b
            b = parent[mate[b]]

    def mark(v: int, top: int, child: int, blossom: set[int]) -> None:
        while base[v] != top:
            blossom.add(base[v])
            blossom.add(base[mate[v]])
            parent[v] = child
            child = mate[v]
            v = parent[child]

    while head < len(queue):
        v = queue[head]
        head += 1
        for to in nbrs[v]:
            if dead[to] or base[v] == base[to] or mate[v] == to:
                continue
            if to == root or (mate[to] >= 0 and parent[mate[to]] >= 0):
                top = lca(v, to)
                blossom: set[int] = set()
                mark(v, top, to, blossom)
                mark(to, top, v, blossom)
                for i in reached:  # every vertex of the tree, so of the blossom, is there
                    if base[i] in blossom:
                        base[i] = top
                        if not used[i]:
                            used[i] = True
                            queue.append(i)
            elif parent[to] < 0:
                parent[to] = v
                reached.append(to)
                if mate[to] < 0:
                    return to, parent, reached
                used[mate[to]] = True
                queue.append(mate[to])
                reached.append(mate[to])
    return -1, parent, reached


def _improve(adj: list[dict[int, int]], layer: list[dict[int, int]], mate: list[int]) -> None:
    """Local moves, each strictly raising the weight, until none is left (or a few rounds):
    a single member pairs with a single neighbour, takes a neighbour from its pair, or does so
    while the freed partner pairs with another single; two pairs swap partners; a pair across
    levels or a repeat tries a swap round three pairs (or round two pairs and a single)."""
    n = len(adj)
    for _ in range(10):
        better = False
        for u in range(n):
            if mate[u] < 0:
                better |= _improve_single(u, adj, mate)
            else:
                better |= _improve_pair(u, adj, layer, mate)
        if not better:
            return


def _improve_single(u: int, adj: list[dict[int, int]], mate: list[int]) -> bool:
    best, move = 0, None
    for v, wuv in adj[u].items():
        x = mate[v]
        if x < 0:
            if wuv > best:
                best, move = wuv, (v, -1, -1)
            continue
        gain = wuv - adj[v][x]
        if gain > best:
            best, move = gain, (v, x, -1)
        for y, wxy in adj[x].items():
            if mate[y] < 0 and y != u and gain + wxy > best:
                best, move = gain + wxy, (v, x, y)
    if move is None:
        return False
    v, x, y = move
    if x >= 0:
        mate[x] = -1
    mate[u], mate[v] = v, u
    if y >= 0:
        mate[x], mate[y] = y, x
    return True


def _improve_pair(
    a: int, adj: list[dict[int, int]], layer: list[dict[int, int]], mate: list[int]
) -> bool:
    b = mate[a]
    wab = adj[a][b]
    for c, wac in adj[a].items():
        d = mate[c]
        if d < 0 or c == b:
            continue
        wcd = adj[c][d]
        wbd = adj[b].get(d)
        if wbd is not None and wac + wbd > wab + wcd:
            mate[a], mate[c], mate[b], mate[d] = c, a, d, b
            return True
        if layer[a][b] == 0 or wac <= wab:
            continue
        for e, wde in adj[d].items():
            if e in (a, b, c):
                continue
            f = mate[e]
            if f < 0:
                if wac + wde > wab + wcd:  # b is left over
                    mate[a], mate[c], mate[d], mate[e], mate[b] = c, a, e, d, -1
                    return True
                continue
            if f in (a, b):
                continue
            wfb = adj[f].get(b)
            if wfb is not None and wac + wde + wfb > wab + wcd + adj[e][f]:
                mate[a], mate[c], mate[d], mate[e], mate[f], mate[b] = c, a, e, d, b, f
                return True
    return False


def _reroute(adj: list[dict[int, int]], layer: list[dict[int, int]], mate: list[int]) -> bool:
    """Longer improvements than `_improve` finds: alternating cycles through a pair across
    levels (or a repeat) that bring partners closer in level, and alternating paths from a
    left-over member that change who is left over. Found by a Bellman-Ford search over "leave
    this pair through the partner, join that pair" steps, bounded in rounds and tries, each
    applied only if it is a valid exchange that gains at least a point."""
    found = False
    for _ in range(_REROUTE_TRIES):
        if not (_reroute_once(adj, layer, mate, True) or _reroute_once(adj, layer, mate, False)):
            break
        found = True
    return found


def _reroute_once(
    adj: list[dict[int, int]], layer: list[dict[int, int]], mate: list[int], cycles: bool
) -> bool:
    # gain[y]: the best gain of a walk that ends by pairing y with a new partner (so y's pair
    # is broken and its old partner moves on); parent[y] the vertex the walk came from, -1
    # when it started at the left-over member origin[y].
    n = len(adj)
    gain = [_NEVER] * n
    parent = [-2] * n
    origin = [-1] * n
    active = []
    for v in range(n):
        m = mate[v]
        if cycles and m >= 0 and layer[v][m] > 0:
            gain[v] = 0
            active.append(v)
        if not cycles and m < 0:
            for y, w in adj[v].items():
                if mate[y] >= 0 and w - adj[y][mate[y]] > gain[y]:
                    gain[y], parent[y], origin[y] = w - adj[y][mate[y]], -1, v
                    active.append(y)
    active = list(dict.fromkeys(active))
    work = 0
    for _ in range(_REROUTE_ROUNDS):
        if work > _REROUTE_WORK:
            break
        changed = []
        for x in active:
            gx = gain[x]
            work += len(adj[mate[x]])
            for y, w in adj[mate[x]].items():
                my = mate[y]
                if my < 0 or y == x:
                    continue
                g = gx + w - adj[y][my]
                if g > gain[y]:
                    gain[y], parent[y], origin[y] = g, x, origin[x]
                    changed.append(y)
        if not changed:
            break
        active = list(dict.fromkeys(changed))
        if cycles and _apply_cycles(adj, mate, parent, active):
            return True
    if cycles:
        return False
    ends = sorted(
        ((gain[x], x) for x in range(n) if origin[x] >= 0 and gain[x] > _UNITS), reverse=True
    )
    return any(_apply_path(adj, mate, parent, origin, x) for _, x in ends)


def _apply_cycles(
    adj: list[dict[int, int]], mate: list[int], parent: list[int], starts: list[int]
) -> bool:
    """Apply the cycles of the parent links reached from `starts` that use each pair once,
    touch no other applied cycle and gain at least a point."""
    stamp: dict[int, int] = {}
    touched: set[int] = set()
    for start in starts:
        if start in stamp:
            continue
        v, trail = start, []
        while v >= 0 and v not in stamp:
            stamp[v] = start
            trail.append(v)
            v = parent[v]
        if v < 0 or stamp[v] != start:
            continue
        cycle = trail[trail.index(v) :][::-1]
        pairs = {min(x, mate[x]) for x in cycle}
        if len(pairs) < len(cycle) or any(x in touched or mate[x] in touched for x in cycle):
            continue
        steps = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        if sum(adj[mate[x]][y] - adj[y][mate[y]] for x, y in steps) <= _UNITS:
            continue
        new = [(mate[x], y) for x, y in steps]
        touched.update(cycle)
        touched.update(mate[x] for x in cycle)
        for a, b in new:
            mate[a], mate[b] = b, a
    return bool(touched)


def _apply_path(
    adj: list[dict[int, int]], mate: list[int], parent: list[int], origin: list[int], end: int
) -> bool:
    """Apply the walk that the parent links trace back from `end` to a left-over member (the
    walk's start; `end`'s partner is left over instead) if it is a valid exchange gaining at
    least a point."""
    chain, v = [], end
    while v >= 0:
        if v in chain:
            return False
        chain.append(v)
        v = parent[v]
    chain.reverse()
    single = origin[chain[0]]
    if parent[chain[0]] != -1 or len({min(x, mate[x]) for x in chain}) < len(chain):
        return False
    new = [(single, chain[0]), *((mate[x], y) for x, y in itertools.pairwise(chain))]
    if sum(adj[a][b] for a, b in new) - sum(adj[x][mate[x]] for x in chain) <= _UNITS:
        return False
    freed = mate[chain[-1]]
    for a, b in new:
        mate[a], mate[b] = b, a
    mate[freed] = -1
    return True
