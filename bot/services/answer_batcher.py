"""Group commit for daily answers: a burst of clicks shares one transaction.

One SQLAlchemy session per answer costs about a millisecond of CPU on aiosqlite
(ARCHITECTURE.md, "Hot path"), so 1,000 clicks in a second answered one by one miss
Discord's 3 seconds. Here each click queues its request and awaits a future; the batcher
(`bot.services.group_commit`) takes what has queued (after at most `max_delay`, at most
`max_batch` at a time), answers all of it in ONE transaction (`answer_many`) and only then
resolves the futures. Nobody is told "locked in" before their answer is committed.

The rules are `bot.services.daily.answer`'s, request by request in arrival order: a member's
first answer is stored and locked, a second says "already" with the first one, a revealed
post says "closed", bad choices are a `BadInput` for that request alone, a missing post a
`NotFound`. Activity goes through `record_activities`, the bulk form of `record_activity`
(same rules). If a batch fails, its requests are answered one by one by `daily.answer`
itself, so a failure costs speed, never a different result.

Why so few statements: under a burst the event loop is saturated, and every round trip to
the database thread waits for a turn of that loop, so a batch's latency is its number of
round trips, not its size. A batch is:
- one multi-row INSERT ... ON CONFLICT DO NOTHING (the unique (post, member) pair still
  decides double clicks) RETURNING what went in, with the member's and the guild's timezone
  for the activity's local date and whether the post was still open at that instant (inside
  the statement, under SQLite's write lock; on PostgreSQL the posts are first share-locked,
  so a reveal waits for this commit or has committed before). A post found closed rolls the
  batch back and sends it round again, answering "closed" for that post;
- one INSERT of the activities; then the commit.
On SQLite these run inline on the loop's own thread (`InlineSqlite`: no round trip at all;
about 60 us an answer, so a batch of 400 holds the loop for some 20 ms, less than one turn
of a busy loop), unless another connection holds the write lock, when they go through
aiosqlite's thread (`_SqliteWrites`) and wait there instead.
What never changes about an open post (guild, reveal time, question) is kept between
batches (`OpenPosts`); whether it is still open is decided by the INSERT. Only a conflict, a
closed post or a bad choice costs a look-up of the member's earlier answer.

One batcher serves a process: `shared(services)` makes it on first use and keeps it on the
bot's services object (attribute `answer_batcher`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, String, literal_column, select, tuple_
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.inline import Busy, InlineSqlite, binder
from bot.db.inserts import insert_ignoring_duplicates
from bot.db.models import Activity, DailyAnswer, DailyPost, Guild, Member, Question
from bot.domain.errors import CohortError, NotFound
from bot.services import daily, group_commit
from bot.services.activity import (
    ActivityEvent,
    activity_rows,
    zone_of,
)
from bot.services.daily import QuestionView, Receipt
from bot.services.group_commit import GroupCommit

log = logging.getLogger("cohort.answers")
Sessions = async_sessionmaker[AsyncSession]
Outcome = Receipt | CohortError
Pair = tuple[int, int]  # (post, member)

_ANSWERS = DailyAnswer.__table__
# The timezones an activity's local date needs, read by the INSERT's RETURNING (SQLAlchemy
# does not correlate a scalar subquery there, so they are spelled out).
_MEMBER_TZ = literal_column(
    f"(SELECT {Member.__tablename__}.timezone FROM {Member.__tablename__} "
    f"WHERE {Member.__tablename__}.id = {_ANSWERS.name}.member_id)",
    String,
)
_GUILD_TZ = literal_column(
    f"(SELECT {Guild.__tablename__}.timezone FROM {Guild.__tablename__} "
    f"WHERE {Guild.__tablename__}.id = {_ANSWERS.name}.guild_id)",
    String,
)
# Whether the row's post was still open as the row went in: in the same statement, under
# SQLite's write lock, so a reveal cannot slip between this check and the commit.
_POSTS = DailyPost.__tablename__
_STILL_OPEN = literal_column(
    f"(SELECT {_POSTS}.status IN {daily.ANSWERABLE!r} AND {_POSTS}.revealed_at IS NULL "
    f"FROM {_POSTS} "
    f"WHERE {_POSTS}.id = {_ANSWERS.name}.post_id)",
    Boolean,
)
# A post revealed while a batch ran sends the batch round again (answering "closed" for
# it now); after this many rounds the batch fails and is answered one by one.
ROUNDS = 3


@dataclass(frozen=True)
class AnswerRequest:
    """The arguments of `daily.answer`, for one click."""

    post_id: int
    member_id: int
    now: datetime
    choices: list[int] | None = None
    text: str | None = None


@dataclass(frozen=True)
class _Post:
    guild_id: int
    reveal_at: datetime | None
    view: QuestionView
    open: bool


class OpenPosts:
    """Posted, unrevealed posts seen lately: guild, reveal time and question never change
    while a post is open, so a burst on one post loads it once. Never trusted for openness:
    the INSERT checks that for every batch."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._posts: OrderedDict[int, _Post] = OrderedDict()

    def get(self, post_id: int) -> _Post | None:
        return self._posts.get(post_id)

    def put(self, post_id: int, post: _Post) -> None:
        self._posts[post_id] = post
        self._posts.move_to_end(post_id)
        while len(self._posts) > self.size:
            self._posts.popitem(last=False)

    def drop(self, post_id: int) -> None:
        self._posts.pop(post_id, None)


@dataclass(frozen=True)
class _Prior:
    choices: list[int] | None
    text: str | None


async def answer_many(
    sessions: Sessions,
    requests: Sequence[AnswerRequest],
    *,
    open_posts: OpenPosts | None = None,
    inline: DailyInline | None = None,
) -> list[Outcome]:
    """Answer every request in one transaction, as if `daily.answer` ran for each in order.

    Returns, per request, its `Receipt` or the `CohortError` (`BadInput`, `NotFound`) that
    `daily.answer` would have raised for it. Raises only when the batch itself fails (the
    database), and then nothing of it was committed.
    """
    if not requests:
        return []
    cache = open_posts if open_posts is not None else OpenPosts()
    for _ in range(ROUNDS):
        try:
            return await _answer_round(sessions, requests, cache, inline)
        except _Raced as raced:  # those posts closed under the batch: ask again, afresh
            for post_id in raced.post_ids:
                cache.drop(post_id)
    raise RuntimeError("daily posts kept closing under a batch of answers")


class _Raced(Exception):
    def __init__(self, post_ids: set[int]) -> None:
        super().__init__(post_ids)
        self.post_ids = post_ids


async def _answer_round(
    sessions: Sessions,
    requests: Sequence[AnswerRequest],
    cache: OpenPosts,
    inline: DailyInline | None,
) -> list[Outcome]:
    async with sessions() as session:
        posts = await _load_posts(session, {r.post_id for r in requests}, cache)

        outcomes: list[Outcome | None] = [None] * len(requests)
        candidates: dict[Pair, int] = {}  # the first valid request of each pair: inserted
        firsts: dict[Pair, _Prior] = {}  # ... and what it stores
        rows: list[dict[str, Any]] = []
        duplicates: list[int] = []  # later requests of a candidate's pair: "already"
        unless_prior: dict[int, Outcome] = {}  # closed or bad: this, unless answered before
        for index, request in enumerate(requests):
            post = posts.get(request.post_id)
            if post is None:
                outcomes[index] = NotFound("That daily question no longer exists.")
                continue
            pair = (request.post_id, request.member_id)
            if pair in candidates:
                duplicates.append(index)
                continue
            if not post.open:
                unless_prior[index] = Receipt("closed", None, None, None, post.view)
                continue
            try:
                correct = daily.check_answer(post.view, request.choices, request.text)
            except CohortError as error:
                unless_prior[index] = error
                continue
            stored = sorted(request.choices) if request.choices is not None else None
            candidates[pair] = index
            firsts[pair] = _Prior(stored, request.text)
            rows.append(
                {
                    "post_id": request.post_id,
                    "guild_id": post.guild_id,
                    "member_id": request.member_id,
                    "choices": stored,
                    "text": request.text,
                    "correct": correct,
                    "answered_at": request.now,
                }
            )

        def activities(inserted: dict[Pair, _Inserted]) -> list[dict[str, Any]]:
            """The activity rows of the answers that went in."""
            events: list[ActivityEvent] = []
            zones: dict[tuple[int, int], ZoneInfo] = {}
            for (post_id, member_id), row in inserted.items():
                guild_id = posts[post_id].guild_id
                at = requests[candidates[(post_id, member_id)]].now
                ref = f"daily:{post_id}"
                events.append(ActivityEvent(member_id, guild_id, "daily_answer", ref, at))
                zones[(member_id, guild_id)] = zone_of(row.member_tz, row.guild_tz)
            return activity_rows(events, zones)

        inserted: dict[Pair, _Inserted] = {}
        if rows:
            post_ids = {pair[0] for pair in candidates}
            try:
                if inline is None:
                    raise Busy
                inserted = inline.write(rows, activities)
            except Busy:
                inserted = await (await _writes_for(session)).write(rows, post_ids, activities)
        # A candidate not inserted met an answer stored since the post was read (committed,
        # so it is read after the commit as well as before).
        missed = [pair for pair in candidates if pair not in inserted]
        wanted = [_pair(requests[i]) for i in unless_prior] + missed
        priors = await _answers(session, wanted) if wanted else {}
        if any(pair not in priors for pair in missed):
            raise RuntimeError("an answer conflicted with a row that is not there")

    for index, otherwise in unless_prior.items():
        # A row this batch inserted for the same pair came from a later request: not a prior.
        earlier = _pair(requests[index]) not in inserted
        outcomes[index] = (earlier and _already(priors, requests[index], posts)) or otherwise
    for pair, index in candidates.items():
        request, post = requests[index], posts[pair[0]]
        outcomes[index] = (
            Receipt("stored", request.choices, request.text, post.reveal_at, post.view)
            if pair in inserted
            else _already(priors, request, posts)
        )
    for index in duplicates:
        request = requests[index]
        pair = _pair(request)
        post = posts[pair[0]]
        first = priors.get(pair) or firsts[pair]
        outcomes[index] = Receipt("already", first.choices, first.text, post.reveal_at, post.view)
    assert all(o is not None for o in outcomes)
    return outcomes  # type: ignore[return-value]


def _pair(request: AnswerRequest) -> Pair:
    return (request.post_id, request.member_id)


def _already(
    priors: dict[Pair, _Prior], request: AnswerRequest, posts: dict[int, _Post]
) -> Receipt | None:
    prior = priors.get(_pair(request))
    if prior is None:
        return None
    post = posts[request.post_id]
    return Receipt("already", prior.choices, prior.text, post.reveal_at, post.view)


async def _load_posts(
    session: AsyncSession, post_ids: set[int], cache: OpenPosts
) -> dict[int, _Post]:
    posts: dict[int, _Post] = {}
    for post_id in post_ids:
        cached = cache.get(post_id)
        if cached is not None:
            posts[post_id] = cached
    missing = sorted(post_ids - posts.keys())
    if missing:
        rows = await session.execute(
            select(DailyPost, Question)
            .join(Question, Question.id == DailyPost.question_id)
            .where(DailyPost.id.in_(missing))
        )
        for post, question in rows:
            entry = _Post(
                guild_id=post.guild_id,
                reveal_at=post.reveal_at,
                view=daily.question_view(question),
                open=post.status in daily.ANSWERABLE and post.revealed_at is None,
            )
            posts[post.id] = entry
            if entry.open:
                cache.put(post.id, entry)
            else:
                cache.drop(post.id)
    return posts


@dataclass(frozen=True)
class _Inserted:
    member_tz: str | None
    guild_tz: str | None
    open: bool


_ANSWER_COLUMNS = ("post_id", "guild_id", "member_id", "choices", "text", "correct", "answered_at")
_ACTIVITY_COLUMNS = ("member_id", "guild_id", "kind", "ref", "occurred_at", "local_date")
_Activities = Callable[[dict[Pair, "_Inserted"]], list[dict[str, Any]]]
_RETURNING = (_ANSWERS.c.post_id, _ANSWERS.c.member_id, _MEMBER_TZ, _GUILD_TZ, _STILL_OPEN)


async def _writes_for(session: AsyncSession) -> _OrmWrites | _SqliteWrites:
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        if hasattr(driver, "execute_fetchall"):  # aiosqlite
            return _SqliteWrites(driver, connection.dialect)
    return _OrmWrites(session)


class _OrmWrites:
    """The batch's writes through SQLAlchemy (PostgreSQL, where a statement is one network
    round trip anyway)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_answers(
        self, rows: list[dict[str, Any]], post_ids: set[int]
    ) -> dict[Pair, _Inserted]:
        """Insert the answers (one multi-row INSERT; a pair stored already is skipped) and
        return, per inserted pair, its activity's timezones and whether its post was still
        open as the row went in."""
        postgres = self.session.get_bind().dialect.name == "postgresql"
        if postgres:
            # A reveal (an UPDATE of the post) now waits for this commit, or has committed
            # and shows in the RETURNING.
            await self.session.execute(
                select(DailyPost.id)
                .where(DailyPost.id.in_(sorted(post_ids)))
                .with_for_update(read=True)
            )
        statement = insert_ignoring_duplicates(self.session, _ANSWERS).returning(*_RETURNING)
        result = await self.session.execute(statement, rows)
        return {(r[0], r[1]): _Inserted(r[2], r[3], bool(r[4])) for r in result}

    async def write(
        self, rows: list[dict[str, Any]], post_ids: set[int], activities: _Activities
    ) -> dict[Pair, _Inserted]:
        """Insert the answers, then their activities, and commit. A post found closed rolls
        everything back and raises `_Raced`."""
        inserted = await self.insert_answers(rows, post_ids)
        closed = _closed(inserted)
        if closed:
            await self.session.rollback()
            raise _Raced(closed)
        if inserted:
            await self.session.execute(
                insert_ignoring_duplicates(self.session, Activity.__table__), activities(inserted)
            )
        await self.session.commit()
        return inserted


class _SqliteWrites:
    """SQLite: the same writes as plain SQL on the aiosqlite connection under the session,
    one round trip to its thread per statement where SQLAlchemy's cursor makes four (open,
    execute, fetch, close). Under a burst each round trip waits for a turn of a busy event
    loop, so this halves a batch's latency. The values go through the columns' own
    SQLAlchemy types, so the rows are exactly what the ORM would store, and the statements
    say what `_OrmWrites`' do (the INSERT takes SQLite's write lock, so no reveal can come
    between its RETURNING and the commit)."""

    def __init__(self, driver: Any, dialect: Dialect) -> None:
        self.driver = driver
        self.answer_values = binder(_ANSWERS, _ANSWER_COLUMNS, dialect)
        self.activity_values = binder(Activity.__table__, _ACTIVITY_COLUMNS, dialect)

    async def write(
        self, rows: list[dict[str, Any]], post_ids: set[int], activities: _Activities
    ) -> dict[Pair, _Inserted]:
        """`_OrmWrites.write` in three round trips (INSERT, activities, commit)."""
        inserted: dict[Pair, _Inserted] = {}
        for sql, params in _answer_inserts(rows, self.answer_values):
            for r in await self.driver.execute_fetchall(sql, params):
                inserted[(r[0], r[1])] = _Inserted(r[2], r[3], bool(r[4]))
        closed = _closed(inserted)
        if closed:
            await self.driver.rollback()
            raise _Raced(closed)
        if inserted:
            values = [self.activity_values(row) for row in activities(inserted)]
            await self.driver.executemany(_ACTIVITY_INSERT, values)
        await self.driver.commit()
        return inserted


class DailyInline:
    """The batch's writes inline on the loop's thread (`bot.db.inline`): the INSERT ...
    RETURNING, the activities and the commit in one short transaction, no round trip."""

    def __init__(self, inline: InlineSqlite) -> None:
        self.inline = inline
        self.answer_values = binder(_ANSWERS, _ANSWER_COLUMNS, inline.dialect)
        self.activity_values = binder(Activity.__table__, _ACTIVITY_COLUMNS, inline.dialect)

    def write(self, rows: list[dict[str, Any]], activities: _Activities) -> dict[Pair, _Inserted]:
        with self.inline.immediate() as connection:
            inserted: dict[Pair, _Inserted] = {}
            for sql, params in _answer_inserts(rows, self.answer_values):
                for r in connection.execute(sql, params).fetchall():
                    inserted[(r[0], r[1])] = _Inserted(r[2], r[3], bool(r[4]))
            closed = _closed(inserted)
            if closed:
                raise _Raced(closed)
            if inserted:
                values = [self.activity_values(row) for row in activities(inserted)]
                connection.executemany(_ACTIVITY_INSERT, values)
            return inserted


_ACTIVITY_INSERT = (
    f"INSERT INTO {Activity.__tablename__} ({', '.join(_ACTIVITY_COLUMNS)}) "
    f"VALUES ({', '.join(['?'] * len(_ACTIVITY_COLUMNS))}) ON CONFLICT DO NOTHING"
)
_ANSWERS_CHUNK = 1000  # rows per INSERT: 7,000 parameters, far under SQLite's 32,766


def _answer_inserts(
    rows: list[dict[str, Any]], bind: Callable[[dict[str, Any]], list[Any]]
) -> list[tuple[str, list[Any]]]:
    """The answers as multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING statements."""
    one = "(" + ", ".join(["?"] * len(_ANSWER_COLUMNS)) + ")"
    statements = []
    for start in range(0, len(rows), _ANSWERS_CHUNK):
        chunk = rows[start : start + _ANSWERS_CHUNK]
        sql = (
            f"INSERT INTO {_ANSWERS.name} ({', '.join(_ANSWER_COLUMNS)}) "
            f"VALUES {', '.join([one] * len(chunk))} ON CONFLICT DO NOTHING "
            f"RETURNING post_id, member_id, {_MEMBER_TZ.name}, {_GUILD_TZ.name}, "
            f"{_STILL_OPEN.name}"
        )
        statements.append((sql, [value for row in chunk for value in bind(row)]))
    return statements


def _closed(inserted: dict[Pair, _Inserted]) -> set[int]:
    """Posts that were closed (revealed) as their answers went in."""
    return {post_id for (post_id, _), row in inserted.items() if not row.open}


async def _answers(session: AsyncSession, pairs: Sequence[Pair]) -> dict[Pair, _Prior]:
    """The stored answers of these (post, member) pairs."""
    rows = await session.execute(
        select(
            DailyAnswer.post_id, DailyAnswer.member_id, DailyAnswer.choices, DailyAnswer.text
        ).where(tuple_(DailyAnswer.post_id, DailyAnswer.member_id).in_(sorted(set(pairs))))
    )
    return {(r.post_id, r.member_id): _Prior(r.choices, r.text) for r in rows}


class AnswerBatcher(GroupCommit[AnswerRequest, Receipt]):
    """Daily answers in groups (see the module docstring and `bot.services.group_commit`)."""

    name = "daily-answer"

    def __init__(self, sessions: Sessions, **options: Any) -> None:
        super().__init__(sessions, **options)
        self.open_posts = OpenPosts()
        self._writer: DailyInline | None = None

    async def answer(
        self,
        *,
        post_id: int,
        member_id: int,
        choices: list[int] | None = None,
        text: str | None = None,
        now: datetime,
    ) -> Receipt:
        """`daily.answer`, but sharing a transaction with whoever else is answering now.
        Returns once the answer is committed (or raises what `daily.answer` would)."""
        return await self.submit(AnswerRequest(post_id, member_id, now, choices, text))

    async def _many(self, requests: list[AnswerRequest]) -> Sequence[Outcome]:
        inline = self.inline
        if inline is not None and (self._writer is None or self._writer.inline is not inline):
            self._writer = DailyInline(inline)
        writer = self._writer if inline is not None else None
        return await answer_many(self.sessions, requests, open_posts=self.open_posts, inline=writer)

    async def _one(self, r: AnswerRequest) -> Receipt:
        return await daily.answer(
            self.sessions,
            post_id=r.post_id,
            member_id=r.member_id,
            choices=r.choices,
            text=r.text,
            now=r.now,
        )


def shared(services: Any) -> AnswerBatcher:
    """The process's daily answer batcher (see `group_commit.shared`)."""
    return group_commit.shared(services, AnswerBatcher)
