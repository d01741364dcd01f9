"""Streak rules: PRODUCT.md's worked examples, and the incremental update against the
day-by-day reference on random histories, timezones and timezone changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.schedule import local_date
from bot.domain.streaks import Streak, advance, alive_through, breaks_at, replay, view

D0 = date(2026, 3, 1)


def day(n: int) -> date:
    """Day n of PRODUCT.md's examples (day 1 is D0)."""
    return D0 + timedelta(days=n - 1)


def record(days: list[int], skipped: set[date] = frozenset()) -> Streak:  # type: ignore[assignment]
    streak = Streak()
    for n in days:
        streak = advance(streak, day(n), skipped).streak
    return streak


def test_worked_examples_from_product_md() -> None:
    # 1-9: 9 on day 9, one freeze earned on day 7.
    s = record(list(range(1, 10)))
    assert (view(s, day(9)).current, view(s, day(9)).freezes) == (9, 1)
    # 1-7, 9: day 8 bridged by the freeze earned on day 7.
    s = record([*range(1, 8), 9])
    assert (view(s, day(9)).current, view(s, day(9)).freezes) == (8, 0)
    # 1-7, 10 (asked on day 10): two misses, one freeze: the streak ends, the freeze is kept.
    s = record([*range(1, 8), 10])
    assert (view(s, day(10)).current, view(s, day(10)).freezes) == (1, 1)
    # 1-6, 8-9: no freeze held on day 7.
    s = record([*range(1, 7), 8, 9])
    assert (view(s, day(9)).current, view(s, day(9)).freezes) == (2, 0)


def test_what_members_see_before_their_next_activity() -> None:
    s = record(list(range(1, 8)))  # 7 days, one freeze
    assert view(s, day(8)).current == 7 and not view(s, day(8)).frozen, "today is not a miss"
    on_9 = view(s, day(9))
    assert (on_9.current, on_9.freezes, on_9.frozen, on_9.at_risk) == (7, 0, (day(8),), True)
    on_10 = view(s, day(10))
    assert (on_10.current, on_10.freezes) == (0, 1), "broken, and the freeze was not spent"
    short = record([1, 2])
    assert view(short, day(4)).current == 0 and view(short, day(4)).longest == 2


def test_freezes_cap_at_two_and_are_used_in_date_order() -> None:
    s = record(list(range(1, 22)))  # 21 days: earned on 7 and 14, capped at 2 on 21
    assert (s.current, s.freezes) == (21, 2)
    change = advance(s, day(24))  # days 22 and 23 missed: both freezes used
    assert change.frozen == (day(22), day(23)) and change.streak.freezes == 0
    assert change.streak.current == 22 and not change.broken


def test_milestones_and_a_skipped_date_is_not_a_miss() -> None:
    changes = []
    s = Streak()
    for n in range(1, 31):
        change = advance(s, day(n))
        s = change.streak
        changes += change.milestones
    assert changes == [7, 30]
    # A timezone change skipped day 32 entirely: 31 -> 33 is not a gap.
    s = advance(s, day(31)).streak
    after = advance(s, day(33), {day(32)})
    assert after.streak.current == 32 and after.frozen == () and not after.broken


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[date], set[date]]:
    days = draw(st.lists(st.integers(0, 120), min_size=1, max_size=60))
    skipped = draw(st.sets(st.integers(0, 120), max_size=5))
    active = sorted({D0 + timedelta(days=d) for d in days})
    return active, {D0 + timedelta(days=d) for d in skipped} - set(active)


@given(histories(), st.integers(0, 10))
def test_incremental_update_equals_the_reference(
    history: tuple[list[date], set[date]], later: int
) -> None:
    active, skipped = history
    streak = Streak()
    for d in active:
        change = advance(streak, d, skipped)
        assert not change.out_of_order
        streak = change.streak
        assert streak == replay([a for a in active if a <= d], skipped)
    today = active[-1] + timedelta(days=later)
    reference = replay(active, skipped)
    assert view(streak, today, skipped) == view(reference, today, skipped)
    assert streak.longest >= streak.current >= 1


ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Australia/Adelaide",  # +09:30 with DST
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
    "America/St_Johns",  # -03:30 with DST
]


@st.composite
def timelines(draw: st.DrawFn) -> list[tuple[str, datetime, str]]:
    """Activities and timezone changes at random instants across DST changes."""
    start = datetime(2026, 2, 20, tzinfo=UTC)
    hours = sorted(draw(st.lists(st.integers(0, 24 * 70), min_size=1, max_size=80)))
    events = []
    for h in hours:
        kind = draw(st.sampled_from(["act", "act", "act", "tz"]))
        events.append((kind, start + timedelta(hours=h), draw(st.sampled_from(ZONES))))
    return events


@settings(max_examples=150)
@given(timelines(), st.sampled_from(ZONES))
def test_timezone_changes_never_rewrite_the_past(
    events: list[tuple[str, datetime, str]], first_zone: str
) -> None:
    """Local dates fixed when each activity happens; a change that jumps the date forward
    skips the dates in between (not misses); one that moves it back is replayed."""
    zone = ZoneInfo(first_zone)
    streak, active, skipped = Streak(), set(), set()
    for kind, at, name in events:
        if kind == "tz":
            before, zone = at.astimezone(zone).date(), ZoneInfo(name)
            after = at.astimezone(zone).date()
            skipped |= {before + timedelta(days=i) for i in range(1, (after - before).days)}
            continue
        local = at.astimezone(zone).date()
        active.add(local)
        change = advance(streak, local, skipped - active)
        streak = change.streak if not change.out_of_order else replay(active, skipped - active)
    if active:
        assert streak == replay(active, skipped - active)


BREAK_ZONES = [*ZONES, "America/Santiago", "America/Havana", "Pacific/Apia", "Asia/Beirut"]


@given(
    histories(),
    st.sampled_from(BREAK_ZONES),
    st.integers(-2 * 24 * 60, 12 * 24 * 60),  # minutes from the last active day's local noon
)
def test_the_stored_break_instant_agrees_with_what_the_member_sees(
    history: tuple[list[date], set[date]], zone_name: str, minutes: int
) -> None:
    """`breaks_at` is stored so the streak board can ask "alive now?" in SQL; at any instant
    it must say exactly what `view` on the member's local today says, across DST (Chile and
    Cuba change clocks at midnight) and skipped dates."""
    active, skipped = history
    zone = ZoneInfo(zone_name)
    streak = replay(active, skipped)
    noon = datetime.combine(streak.last_day, datetime.min.time(), zone) + timedelta(hours=12)
    now = noon.astimezone(UTC) + timedelta(minutes=minutes)
    cut = breaks_at(streak, zone, skipped)
    alive = view(streak, local_date(now, zone), skipped).current > 0
    assert alive == (cut is not None and now < cut), (streak, now, cut)


def test_break_instants_at_the_edges() -> None:
    streak = Streak(last_day=date(2026, 4, 3), current=5, longest=5, freezes=0)
    assert alive_through(streak) == date(2026, 4, 4)
    santiago = ZoneInfo("America/Santiago")
    # Chile falls back at midnight on 5 April 2026: the first "00:00" still shows 4 April.
    assert breaks_at(streak, santiago) == datetime(2026, 4, 5, 4, 0, tzinfo=UTC)
    held = Streak(last_day=date(2026, 4, 3), current=5, longest=5, freezes=2)
    assert alive_through(held) == date(2026, 4, 6)
    assert alive_through(held, skipped={date(2026, 4, 5)}) == date(2026, 4, 7)
    assert alive_through(Streak()) is None and breaks_at(Streak(), santiago) is None
