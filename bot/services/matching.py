"""Mock-interview matching on the database: availability, the pool, batches, matches, packets.

The pure rules are in `bot.domain.matching` (who may pair, the weights, the optimal groups) and
`bot.domain.availability` (weekly windows). This module loads the pool, asks for the groups
and writes them so that nothing is lost or doubled: a member's open request and their place in
an open match are both unique per guild in the database, so two racing requests or batches
cannot put anyone in two matches; a match is committed before its thread exists, and a restart
finishes whatever a crash left half done.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.bank.schema import TRACKS
from bot.db.models import (
    MATCH_CADENCES,
    MATCH_LEVELS,
    MATCH_ROLES,
    Availability,
    AvailabilityWindow,
    DailyAnswer,
    DailyPost,
    Guild,
    Match,
    MatchConfig,
    MatchMember,
    MatchPause,
    MatchRequest,
    PacketQuestion,
    Question,
    QuizAnswer,
    QuizQuestion,
)
from bot.domain import interviews as sessions_rules
from bot.domain import matching as rules
from bot.domain.availability import Window
from bot.domain.errors import BadInput
from bot.domain.schedule import local_date, run_at, ts
from bot.services.activity import member_zone, zone_of
from bot.services.daily import QuestionView, question_view
from bot.services.guilds import guild_row

Sessions = async_sessionmaker[AsyncSession]

CADENCES = MATCH_CADENCES  # daily, weekly, manual
REQUEST_DAYS = 14  # an open request expires after this long, with a notice
BATCH_AT = time(18, 0)  # batch matching, guild time
WEEKLY_ON = 0  # Monday
PACKET_SIZE = 3
ATTEMPTS = 3


class Conflict(Exception):
    """Someone else changed the pool while a batch was being written: compute it again."""


@dataclass(frozen=True)
class RequestView:
    id: int
    guild_id: int
    member_id: int
    track: str
    role: str
    level: str
    status: str
    created_at: datetime
    expires_at: datetime
    match_id: int | None


@dataclass(frozen=True)
class Opened:
    request: RequestView
    replaced: RequestView | None


@dataclass(frozen=True)
class Seat:
    member_id: int
    role: str  # candidate | interviewer
    level: str
    dm_sent: bool
    accepted: bool = False  # accepted the slot proposed now
    said: str | None = None  # after the slot: happened | missed


@dataclass(frozen=True)
class MatchCard:
    """A match as the thread and the packets show it."""

    id: int
    guild_id: int
    track: str
    swap: bool
    slot: tuple[datetime, datetime]
    thread_id: int | None
    seats: tuple[Seat, ...]
    confirmed_at: datetime | None = None
    prompted_at: datetime | None = None
    happened_at: datetime | None = None
    closed_at: datetime | None = None
    event_id: int | None = None
    time_message_id: int | None = None  # the thread message whose Accept is current
    cancelled_by: int | None = None

    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(s.member_id for s in self.seats)

    @property
    def interviewer_ids(self) -> tuple[int, ...]:
        """Who receives a packet: the interviewers, and both members of a swapping pair."""
        if self.swap:
            return self.member_ids
        return tuple(s.member_id for s in self.seats if s.role == "interviewer")

    def seat(self, member_id: int) -> Seat | None:
        return next((s for s in self.seats if s.member_id == member_id), None)

    def partners(self, member_id: int) -> tuple[int, ...]:
        """Whom `member_id` interviewed or was interviewed by (a panel's two interviewers
        work side by side: neither rates the other)."""
        seat = self.seat(member_id)
        if seat is None:
            return ()
        if self.swap or seat.role == "candidate":
            return tuple(m for m in self.member_ids if m != member_id)
        return tuple(s.member_id for s in self.seats if s.role == "candidate")

    def candidate_for(self, interviewer_id: int) -> int:
        """The member `interviewer_id` interviews (in a swapping pair, the other one)."""
        if self.swap:
            return next(m for m in self.member_ids if m != interviewer_id)
        return next(s.member_id for s in self.seats if s.role == "candidate")


@dataclass(frozen=True)
class Packet:
    match_id: int
    interviewer_id: int
    candidate_id: int
    track: str
    questions: tuple[QuestionView, ...]


# ---- availability ------------------------------------------------------------------------


async def set_availability(
    sessions: Sessions, member_id: int, zone: str, windows: Sequence[Window], now: datetime
) -> None:
    """Replace a member's weekly windows (already parsed and checked) in `zone`."""
    async with sessions() as session:
        row = await session.get(Availability, member_id)
        if row is None:
            session.add(Availability(member_id=member_id, timezone=zone, updated_at=now))
        else:
            row.timezone = zone
            row.updated_at = now
        await session.flush()
        await session.execute(
            delete(AvailabilityWindow).where(AvailabilityWindow.member_id == member_id)
        )
        session.add_all(
            AvailabilityWindow(
                member_id=member_id, weekday=w.weekday, start_minute=w.start, end_minute=w.end
            )
            for w in windows
        )
        await session.commit()


async def availability(sessions: Sessions, member_id: int) -> tuple[str, list[Window]] | None:
    """A member's zone and windows, or None if they never set any."""
    async with sessions() as session:
        found = await availabilities_of(session, [member_id])
    return found.get(member_id)


async def availabilities_of(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, tuple[str, list[Window]]]:
    zones = dict(
        (
            await session.execute(
                select(Availability.member_id, Availability.timezone).where(
                    Availability.member_id.in_(member_ids)
                )
            )
        ).all()
    )
    windows: dict[int, list[Window]] = defaultdict(list)
    for member_id, weekday, start, end in await session.execute(
        select(
            AvailabilityWindow.member_id,
            AvailabilityWindow.weekday,
            AvailabilityWindow.start_minute,
            AvailabilityWindow.end_minute,
        )
        .where(AvailabilityWindow.member_id.in_(member_ids))
        .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)
    ):
        windows[member_id].append(Window(weekday, start, end))
    return {m: (zone, windows.get(m, [])) for m, zone in zones.items()}


# ---- settings ------------------------------------------------------------------------------


async def configure(
    sessions: Sessions, guild_id: int, channel_id: int, cadence: str, now: datetime
) -> datetime | None:
    """Save where match threads go and how often batches run; returns when the next batch
    runs (None: manual)."""
    if cadence not in MATCH_CADENCES:
        raise BadInput(f"Unknown cadence “{cadence[:40]}”: pick daily, weekly or manual.")
    async with sessions() as session:
        guild = await guild_row(session, guild_id, now)
        config = await session.get(MatchConfig, guild_id)
        if config is None:
            config = MatchConfig(guild_id=guild_id, created_at=now)
            session.add(config)
        config.channel_id = channel_id
        config.cadence = cadence
        config.updated_at = now
        zone = ZoneInfo(guild.timezone or "UTC")
        await session.commit()
    return next_batch(cadence, zone, now)


async def settings_of(sessions: Sessions, guild_id: int) -> tuple[int, str] | None:
    """The guild's match channel and cadence, if set up."""
    async with sessions() as session:
        config = await session.get(MatchConfig, guild_id)
    return (config.channel_id, config.cadence) if config else None


def next_batch(cadence: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the next batch runs (18:00 guild time, every day or on Mondays); None: manual."""
    if cadence == "manual":
        return None
    day = local_date(now, zone)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if cadence == "weekly" and candidate.weekday() != WEEKLY_ON:
            continue
        at = run_at(candidate, BATCH_AT, zone)
        if at is not None and at > now:
            return at
    return None  # pragma: no cover - every week has a Monday


async def claim_batches(
    sessions: Sessions, now: datetime, *, owns: Callable[[int], bool] = lambda _: True
) -> list[int]:
    """The guilds (of those this process `owns`) whose batch is due: today's 18:00 has passed
    and today's batch has not run. Each is claimed by storing today's date, so a batch runs
    once a day however often this is asked and whatever restarts in between."""
    claimed: list[int] = []
    async with sessions() as session:
        rows = (
            await session.execute(
                select(
                    MatchConfig.guild_id,
                    MatchConfig.cadence,
                    MatchConfig.last_batch_on,
                    Guild.timezone,
                )
                .join(Guild, Guild.id == MatchConfig.guild_id)
                .where(MatchConfig.cadence != "manual")
            )
        ).all()
        for guild_id, cadence, last, tz in rows:
            if not owns(guild_id):
                continue
            zone = ZoneInfo(tz or "UTC")
            today = local_date(now, zone)
            if cadence == "weekly" and today.weekday() != WEEKLY_ON:
                continue
            at = run_at(today, BATCH_AT, zone)
            if at is None or now < at or (last is not None and last >= today):
                continue
            done = await session.execute(
                update(MatchConfig)
                .where(
                    MatchConfig.guild_id == guild_id,
                    or_(MatchConfig.last_batch_on.is_(None), MatchConfig.last_batch_on < today),
                )
                .values(last_batch_on=today)
            )
            if done.rowcount:  # type: ignore[attr-defined]
                claimed.append(guild_id)
        await session.commit()
    return claimed


# ---- requests ------------------------------------------------------------------------------


async def open_request(
    sessions: Sessions,
    *,
    guild_id: int,
    member_id: int,
    track: str,
    role: str,
    level: str,
    now: datetime,
) -> Opened:
    """Put a member in the pool; an open request of theirs in this guild is replaced."""
    if track not in TRACKS:
        raise BadInput(f"Unknown track “{track[:60]}”: pick one of {', '.join(TRACKS)}.")
    if role not in MATCH_ROLES:
        raise BadInput(f"Unknown role “{role[:40]}”: pick candidate, interviewer or either.")
    if level not in MATCH_LEVELS:
        raise BadInput(f"Unknown level “{level[:40]}”: pick junior, mid or senior.")
    found = await availability(sessions, member_id)
    if found is None or not found[1]:
        raise BadInput(
            "First tell me when you are free: `/availability set` (for example "
            "`Mon-Fri 18:00-21:00, Sat 10:00-13:00`). Then ask again."
        )
    for _attempt in range(ATTEMPTS):
        async with sessions() as session:
            await guild_row(session, guild_id, now)
            paused = (await pauses(session, guild_id, [member_id], now)).get(member_id)
            if paused is not None:
                raise BadInput(
                    f"You are paused from matching until {ts(paused, 'F')} after two "
                    "no-shows in 30 days. "
                    "You can ask again from then."
                )
            busy = await _open_match_of(session, guild_id, member_id)
            if busy is not None:
                raise BadInput(
                    "You are already in an open match"
                    + (f": <#{busy.thread_id}>" if busy.thread_id else "")
                    + ". Finish that one first."
                )
            old = await session.scalar(
                select(MatchRequest).where(
                    MatchRequest.guild_id == guild_id, MatchRequest.open_member_id == member_id
                )
            )
            replaced = _view(old) if old is not None else None
            if old is not None:
                old.status, old.open_member_id, old.closed_at = "replaced", None, now
                await session.flush()
            row = MatchRequest(
                guild_id=guild_id,
                member_id=member_id,
                open_member_id=member_id,
                track=track,
                role=role,
                level=level,
                status="open",
                created_at=now,
                expires_at=now + timedelta(days=REQUEST_DAYS),
            )
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:  # another request of theirs raced this one: replace it
                await session.rollback()
                continue
            return Opened(_view(row), replaced)
    raise BadInput("Your request changed at the same moment; try again.")


async def current_request(sessions: Sessions, guild_id: int, member_id: int) -> RequestView | None:
    async with sessions() as session:
        row = await session.scalar(
            select(MatchRequest).where(
                MatchRequest.guild_id == guild_id, MatchRequest.open_member_id == member_id
            )
        )
    return _view(row) if row else None


async def open_match(sessions: Sessions, guild_id: int, member_id: int) -> MatchCard | None:
    async with sessions() as session:
        found = await _open_match_of(session, guild_id, member_id)
        return await load_card(session, found.id) if found else None


async def pool_size(sessions: Sessions, guild_id: int, now: datetime) -> int:
    """How many open requests are waiting in a guild."""
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    MatchRequest.guild_id == guild_id,
                    MatchRequest.status == "open",
                    MatchRequest.expires_at > now,
                )
            )
            or 0
        )


async def typing_zone(sessions: Sessions, member_id: int, guild_id: int) -> str:
    """The zone a member's availability is read in: their own, else the server's."""
    async with sessions() as session:
        return (await member_zone(session, member_id, guild_id)).key


async def cancel(sessions: Sessions, guild_id: int, member_id: int, now: datetime) -> bool:
    """Leave the pool; False if there was no open request."""
    async with sessions() as session:
        done = await session.execute(
            update(MatchRequest)
            .where(MatchRequest.guild_id == guild_id, MatchRequest.open_member_id == member_id)
            .values(status="cancelled", open_member_id=None, closed_at=now)
        )
        await session.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def expire(sessions: Sessions, now: datetime) -> list[RequestView]:
    """Close the requests that waited their 14 days; returns them, for the notices."""
    async with sessions() as session:
        rows = list(
            await session.scalars(
                select(MatchRequest).where(
                    MatchRequest.status == "open", MatchRequest.expires_at <= now
                )
            )
        )
        expired = []
        for row in rows:
            done = await session.execute(
                update(MatchRequest)
                .where(MatchRequest.id == row.id, MatchRequest.status == "open")
                .values(status="expired", open_member_id=None, closed_at=now)
            )
            if done.rowcount:  # type: ignore[attr-defined]
                expired.append(_view(row, status="expired"))
        await session.commit()
    return expired


# ---- matching ------------------------------------------------------------------------------


async def run(
    sessions: Sessions, guild_id: int, now: datetime, *, member_id: int | None = None
) -> list[MatchCard]:
    """Match the guild's pool and store the groups (with their packets); returns them.

    With `member_id`, only a group that includes that member is made (a request answered at
    once when a partner is waiting); the rest of the pool waits for the batch."""
    for _attempt in range(ATTEMPTS):
        try:
            return await _run_once(sessions, guild_id, now, member_id)
        except Conflict:
            continue
    return []


async def _run_once(
    sessions: Sessions, guild_id: int, now: datetime, member_id: int | None
) -> list[MatchCard]:
    async with sessions() as session:
        requests = list(
            await session.scalars(
                select(MatchRequest)
                .where(
                    MatchRequest.guild_id == guild_id,
                    MatchRequest.status == "open",
                    MatchRequest.expires_at > now,
                )
                .order_by(MatchRequest.id)
            )
        )
        if member_id is not None:
            mine = next((r for r in requests if r.member_id == member_id), None)
            if mine is None:
                return []
            requests = [r for r in requests if r.track == mine.track]  # a hard rule
        pool = await _pool(session, guild_id, requests, now)
        # Pure CPU work (seconds for thousands of requests): off the event loop.
        groups = await asyncio.to_thread(rules.match, pool, now)
        if member_id is not None:
            groups = [g for g in groups if member_id in g.members]
        if not groups:
            return []
        by_member = {r.member_id: r for r in requests}
        try:
            cards = await _write(session, guild_id, groups, by_member, now)
            await session.commit()
        except IntegrityError as error:  # a member already in an open match: a racing batch
            await session.rollback()
            raise Conflict from error
        return cards


async def _write(
    session: AsyncSession,
    guild_id: int,
    groups: Sequence[rules.Group],
    by_member: dict[int, MatchRequest],
    now: datetime,
) -> list[MatchCard]:
    """The groups as matches, their seats and packets, and their requests closed, in a few
    statements for the whole batch; raises `Conflict` (or the database's IntegrityError) when
    another writer got there first."""
    # Core, not the ORM's unit of work: thousands of rows in a batch, one statement each.
    rows = [
        {
            "guild_id": guild_id,
            "candidate_id": g.candidate,
            "track": by_member[g.candidate].track,
            "swap": g.swap,
            "slot_start": g.slot[0],
            "slot_end": g.slot[1],
            "weight": g.weight,
            "created_at": now,
        }
        for g in groups
    ]
    # Keyed by candidate (nobody is in two groups of a batch): a RETURNING without a stated
    # order is one statement, where keeping the parameters' order costs one per row on SQLite.
    match_ids = dict(
        (await session.execute(insert(Match).returning(Match.candidate_id, Match.id), rows)).all()
    )
    cards = []
    for group, row in zip(groups, rows, strict=True):
        match_id = match_ids[group.candidate]
        seats = sorted(
            (
                Seat(
                    member,
                    "candidate" if member == group.candidate else "interviewer",
                    by_member[member].level,
                    False,
                )
                for member in group.members
            ),
            key=lambda seat: (seat.role, seat.member_id),
        )
        cards.append(
            MatchCard(match_id, guild_id, row["track"], group.swap, group.slot, None, tuple(seats))
        )
    await session.execute(
        insert(MatchMember),
        [
            {
                "match_id": card.id,
                "member_id": seat.member_id,
                "guild_id": guild_id,
                "open_member_id": seat.member_id,
                "role": seat.role,
                "level": seat.level,
                "dm_sent": False,
            }
            for card in cards
            for seat in card.seats
        ],
    )
    # Close the requests, each only if still open; one executemany. Counted afterwards, since
    # not every driver reports an executemany's row count.
    table = MatchRequest.__table__
    close = (
        update(table)
        .where(table.c.id == bindparam("rid"), table.c.status == "open")
        .values(status="matched", open_member_id=None, closed_at=now, match_id=bindparam("mid"))
    )
    pairs = [{"rid": by_member[m].id, "mid": card.id} for card in cards for m in card.member_ids]
    connection = await session.connection()
    await connection.execute(close, pairs)
    closed = 0
    made = [card.id for card in cards]
    for start in range(0, len(made), 1000):
        closed += int(
            await session.scalar(
                select(func.count()).where(MatchRequest.match_id.in_(made[start : start + 1000]))
            )
            or 0
        )
    if closed != len(pairs):
        raise Conflict
    await _choose_packets(session, cards)
    await session.flush()
    return cards


async def _pool(
    session: AsyncSession, guild_id: int, requests: Sequence[MatchRequest], now: datetime
) -> list[rules.Request]:
    members = [r.member_id for r in requests]
    if not members:
        return []
    windows = await availabilities_of(session, members)
    recent = await _recent_partners(session, members, now)
    paused = await pauses(session, guild_id, members, now)
    start = sessions_rules.earliest_start(now)  # proposals leave time to get ready
    pool = []
    for r in requests:
        zone_name, member_windows = windows.get(r.member_id, (None, []))
        zone = zone_of(zone_name, None)
        pool.append(
            rules.Request(
                member_id=r.member_id,
                track=r.track,
                role=r.role,
                level=r.level,
                waiting_since=r.created_at,
                free=rules.free_intervals(member_windows, zone, start, now + rules.HORIZON - start),
                recent=frozenset(recent.get(r.member_id, ())),
                paused=r.member_id in paused,
            )
        )
    return pool


async def pauses(
    session: AsyncSession, guild_id: int, members: Sequence[int], now: datetime
) -> dict[int, datetime]:
    """The members of `members` paused from matching in this guild now, with the end of it."""
    found: dict[int, datetime] = {}
    for start in range(0, len(members), 1000):
        rows = await session.execute(
            select(MatchPause.member_id, func.max(MatchPause.until))
            .where(
                MatchPause.guild_id == guild_id,
                MatchPause.member_id.in_(members[start : start + 1000]),
                MatchPause.until > now,
                MatchPause.lifted_at.is_(None),
            )
            .group_by(MatchPause.member_id)
        )
        found.update({member: until for member, until in rows})
    return found


async def _recent_partners(
    session: AsyncSession, members: Sequence[int], now: datetime
) -> dict[int, set[int]]:
    """Each member's partners in matches made within the last four weeks (any guild)."""
    since = now - rules.REPEAT_WINDOW
    mine = (
        select(MatchMember.match_id, MatchMember.member_id)
        .join(Match, Match.id == MatchMember.match_id)
        .where(MatchMember.member_id.in_(members), Match.created_at >= since)
        .subquery()
    )
    partners: dict[int, set[int]] = defaultdict(set)
    for member_id, partner_id in await session.execute(
        select(mine.c.member_id, MatchMember.member_id).join(
            MatchMember, MatchMember.match_id == mine.c.match_id
        )
    ):
        if member_id != partner_id:
            partners[member_id].add(partner_id)
    return partners


async def _open_match_of(session: AsyncSession, guild_id: int, member_id: int) -> Match | None:
    return await session.scalar(
        select(Match)
        .join(MatchMember, MatchMember.match_id == Match.id)
        .where(MatchMember.guild_id == guild_id, MatchMember.open_member_id == member_id)
    )


# ---- packets -------------------------------------------------------------------------------


async def _choose_packets(session: AsyncSession, cards: Sequence[MatchCard]) -> None:
    """Questions of the track for each interviewer to ask their candidate: open ones first,
    none the candidate has answered or received before (in a packet, either side of it). A
    panel's two interviewers share one set; a swapping pair gets two different sets. What
    each candidate has met is read once for the whole batch."""
    candidates = {card.candidate_for(i) for card in cards for i in card.interviewer_ids}
    seen = await _met(session, candidates)
    tracks = {card.track for card in cards}
    bank: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for qid, track, fmt in await session.execute(
        select(Question.id, Question.track, Question.format).where(
            Question.track.in_(tracks), Question.retired_at.is_(None)
        )
    ):
        bank[track].append((qid, fmt))
    rows: list[dict[str, int]] = []
    for card in cards:
        taken: set[int] = set()
        shared: list[int] | None = None
        for interviewer in card.interviewer_ids:
            candidate = card.candidate_for(interviewer)
            if shared is None or card.swap:
                shared = _pick(card.id, bank[card.track], seen[candidate] | taken)
                taken |= set(shared)
                seen[candidate] |= set(shared)  # also met, for a later match in this batch
            rows += [
                {
                    "match_id": card.id,
                    "interviewer_id": interviewer,
                    "candidate_id": candidate,
                    "question_id": question_id,
                    "position": position,
                }
                for position, question_id in enumerate(shared)
            ]
    if rows:
        await session.execute(insert(PacketQuestion), rows)


async def _met(session: AsyncSession, members: set[int]) -> dict[int, set[int]]:
    """The questions each member has answered (daily, quiz) or received in a packet."""
    met: dict[int, set[int]] = defaultdict(set)
    ids = sorted(members)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        queries = [
            select(PacketQuestion.candidate_id, PacketQuestion.question_id).where(
                PacketQuestion.candidate_id.in_(chunk)
            ),
            select(PacketQuestion.interviewer_id, PacketQuestion.question_id).where(
                PacketQuestion.interviewer_id.in_(chunk)
            ),
            select(DailyAnswer.member_id, DailyPost.question_id)
            .join(DailyPost, DailyPost.id == DailyAnswer.post_id)
            .where(DailyAnswer.member_id.in_(chunk)),
            select(QuizAnswer.member_id, QuizQuestion.question_id)
            .join(QuizQuestion, QuizQuestion.id == QuizAnswer.quiz_question_id)
            .where(QuizAnswer.member_id.in_(chunk)),
        ]
        for query in queries:
            for member_id, question_id in await session.execute(query):
                met[member_id].add(question_id)
    return met


def _pick(match_id: int, bank: Sequence[tuple[int, str]], excluded: set[int]) -> list[int]:
    def order(item: tuple[int, str]) -> tuple[bool, str]:
        # Open questions first; among them a spread that differs from match to match.
        qid, fmt = item
        return fmt != "open", hashlib.sha256(f"{match_id}:{qid}".encode()).hexdigest()

    fresh = sorted((item for item in bank if item[0] not in excluded), key=order)
    return [qid for qid, _ in fresh[:PACKET_SIZE]]


async def packet(sessions: Sessions, match_id: int, interviewer_id: int) -> Packet | None:
    """An interviewer's packet; None for anyone who has none in this match."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(PacketQuestion, Question)
                .join(Question, Question.id == PacketQuestion.question_id)
                .where(
                    PacketQuestion.match_id == match_id,
                    PacketQuestion.interviewer_id == interviewer_id,
                )
                .order_by(PacketQuestion.position)
            )
        ).all()
        match = await session.get(Match, match_id)
    if match is None or not rows:
        return None
    return Packet(
        match_id,
        interviewer_id,
        rows[0][0].candidate_id,
        match.track,
        tuple(question_view(q) for _, q in rows),
    )


# ---- threads -------------------------------------------------------------------------------


async def card(sessions: Sessions, match_id: int) -> MatchCard | None:
    async with sessions() as session:
        return await load_card(session, match_id)


async def load_card(session: AsyncSession, match_id: int) -> MatchCard | None:
    found = await load_cards(session, [match_id])
    return found[0] if found else None


async def load_cards(session: AsyncSession, ids: Sequence[int]) -> list[MatchCard]:
    """The matches of `ids` as cards, in that order (missing ones left out): two queries
    however many."""
    if not ids:
        return []
    matches = {m.id: m for m in await session.scalars(select(Match).where(Match.id.in_(ids)))}
    seats: dict[int, list[Seat]] = defaultdict(list)
    for match_id, *seat in await session.execute(
        select(
            MatchMember.match_id,
            MatchMember.member_id,
            MatchMember.role,
            MatchMember.level,
            MatchMember.dm_sent,
            MatchMember.accepted_at.is_not(None),
            MatchMember.said,
        )
        .where(MatchMember.match_id.in_(ids))
        .order_by(MatchMember.role, MatchMember.member_id)
    ):
        seats[match_id].append(Seat(*seat))
    return [
        MatchCard(
            match.id,
            match.guild_id,
            match.track,
            match.swap,
            (match.slot_start, match.slot_end),
            match.thread_id,
            tuple(seats[match.id]),
            match.confirmed_at,
            match.prompted_at,
            match.happened_at,
            match.closed_at,
            match.event_id,
            match.time_message_id,
            match.cancelled_by,
        )
        for match in (matches.get(i) for i in ids)
        if match is not None
    ]


async def without_thread(sessions: Sessions) -> list[MatchCard]:
    """Open matches whose thread is not made yet (just matched, or a crash in between)."""
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Match.id)
                .where(Match.thread_id.is_(None), Match.closed_at.is_(None))
                .order_by(Match.id)
            )
        )
        return await load_cards(session, ids)


async def set_thread(
    sessions: Sessions, match_id: int, thread_id: int, proposal_id: int | None = None
) -> None:
    """The match's thread, and the message proposing its first time (when just posted)."""
    values: dict[str, int] = {"thread_id": thread_id}
    if proposal_id is not None:
        values["time_message_id"] = proposal_id
    async with sessions() as session:
        await session.execute(update(Match).where(Match.id == match_id).values(**values))
        await session.commit()


async def mark_dm_sent(sessions: Sessions, match_id: int, member_id: int) -> None:
    async with sessions() as session:
        await session.execute(
            update(MatchMember)
            .where(MatchMember.match_id == match_id, MatchMember.member_id == member_id)
            .values(dm_sent=True)
        )
        await session.commit()


def _view(row: MatchRequest, *, status: str | None = None) -> RequestView:
    return RequestView(
        row.id,
        row.guild_id,
        row.member_id,
        row.track,
        row.role,
        row.level,
        status or row.status,
        row.created_at,
        row.expires_at,
        row.match_id,
    )
