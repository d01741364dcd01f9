"""A mock-interview session after the match, on the database: the slot accepted or moved,
reminders, "did it happen?", rubric feedback, no-shows and pauses, and the member's history.

Every step that must happen once is claimed by a conditional write first (a reminder's row, the
match's `prompted_at`, a feedback's key), so restarts, double clicks and two processes never
repeat it. Changes to one match lock its row first, so two members accepting at the same
moment confirm it exactly once on PostgreSQL too. The rules are in `bot.domain.interviews`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import (
    Match,
    MatchFeedback,
    MatchMember,
    MatchPause,
    MatchReminder,
    MatchRequest,
    NoShow,
)
from bot.domain import interviews as rules
from bot.domain import matching as pairing
from bot.domain.errors import BadInput, NotAllowed
from bot.domain.schedule import ts
from bot.services.activity import member_zone, record_activity, zone_of
from bot.services.matching import MatchCard, availabilities_of, load_card, load_cards

Sessions = async_sessionmaker[AsyncSession]
Owns = Callable[[int], bool]
KIND = "interview"  # the activity a completed session records


# ---- the slot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    card: MatchCard
    confirmed: bool  # this accept confirmed the session
    already: bool  # they had accepted this slot before
    waiting: tuple[int, ...]  # who has yet to accept


async def _locked(session: AsyncSession, match_id: int, member_id: int) -> MatchCard:
    """The match, its row locked for this transaction; refuses anyone not in it. The lock is a
    no-op UPDATE: SQLite's driver begins a transaction only at a write, and a write is what
    takes its lock, so a SELECT ... FOR UPDATE would lock nothing there."""
    await session.execute(update(Match).where(Match.id == match_id).values(id=Match.id))
    return _members_only(await load_card(session, match_id), member_id)


def _members_only(card: MatchCard | None, member_id: int) -> MatchCard:
    if card is None or member_id not in card.member_ids:
        raise NotAllowed("Only the members of this mock interview can use its buttons.")
    return card


def _open_for_changes(card: MatchCard, now: datetime) -> None:
    if card.closed_at is not None:
        raise BadInput("This mock interview is closed. `/match request` finds you a new one.")
    if card.confirmed_at is not None and card.slot[0] <= now:
        raise BadInput(f"The session started {ts(card.slot[0], 'R')}; its time is settled.")


async def accept(
    sessions: Sessions, match_id: int, member_id: int, start: int, now: datetime
) -> Accepted:
    """`member_id` accepts the slot starting at `start` (a POSIX second, from the button);
    the session is confirmed when every member has accepted the same slot."""
    async with sessions() as session:
        card = await _locked(session, match_id, member_id)
        _open_for_changes(card, now)
        if int(card.slot[0].timestamp()) != start:
            raise BadInput(
                f"The time was changed since: it is now {ts(card.slot[0], 'F')}. Accept that one "
                "from the newest message, or pick another."
            )
        if card.slot[0] <= now:
            raise BadInput("That time has passed. Press **Pick another time**.")
        seat = card.seat(member_id)
        already = seat is not None and seat.accepted
        if not already:
            await session.execute(
                update(MatchMember)
                .where(MatchMember.match_id == match_id, MatchMember.member_id == member_id)
                .values(accepted_at=now)
            )
        waiting = tuple(
            s.member_id for s in card.seats if not s.accepted and s.member_id != member_id
        )
        confirmed = False
        if not waiting and card.confirmed_at is None:
            await session.execute(
                update(Match).where(Match.id == match_id).values(confirmed_at=now)
            )
            confirmed = True
        fresh = await load_card(session, match_id)
        await session.commit()
    assert fresh is not None
    return Accepted(fresh, confirmed, already, waiting)


async def slot_choices(
    sessions: Sessions, match_id: int, member_id: int, now: datetime
) -> tuple[ZoneInfo, list[pairing.Interval]]:
    """Other hours the whole group is free in the next week, and the zone to show them to
    `member_id` in (theirs, else the server's)."""
    async with sessions() as session:
        card = await _locked(session, match_id, member_id)
        _open_for_changes(card, now)
        options = await _options(session, card, now)
        zone = await member_zone(session, member_id, card.guild_id)
    if not options:
        raise BadInput(
            "You have no other common hour in the next 7 days. Widen your free time with "
            "`/availability set`, then try again."
        )
    return zone, options


async def _options(session: AsyncSession, card: MatchCard, now: datetime) -> list[pairing.Interval]:
    windows = await availabilities_of(session, list(card.member_ids))
    frees = []
    for member in card.member_ids:
        zone_name, member_windows = windows.get(member, (None, []))
        frees.append(pairing.free_intervals(member_windows, zone_of(zone_name, None), now))
    shared = list(frees[0])
    for other in frees[1:]:
        shared = pairing.common(shared, other)
    return rules.slot_options(shared, now, card.slot[0])


async def choose_slot(
    sessions: Sessions, match_id: int, member_id: int, start: int, now: datetime
) -> MatchCard:
    """Propose the hour starting at `start` instead; the chooser has accepted it, the others
    are asked again, and any earlier confirmation is undone."""
    async with sessions() as session:
        card = await _locked(session, match_id, member_id)
        _open_for_changes(card, now)
        chosen = next(
            (o for o in await _options(session, card, now) if int(o[0].timestamp()) == start),
            None,
        )
        if chosen is None:
            raise BadInput("That hour is no longer free for all of you. Pick again.")
        await session.execute(
            update(Match)
            .where(Match.id == match_id)
            .values(slot_start=chosen[0], slot_end=chosen[1], confirmed_at=None)
        )
        await session.execute(
            update(MatchMember).where(MatchMember.match_id == match_id).values(accepted_at=None)
        )
        await session.execute(
            update(MatchMember)
            .where(MatchMember.match_id == match_id, MatchMember.member_id == member_id)
            .values(accepted_at=now)
        )
        fresh = await load_card(session, match_id)
        await session.commit()
    assert fresh is not None
    return fresh


async def leave(
    sessions: Sessions, guild_id: int, member_id: int, now: datetime
) -> MatchCard | None:
    """`member_id` calls off their open match before it starts: it closes and frees everyone
    (not a no-show). None when they are in no open match."""
    async with sessions() as session:
        match_id = await session.scalar(
            select(MatchMember.match_id).where(
                MatchMember.guild_id == guild_id, MatchMember.open_member_id == member_id
            )
        )
        if match_id is None:
            return None
        card = await _locked(session, match_id, member_id)
        _open_for_changes(card, now)
        await session.execute(
            update(Match)
            .where(Match.id == match_id, Match.closed_at.is_(None))
            .values(closed_at=now, cancelled_by=member_id)
        )
        await _free(session, match_id)
        fresh = await load_card(session, match_id)
        await session.commit()
    return fresh


async def set_time_message(sessions: Sessions, match_id: int, message_id: int) -> None:
    """The thread message whose Accept button is for the time proposed now."""
    async with sessions() as session:
        await session.execute(
            update(Match).where(Match.id == match_id).values(time_message_id=message_id)
        )
        await session.commit()


async def set_event(sessions: Sessions, match_id: int, event_id: int | None) -> None:
    """Remember (or forget) the Discord scheduled event of a confirmed session."""
    async with sessions() as session:
        await session.execute(update(Match).where(Match.id == match_id).values(event_id=event_id))
        await session.commit()


# ---- the minute sweep ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    reminders: list[tuple[MatchCard, str]]  # (match, reminder kind) claimed for sending
    ended: list[MatchCard]  # confirmed sessions that ended: ask whether they happened
    lapsed: list[MatchCard]  # no time was confirmed within a week: closed
    closed: list[MatchCard]  # reports closed


async def sweep(
    sessions: Sessions, now: datetime, owns: Callable[[int], bool] | None = None
) -> Sweep:
    """Everything due at `now`, each claimed once: reminders, the "did it happen?" prompt
    (which frees the members to ask again), lapses and the end of reporting."""
    keep = owns or (lambda _guild: True)
    return Sweep(
        await _due_reminders(sessions, now, keep),
        await _claim_ended(sessions, now, keep),
        await _lapse(sessions, now, keep),
        await _close_reports(sessions, now, keep),
    )


async def _due_reminders(
    sessions: Sessions, now: datetime, keep: Owns
) -> list[tuple[MatchCard, str]]:
    first = rules.REMINDERS[0][1]
    out = []
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Match.id, Match.guild_id, Match.slot_start, Match.confirmed_at).where(
                    Match.confirmed_at.is_not(None),
                    Match.closed_at.is_(None),
                    Match.prompted_at.is_(None),
                    Match.slot_start <= now + first,
                )
            )
        ).all()
        claimed: dict[int, set[str]] = defaultdict(set)
        for match_id, kind in await session.execute(
            select(MatchReminder.match_id, MatchReminder.kind)
            .join(
                Match,
                (Match.id == MatchReminder.match_id)
                & (Match.slot_start == MatchReminder.slot_start),
            )
            .where(Match.id.in_([row[0] for row in rows]))
        ):
            claimed[match_id].add(kind)
        for match_id, guild_id, start, confirmed_at in rows:
            if not keep(guild_id):
                continue
            for due in rules.due_reminders(start, confirmed_at, now, claimed[match_id]):
                try:
                    async with session.begin_nested():
                        session.add(
                            MatchReminder(
                                match_id=match_id,
                                kind=due.kind,
                                slot_start=start,
                                claimed_at=now,
                                sent=due.send,
                            )
                        )
                except IntegrityError:  # another process claimed it first
                    continue
                if due.send:
                    card = await load_card(session, match_id)
                    if card is not None:
                        out.append((card, due.kind))
        await session.commit()
    return out


async def _claim_ended(sessions: Sessions, now: datetime, keep: Owns) -> list[MatchCard]:
    """Confirmed sessions that ended: ask whether they happened, and free the members."""
    return await _claim_each(
        sessions,
        keep,
        (
            Match.confirmed_at.is_not(None),
            Match.prompted_at.is_(None),
            Match.closed_at.is_(None),
            Match.slot_end <= now,
        ),
        {"prompted_at": now},
        free=True,
    )


async def _lapse(sessions: Sessions, now: datetime, keep: Owns) -> list[MatchCard]:
    """No time confirmed a week after the match, and the one proposed has come: closed."""
    return await _claim_each(
        sessions,
        keep,
        (
            Match.confirmed_at.is_(None),
            Match.closed_at.is_(None),
            Match.created_at <= now - rules.LAPSE_AFTER,
            Match.slot_start <= now,
        ),
        {"closed_at": now},
        free=True,
    )


async def _close_reports(sessions: Sessions, now: datetime, keep: Owns) -> list[MatchCard]:
    """REPORT_WINDOW after the end: no more "did it happen?" answers."""
    return await _claim_each(
        sessions,
        keep,
        (
            Match.prompted_at.is_not(None),
            Match.closed_at.is_(None),
            Match.slot_end <= now - rules.REPORT_WINDOW,
        ),
        {"closed_at": now},
        free=False,
    )


async def _claim_each(
    sessions: Sessions,
    keep: Owns,
    due: tuple[ColumnElement[bool], ...],
    values: dict[str, datetime],
    *,
    free: bool,
) -> list[MatchCard]:
    """Each match (of a guild this process serves) meeting `due`, claimed by a conditional
    UPDATE on the same conditions: whoever changes it first has it, however sweeps race."""
    out = []
    async with sessions() as session:
        rows = (await session.execute(select(Match.id, Match.guild_id).where(*due))).all()
        for match_id, guild_id in rows:
            if not keep(guild_id):
                continue
            done = await session.execute(
                update(Match).where(Match.id == match_id, *due).values(**values)
            )
            if not done.rowcount:  # type: ignore[attr-defined]
                continue
            if free:
                await _free(session, match_id)
            card = await load_card(session, match_id)
            if card is not None:
                out.append(card)
        await session.commit()
    return out


async def _free(session: AsyncSession, match_id: int) -> None:
    """The match stops holding its members: they may ask for a new one."""
    await session.execute(
        update(MatchMember).where(MatchMember.match_id == match_id).values(open_member_id=None)
    )


# ---- after the slot ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    guild_id: int
    member_id: int
    until: datetime
    lifted: bool  # True: a dispute took a no-show back and the pause is over
    request_closed: bool = False


@dataclass(frozen=True)
class Happened:
    card: MatchCard
    partners: tuple[int, ...]  # whom the member can give feedback
    rated: frozenset[int]  # of those, whom they have rated already
    disputed: bool  # someone had reported them absent: that no longer counts
    lifted: Pause | None


def _reportable(card: MatchCard, now: datetime) -> None:
    if card.confirmed_at is None:
        raise BadInput("No time was confirmed for this match, so there is nothing to report.")
    if now < card.slot[1]:
        raise BadInput(f"The session ends {ts(card.slot[1], 'R')}. Tell me how it went after that.")
    if card.closed_at is not None:
        raise BadInput("Reports for this session closed 48 hours after it ended.")


async def happened(sessions: Sessions, match_id: int, member_id: int, now: datetime) -> Happened:
    """`member_id` says the session took place. It counts as activity for every member not
    reported absent and not saying otherwise; a no-show reported against this member no
    longer counts (disputed), which can lift a pause."""
    async with sessions() as session:
        card = await _locked(session, match_id, member_id)
        _reportable(card, now)
        seat = card.seat(member_id)
        assert seat is not None
        if seat.said == "missed":
            raise BadInput("You already said it didn't happen; that answer stands.")
        if seat.said is None:
            await session.execute(
                update(MatchMember)
                .where(MatchMember.match_id == match_id, MatchMember.member_id == member_id)
                .values(said="happened", said_at=now)
            )
            await session.execute(
                update(Match)
                .where(Match.id == match_id, Match.happened_at.is_(None))
                .values(happened_at=now)
            )
        disputed = await session.execute(
            update(NoShow)
            .where(
                NoShow.match_id == match_id,
                NoShow.member_id == member_id,
                NoShow.disputed_at.is_(None),
            )
            .values(disputed_at=now)
        )
        absent = set(
            await session.scalars(
                select(NoShow.member_id).where(
                    NoShow.match_id == match_id, NoShow.disputed_at.is_(None)
                )
            )
        )
        for other in card.seats:
            skip = other.member_id != member_id and (
                other.said == "missed" or other.member_id in absent
            )
            if not skip:
                await record_activity(
                    session,
                    member_id=other.member_id,
                    guild_id=card.guild_id,
                    kind=KIND,
                    ref=f"match:{match_id}",
                    at=now,
                )
        lifted = None
        if disputed.rowcount:  # type: ignore[attr-defined]
            lifted = await _lift_if_undone(session, card.guild_id, member_id, now)
        rated = frozenset(
            await session.scalars(
                select(MatchFeedback.subject_id).where(
                    MatchFeedback.match_id == match_id, MatchFeedback.author_id == member_id
                )
            )
        )
        fresh = await load_card(session, match_id)
        await session.commit()
    assert fresh is not None
    return Happened(
        fresh,
        fresh.partners(member_id),
        rated,
        bool(disputed.rowcount),  # type: ignore[attr-defined]
        lifted,
    )


def _may_say_missed(card: MatchCard, member_id: int, now: datetime) -> None:
    _reportable(card, now)
    seat = card.seat(member_id)
    if seat is not None and seat.said is not None:
        raise BadInput(
            "You already said it happened; that answer stands."
            if seat.said == "happened"
            else "You already told me it didn't happen. Thanks!"
        )


async def check_can_report_missed(
    sessions: Sessions, match_id: int, member_id: int, now: datetime
) -> MatchCard:
    """Refuse early what `missed` would refuse, before asking who did not show."""
    async with sessions() as session:
        card = await _locked(session, match_id, member_id)
        _may_say_missed(card, member_id, now)
        await session.rollback()
    return card


@dataclass(frozen=True)
class Missed:
    card: MatchCard
    counted: tuple[int, ...]  # reported absent and did not say it happened
    disputed: tuple[int, ...]  # reported absent but said it happened: not counted
    paused: tuple[Pause, ...]


async def missed(
    sessions: Sessions, match_id: int, member_id: int, absent: Sequence[int], now: datetime
) -> Missed:
    """`member_id` says the session did not happen, naming who did not show (empty: nobody's
    fault, e.g. it was called off together). A report counts unless the reported member says
    it happened; two counting within 30 days pause them from matching for 14 days."""
    async with sessions() as session:
        card = await _locked(session, match_id, member_id)
        _may_say_missed(card, member_id, now)
        strangers = [m for m in absent if m not in card.member_ids or m == member_id]
        if strangers:
            raise BadInput("You can only report the other members of this session.")
        await session.execute(
            update(MatchMember)
            .where(MatchMember.match_id == match_id, MatchMember.member_id == member_id)
            .values(said="missed", said_at=now)
        )
        counted, disputed, paused = [], [], []
        for other in sorted(set(absent)):
            said = card.seat(other).said  # type: ignore[union-attr]
            session.add(
                NoShow(
                    match_id=match_id,
                    member_id=other,
                    reporter_id=member_id,
                    guild_id=card.guild_id,
                    reported_at=now,
                    disputed_at=now if said == "happened" else None,
                )
            )
            await session.flush()
            if said == "happened":
                disputed.append(other)
                continue
            counted.append(other)
            pause = await _pause_if_due(session, card.guild_id, other, now)
            if pause is not None:
                paused.append(pause)
        fresh = await load_card(session, match_id)
        await session.commit()
    assert fresh is not None
    return Missed(fresh, tuple(counted), tuple(disputed), tuple(paused))


async def _counted(
    session: AsyncSession, guild_id: int, member_id: int, now: datetime
) -> list[datetime]:
    """When each counted no-show of the member was first reported (one per session, however
    many reported it), within the window before `now`."""
    rows = await session.execute(
        select(func.min(NoShow.reported_at))
        .where(
            NoShow.guild_id == guild_id,
            NoShow.member_id == member_id,
            NoShow.disputed_at.is_(None),
            NoShow.reported_at > now - rules.NO_SHOW_WINDOW,
            NoShow.reported_at <= now,
        )
        .group_by(NoShow.match_id)
    )
    return [at for (at,) in rows]


async def _active_pause(
    session: AsyncSession, guild_id: int, member_id: int, now: datetime
) -> MatchPause | None:
    return await session.scalar(
        select(MatchPause)
        .where(
            MatchPause.guild_id == guild_id,
            MatchPause.member_id == member_id,
            MatchPause.until > now,
            MatchPause.lifted_at.is_(None),
        )
        .order_by(MatchPause.until.desc())
        .limit(1)
    )


async def _pause_if_due(
    session: AsyncSession, guild_id: int, member_id: int, now: datetime
) -> Pause | None:
    until = rules.pause_until(await _counted(session, guild_id, member_id, now), now)
    if until is None or await _active_pause(session, guild_id, member_id, now) is not None:
        return None
    session.add(MatchPause(guild_id=guild_id, member_id=member_id, started_at=now, until=until))
    closed = await session.execute(
        update(MatchRequest)
        .where(MatchRequest.guild_id == guild_id, MatchRequest.open_member_id == member_id)
        .values(status="paused", open_member_id=None, closed_at=now)
    )
    return Pause(guild_id, member_id, until, False, bool(closed.rowcount))  # type: ignore[attr-defined]


async def _lift_if_undone(
    session: AsyncSession, guild_id: int, member_id: int, now: datetime
) -> Pause | None:
    """After a dispute: a pause whose no-shows no longer add up is lifted."""
    pause = await _active_pause(session, guild_id, member_id, now)
    if pause is None:
        return None
    if (
        rules.pause_until(
            await _counted(session, guild_id, member_id, pause.started_at), pause.started_at
        )
        is not None
    ):
        return None
    pause.lifted_at = now
    return Pause(guild_id, member_id, pause.until, True)


async def pause_of(
    sessions: Sessions, guild_id: int, member_id: int, now: datetime
) -> datetime | None:
    async with sessions() as session:
        found = await _active_pause(session, guild_id, member_id, now)
    return found.until if found else None


# ---- feedback ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    match_id: int
    guild_id: int
    track: str
    author_id: int
    subject_id: int
    scores: dict[str, int]
    comment: str | None
    created_at: datetime
    thread_id: int | None


async def give_feedback(
    sessions: Sessions,
    match_id: int,
    author_id: int,
    subject_id: int,
    scores: dict[str, int],
    comment: str | None,
    now: datetime,
) -> Feedback:
    """Store one member's feedback on a partner: once per session and partner, only from
    someone who said the session happened, only about someone they worked with."""
    try:
        rules.check_scores(scores)
    except ValueError as problem:
        raise BadInput("Score each of the three items from 1 to 4.") from problem
    comment = (comment or "").strip()[:1000] or None
    async with sessions() as session:
        card = await _locked(session, match_id, author_id)
        seat = card.seat(author_id)
        if seat is None or seat.said != "happened":
            raise BadInput(
                "Press **It happened** first; feedback follows a session that took place."
            )
        if subject_id not in card.partners(author_id):
            raise NotAllowed("You can only give feedback to someone you worked with here.")
        session.add(
            MatchFeedback(
                match_id=match_id,
                author_id=author_id,
                subject_id=subject_id,
                guild_id=card.guild_id,
                comment=comment,
                created_at=now,
                **scores,
            )
        )
        try:
            await session.commit()
        except IntegrityError as error:
            raise BadInput(
                f"You already sent <@{subject_id}> feedback for this session."
            ) from error
    return Feedback(
        match_id, card.guild_id, card.track, author_id, subject_id, dict(scores), comment, now,
        card.thread_id,
    )  # fmt: skip


async def mark_delivered(
    sessions: Sessions, match_id: int, author_id: int, subject_id: int, how: str
) -> None:
    async with sessions() as session:
        await session.execute(
            update(MatchFeedback)
            .where(
                MatchFeedback.match_id == match_id,
                MatchFeedback.author_id == author_id,
                MatchFeedback.subject_id == subject_id,
            )
            .values(delivered=how)
        )
        await session.commit()


async def feedback_for(sessions: Sessions, match_id: int, member_id: int) -> list[Feedback]:
    """The feedback about `member_id` in one session (never anyone else's); only the
    session's members may ask."""
    async with sessions() as session:
        _members_only(await load_card(session, match_id), member_id)
        match = await session.get(Match, match_id)
        rows = list(
            await session.scalars(
                select(MatchFeedback)
                .where(MatchFeedback.match_id == match_id, MatchFeedback.subject_id == member_id)
                .order_by(MatchFeedback.created_at)
            )
        )
    if match is None:
        return []
    return [_feedback(row, match) for row in rows]


def _feedback(row: MatchFeedback, match: Match) -> Feedback:
    return Feedback(
        row.match_id,
        row.guild_id,
        match.track,
        row.author_id,
        row.subject_id,
        {key: getattr(row, key) for key, _ in rules.RUBRIC},
        row.comment,
        row.created_at,
        match.thread_id,
    )


# ---- history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastSession:
    match_id: int
    track: str
    start: datetime
    role: str  # candidate | interviewer | both (a swapping pair)
    partners: tuple[int, ...]
    outcome: str  # happened | missed | no-show | lapsed | called off | unreported
    feedback: tuple[dict[str, int], ...]  # received


@dataclass(frozen=True)
class History:
    sessions: list[PastSession]  # newest first
    trends: list[rules.Trend]  # over the sessions with feedback, oldest first
    rated: list[PastSession]  # those sessions, oldest first
    no_shows: int  # counted in the last NO_SHOW_WINDOW: two pause matching
    paused_until: datetime | None


async def history(sessions: Sessions, guild_id: int, member_id: int, now: datetime) -> History:
    """The member's finished sessions in this guild, with what they received."""
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(Match.id)
                .join(MatchMember, MatchMember.match_id == Match.id)
                .where(
                    Match.guild_id == guild_id,
                    MatchMember.member_id == member_id,
                    (Match.closed_at.is_not(None)) | (Match.prompted_at.is_not(None)),
                )
                .order_by(Match.slot_start.desc(), Match.id.desc())
            )
        )
        cards = await load_cards(session, ids)
        received: dict[int, list[dict[str, int]]] = defaultdict(list)
        for row in await session.scalars(
            select(MatchFeedback)
            .where(
                MatchFeedback.guild_id == guild_id,
                MatchFeedback.subject_id == member_id,
                MatchFeedback.match_id.in_(ids),
            )
            .order_by(MatchFeedback.created_at)
        ):
            received[row.match_id].append({key: getattr(row, key) for key, _ in rules.RUBRIC})
        absent = set(
            await session.scalars(
                select(NoShow.match_id).where(
                    NoShow.member_id == member_id,
                    NoShow.match_id.in_(ids),
                    NoShow.disputed_at.is_(None),
                )
            )
        )
        counted = await _counted(session, guild_id, member_id, now)
        pause = await _active_pause(session, guild_id, member_id, now)
        paused_until = pause.until if pause else None
    past = []
    for card in cards:
        seat = card.seat(member_id)
        assert seat is not None
        if card.cancelled_by is not None:
            outcome = "called off"
        elif card.confirmed_at is None:
            outcome = "lapsed"
        elif card.id in absent:
            outcome = "no-show"
        elif seat.said == "missed":
            outcome = "missed"
        elif seat.said == "happened" or card.happened_at is not None:
            outcome = "happened"
        else:
            outcome = "unreported"
        past.append(
            PastSession(
                card.id,
                card.track,
                card.slot[0],
                "both" if card.swap else seat.role,
                card.partners(member_id),
                outcome,
                tuple(received.get(card.id, ())),
            )
        )
    rated = [p for p in reversed(past) if p.feedback]
    return History(
        past, rules.trends([p.feedback for p in rated]), rated, len(counted), paused_until
    )
