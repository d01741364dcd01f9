"""Member activity: the one call every feature makes when a member does something that counts.

Daily answers, quiz rounds, reviews and mock interviews all record here; streaks read only this
table. The member's local date is fixed when the activity happens (their own timezone, else the
guild's), so changing timezone later never moves past days.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, literal, literal_column, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.inserts import insert_ignoring_duplicates
from bot.db.local_day import local_day
from bot.db.models import Activity, Guild, Member
from bot.domain.schedule import local_date

KINDS = ("daily_answer", "quiz_round", "review", "interview")


async def member_zone(session: AsyncSession, member_id: int, guild_id: int) -> ZoneInfo:
    """The timezone a member's day is counted in: their own, else the guild's, else UTC.
    One query for both."""
    connection = await session.connection()
    own, guild = (await connection.execute(_ZONES, {"member": member_id, "guild": guild_id})).one()
    return zone_of(own, guild)


_MEMBER_ZONE = select(Member.timezone).where(Member.id == bindparam("member")).scalar_subquery()
_GUILD_ZONE = select(Guild.timezone).where(Guild.id == bindparam("guild")).scalar_subquery()
_ZONES = select(_MEMBER_ZONE, _GUILD_ZONE)


def _record_statement(session: AsyncSession) -> Any:
    """INSERT ... SELECT of one activity whose local date the database works out from the
    member's zone, else the guild's, else UTC (`zone_of`'s rule, in SQL), skipping a (kind,
    ref) the member already has, and returning the local date it stored."""
    at = bindparam("at", type_=Activity.occurred_at.type)
    zone = func.coalesce(_MEMBER_ZONE, _GUILD_ZONE, literal("UTC"))
    row = select(
        bindparam("member", type_=Activity.member_id.type),
        bindparam("guild", type_=Activity.guild_id.type),
        bindparam("kind", type_=Activity.kind.type),
        bindparam("ref", type_=Activity.ref.type),
        at,
        local_day(at, zone),
    ).where(true())  # SQLite needs a WHERE between INSERT ... SELECT and ON CONFLICT
    columns = ["member_id", "guild_id", "kind", "ref", "occurred_at", "local_date"]
    return (
        insert_ignoring_duplicates(session, Activity.__table__)
        .from_select(columns, row)
        .returning(Activity.local_date)
    )


_STORED_DAY = select(Activity.local_date).where(
    Activity.member_id == bindparam("member"),
    Activity.guild_id == bindparam("guild"),
    Activity.kind == bindparam("kind"),
    Activity.ref == bindparam("ref"),
)


async def record_activity(
    session: AsyncSession,
    *,
    member_id: int,
    guild_id: int,
    kind: str,
    ref: str,
    at: datetime,
) -> date:
    """Record one activity inside the caller's transaction (so it commits with the answer that
    caused it) and return the member's local date for it. Recording the same (kind, ref) twice
    is a no-op that returns the date first stored.

    One statement: the zone lookup and the local date are part of the INSERT (see
    `bot.db.local_day`), because this is on every feature's path."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()} refused: pass an aware one")
    connection = await session.connection()
    dialect = connection.dialect.name
    statement = _RECORD.get(dialect)
    if statement is None:
        statement = _RECORD[dialect] = _record_statement(session)
    params = {"member": member_id, "guild": guild_id, "kind": kind, "ref": ref, "at": at}
    stored = (await connection.execute(statement, params)).scalar_one_or_none()
    if stored is None:  # already recorded
        stored = (await connection.execute(_STORED_DAY, params)).scalar_one()
    return stored


_RECORD: dict[str, Any] = {}  # dialect name -> the statement of `record_activity`


@dataclass(frozen=True)
class ActivityEvent:
    """One activity for `record_activities` (the arguments of `record_activity`)."""

    member_id: int
    guild_id: int
    kind: str
    ref: str
    at: datetime


Zones = Mapping[tuple[int, int], ZoneInfo]  # (member, guild) -> the zone their day is in


def zone_of(member_timezone: str | None, guild_timezone: str | None) -> ZoneInfo:
    """`member_zone`'s rule, on values already read: the member's own, else the guild's, else
    UTC."""
    return ZoneInfo(member_timezone or guild_timezone or "UTC")


async def activity_zones(session: AsyncSession, events: Sequence[ActivityEvent]) -> Zones:
    """`member_zone` for every (member, guild) pair of `events`, in one query."""
    return await zones_for(session, {(e.member_id, e.guild_id) for e in events})


async def zones_for(session: AsyncSession, pairs: Collection[tuple[int, int]]) -> Zones:
    """`member_zone` for every (member, guild) pair, in one query."""
    member_ids = sorted({m for m, _ in pairs})
    guild_ids = sorted({g for _, g in pairs})
    if not member_ids:
        return {}
    found = await session.execute(
        union_all(
            select(literal_column("'member'"), Member.id, Member.timezone).where(
                Member.id.in_(member_ids), Member.timezone.is_not(None)
            ),
            select(literal_column("'guild'"), Guild.id, Guild.timezone).where(
                Guild.id.in_(guild_ids)
            ),
        )
    )
    own: dict[int, str] = {}
    guild_tz: dict[int, str] = {}
    for kind, key, name in found:
        (own if kind == "member" else guild_tz)[key] = name
    return {(m, g): zone_of(own.get(m), guild_tz.get(g)) for m, g in pairs}


def activity_rows(events: Sequence[ActivityEvent], zones: Zones) -> list[dict[str, Any]]:
    """The `activities` rows for `events` (their local dates in `zones`): `record_activity`'s
    rules, for callers that insert in bulk."""
    rows: list[dict[str, Any]] = []
    for event in events:
        if event.kind not in KINDS:
            raise ValueError(f"unknown activity kind {event.kind!r}")
        rows.append(
            {
                "member_id": event.member_id,
                "guild_id": event.guild_id,
                "kind": event.kind,
                "ref": event.ref,
                "occurred_at": event.at,
                "local_date": local_date(event.at, zones[(event.member_id, event.guild_id)]),
            }
        )
    return rows


async def record_activities(
    session: AsyncSession, events: Sequence[ActivityEvent], *, zones: Zones | None = None
) -> list[date]:
    """`record_activity` for many events at once, inside the caller's transaction: the same
    rules (the member's timezone, else the guild's, else UTC; the same (kind, ref) twice counts
    once), with one query for the zones (or `zones`, already read: see `zone_of`) and one
    INSERT. Returns each event's local date, in order."""
    if not events:
        return []
    if zones is None:
        zones = await activity_zones(session, events)
    rows = activity_rows(events, zones)
    await session.execute(insert_ignoring_duplicates(session, Activity.__table__), rows)
    return [row["local_date"] for row in rows]
