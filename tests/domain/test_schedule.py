"""Daily local times against DST: worked examples first, then properties checked by brute force.

The brute-force oracle walks UTC minute by minute and watches the local clock, so it shares no
logic (no `fold`, no round trip) with the code under test.
"""

from __future__ import annotations

import functools
import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.errors import BadInput
from bot.domain.schedule import (
    local_date,
    next_run,
    parse_hhmm,
    parse_timezone,
    run_at,
    timezone_choices,
)

NEW_YORK = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)

# Zones whose clocks change in 2000–2037, some in unusual ways (30-minute shift, 45-minute
# offsets, a skipped day, changes at midnight or at 00:01).
DST_ZONES = (
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Pacific/Chatham",
    "Pacific/Apia",
    "America/Sao_Paulo",
    "America/St_Johns",
    "America/Nuuk",
)
ZONES = (*DST_ZONES, "Asia/Kolkata", "Asia/Kathmandu", "UTC")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local clock reading at `instant`."""
    return instant.astimezone(tz).replace(tzinfo=None)


def brute_run_at(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The first UTC minute at which the local clock, on `day`, reads `at` or later.

    That is the rule in PRODUCT.md restated: an existing time runs when the clock first shows
    it (the first occurrence), a skipped one when the clock jumps past it. Only the window the
    zone's nearby offsets allow is walked, to keep the property tests fast.
    """
    target = datetime.combine(day, at)
    around = datetime.combine(day, at, tzinfo=UTC)
    nearby = [around + hours * timedelta(hours=1) for hours in range(-48, 49, 3)]
    offsets = [wall(instant, tz) - instant.replace(tzinfo=None) for instant in nearby]
    instant = around - max(offsets) - MINUTE  # the clock reads before `at` here
    while instant <= around - min(offsets) + MINUTE:  # and after it from here on
        local = wall(instant, tz)
        if local.date() == day and local >= target:
            return instant
        instant += MINUTE
    return None


# --- worked examples -------------------------------------------------------------------------


def test_spring_forward_gap_runs_once_at_the_first_minute_after_it() -> None:
    assert run_at(date(2026, 3, 8), time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7, 0)  # 03:00 EDT
    runs = [next_run(utc(2026, 3, 6), time(2, 30), NEW_YORK)]
    for _ in range(3):
        runs.append(next_run(runs[-1], time(2, 30), NEW_YORK))
    assert runs == [
        utc(2026, 3, 6, 7, 30),  # 02:30 EST
        utc(2026, 3, 7, 7, 30),
        utc(2026, 3, 8, 7, 0),  # 03:00 EDT, not 03:30 as CronTrigger does
        utc(2026, 3, 9, 6, 30),  # 02:30 EDT
    ]


def test_fall_back_repeated_time_runs_once_at_the_first_occurrence() -> None:
    assert run_at(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)  # EDT
    after_first = utc(2026, 11, 1, 5, 30, 1)
    assert next_run(after_first, time(1, 30), NEW_YORK) == utc(2026, 11, 2, 6, 30)  # EST
    # Asked exactly at, or during, the repeated hour: still never the second 01:30.
    for asked in (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 29), utc(2026, 11, 1, 6, 30)):
        assert next_run(asked, time(1, 30), NEW_YORK) == utc(2026, 11, 2, 6, 30)
    assert next_run(utc(2026, 11, 1, 5, 29), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_europe_london() -> None:
    london = ZoneInfo("Europe/London")
    assert run_at(date(2026, 1, 15), time(9, 0), london) == utc(2026, 1, 15, 9, 0)
    assert run_at(date(2026, 7, 15), time(9, 0), london) == utc(2026, 7, 15, 8, 0)
    assert run_at(date(2026, 3, 29), time(1, 30), london) == utc(2026, 3, 29, 1, 0)  # 02:00 BST
    assert run_at(date(2026, 10, 25), time(1, 30), london) == utc(2026, 10, 25, 0, 30)  # BST


def test_lord_howe_shifts_by_thirty_minutes() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    # 02:00 → 02:30 in October: 02:15 runs at 02:30 (+11).
    assert run_at(date(2026, 10, 4), time(2, 15), lord_howe) == utc(2026, 10, 3, 15, 30)
    assert run_at(date(2026, 10, 4), time(2, 30), lord_howe) == utc(2026, 10, 3, 15, 30)
    # 02:00 → 01:30 in April: 01:45 happens twice, first at +11.
    assert run_at(date(2026, 4, 5), time(1, 45), lord_howe) == utc(2026, 4, 4, 14, 45)
    assert next_run(utc(2026, 4, 4, 14, 45), time(1, 45), lord_howe) == utc(2026, 4, 5, 15, 15)


def test_fractional_offsets() -> None:
    assert run_at(date(2026, 6, 1), time(7, 30), ZoneInfo("Asia/Kolkata")) == utc(2026, 6, 1, 2)
    kathmandu = ZoneInfo("Asia/Kathmandu")
    assert run_at(date(2026, 6, 1), time(7, 30), kathmandu) == utc(2026, 6, 1, 1, 45)
    # 00:10 in Kathmandu is still the previous day in UTC.
    assert run_at(date(2026, 6, 1), time(0, 10), kathmandu) == utc(2026, 5, 31, 18, 25)
    assert local_date(utc(2026, 5, 31, 18, 25), kathmandu) == date(2026, 6, 1)


def test_pacific_chatham() -> None:
    chatham = ZoneInfo("Pacific/Chatham")  # +12:45, +13:45 in summer; changes at 02:45/03:45
    assert run_at(date(2026, 9, 27), time(3, 0), chatham) == utc(2026, 9, 26, 14, 0)  # 03:45
    assert run_at(date(2026, 4, 5), time(3, 0), chatham) == utc(2026, 4, 4, 13, 15)  # first
    assert run_at(date(2026, 6, 1), time(3, 0), chatham) == utc(2026, 5, 31, 14, 15)


def test_skipped_day_gets_no_run_and_next_run_jumps_over_it() -> None:
    apia = ZoneInfo("Pacific/Apia")  # 2011-12-29 23:59 (-10) was followed by 2011-12-31 00:00
    for at in (time(0, 0), time(9, 0), time(23, 59)):
        assert run_at(date(2011, 12, 30), at, apia) is None
    thursday = run_at(date(2011, 12, 29), time(9, 0), apia)
    assert thursday == utc(2011, 12, 29, 19, 0)
    saturday = next_run(thursday, time(9, 0), apia)
    assert saturday == utc(2011, 12, 30, 19, 0)
    assert local_date(saturday, apia) == date(2011, 12, 31)


def test_gap_at_midnight_runs_at_the_first_minute_of_the_day() -> None:
    sao_paulo = ZoneInfo("America/Sao_Paulo")  # 2018-11-04 began at 01:00 (-02)
    assert run_at(date(2018, 11, 4), time(0, 0), sao_paulo) == utc(2018, 11, 4, 3, 0)
    assert run_at(date(2018, 11, 4), time(0, 30), sao_paulo) == utc(2018, 11, 4, 3, 0)
    # 2019-02-16 23:00–23:59 happened twice; the first pass was at -02.
    assert run_at(date(2019, 2, 16), time(23, 30), sao_paulo) == utc(2019, 2, 17, 1, 30)


def test_gap_running_past_midnight_leaves_no_later_minute_that_day() -> None:
    # Nuuk went from 2024-03-30 23:00 (-02) straight to 03-31 00:00 (-01). A 23:30 job has no
    # moment left on the 30th, so (as specified) that date gets no run; the 31st gets its own.
    nuuk = ZoneInfo("America/Nuuk")
    assert run_at(date(2024, 3, 30), time(23, 30), nuuk) is None
    assert run_at(date(2024, 3, 30), time(22, 30), nuuk) == utc(2024, 3, 31, 0, 30)
    friday = run_at(date(2024, 3, 29), time(23, 30), nuuk)
    assert friday == utc(2024, 3, 30, 1, 30)
    assert next_run(friday, time(23, 30), nuuk) == utc(2024, 4, 1, 0, 30)  # 23:30 (-01), 31st


def test_utc() -> None:
    zone = ZoneInfo("UTC")
    assert run_at(date(2026, 2, 28), time(23, 59), zone) == utc(2026, 2, 28, 23, 59)
    assert next_run(utc(2026, 2, 28, 12), time(12), zone) == utc(2026, 3, 1, 12)
    assert next_run(utc(2026, 2, 28, 11, 59), time(12), zone) == utc(2026, 2, 28, 12)
    assert local_date(utc(2026, 2, 28, 23, 59, 59), zone) == date(2026, 2, 28)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_run(datetime(2026, 1, 1), time(9), NEW_YORK)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 1, 1), NEW_YORK)


def test_results_are_utc() -> None:
    result = next_run(datetime(2026, 1, 1, 9, tzinfo=NEW_YORK), time(9), NEW_YORK)
    assert result.tzinfo is UTC
    assert result == utc(2026, 1, 2, 14)


# --- properties ------------------------------------------------------------------------------

zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
)
days = st.dates(min_value=date(2000, 1, 2), max_value=date(2037, 12, 30))
hhmm = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@functools.cache
def transitions(name: str) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """(instant, offset before, offset after) for every clock change of `name` in 2000–2037."""
    tz = ZoneInfo(name)

    def offset(instant: datetime) -> timedelta:
        found = instant.astimezone(tz).utcoffset()
        assert found is not None
        return found

    found = []
    instant, current = utc(2000, 1, 1), offset(utc(2000, 1, 1))
    while instant < utc(2038, 1, 1):
        following = instant + DAY
        if offset(following) != current:
            low, high = instant, following  # offset(low) == current != offset(high)
            while high - low > MINUTE:
                middle = low + (high - low) // 2
                middle = middle.replace(second=0, microsecond=0)
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            found.append((high, current, offset(high)))
            current = offset(high)
        instant = following
    return tuple(found)


@st.composite
def near_a_clock_change(draw: st.DrawFn) -> tuple[ZoneInfo, date, time]:
    """A local date and time within two hours of a clock change: gaps and repeats, often."""
    name = draw(st.sampled_from(DST_ZONES))
    instant, before, after = draw(st.sampled_from(transitions(name)))
    base = (instant + draw(st.sampled_from((before, after)))).replace(tzinfo=None)
    local = base + draw(st.integers(-120, 120)) * MINUTE
    return ZoneInfo(name), local.date(), local.time()


def check_run_at(tz: ZoneInfo, day: date, at: time) -> None:
    result = run_at(day, at, tz)
    assert result == brute_run_at(day, at, tz)
    if result is None:
        return
    assert result.tzinfo is UTC
    assert local_date(result, tz) == day
    local = result.astimezone(tz)
    target = datetime.combine(day, at)
    if local.time() == at:
        assert local.fold == 0, "a repeated time must run at its first occurrence"
    else:  # `at` was skipped: the clock jumped from before it to after it at `result`
        assert local.replace(tzinfo=None) > target
        assert wall(result - MINUTE, tz) < target
        assert (result - MINUTE).astimezone(tz).utcoffset() != local.utcoffset()


@settings(max_examples=200, deadline=None)
@given(near_a_clock_change())
def test_run_at_near_clock_changes_matches_brute_force(case: tuple[ZoneInfo, date, time]) -> None:
    check_run_at(*case)


@settings(max_examples=100, deadline=None)
@given(zones, days, hhmm)
def test_run_at_on_any_day_matches_brute_force(tz: ZoneInfo, day: date, at: time) -> None:
    check_run_at(tz, day, at)


@settings(max_examples=200, deadline=None)
@given(instants, hhmm, zones)
def test_next_run_is_the_first_run_strictly_after(after: datetime, at: time, tz: ZoneInfo) -> None:
    result = next_run(after, at, tz)
    assert result > after
    assert result.tzinfo is UTC
    day = local_date(result, tz)
    assert run_at(day, at, tz) == result
    # No run of an earlier local date was missed in between.
    earlier = local_date(after, tz) - DAY * 2
    while earlier < day:
        candidate = run_at(earlier, at, tz)
        assert candidate is None or candidate <= after
        earlier += DAY


@settings(max_examples=40, deadline=None)
@given(instants, hhmm, zones)
def test_every_local_date_runs_exactly_once(start: datetime, at: time, tz: ZoneInfo) -> None:
    runs = [next_run(start, at, tz)]
    for _ in range(399):
        runs.append(next_run(runs[-1], at, tz))
    assert all(a < b for a, b in itertools.pairwise(runs))
    dates = [local_date(run, tz) for run in runs]
    assert local_date(start, tz) - DAY <= dates[0] <= local_date(start, tz) + DAY * 2
    for previous, current in itertools.pairwise(dates):
        assert previous < current
        skipped = previous + DAY
        while skipped < current:  # only dates without any run may be stepped over
            assert run_at(skipped, at, tz) is None
            skipped += DAY


@settings(max_examples=200, deadline=None)
@given(instants, zones)
def test_local_date_is_the_date_on_the_local_clock(instant: datetime, tz: ZoneInfo) -> None:
    assert local_date(instant, tz) == wall(instant, tz).date()


# --- parsing times ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(hhmm, st.booleans(), st.sampled_from(["", " ", "  ", "\t"]))
def test_parse_hhmm_accepts_every_time_of_day(at: time, padded: bool, space: str) -> None:
    text = f"{at.hour:02d}:{at.minute:02d}" if padded else f"{at.hour}:{at.minute:02d}"
    assert parse_hhmm(space + text + space) == at
    assert parse_hhmm(at.strftime("%H:%M")) == at


@pytest.mark.parametrize(
    "text",
    ["24:00", "7.30", "730", "", "   ", "25:00", "12:60", "7:3", "007:30", "07:30:00", "7:30pm",
     "-1:30", "+7:30", "07 :30", "07：30", "٠٧:٣٠", "07:30\x00", "T07:30", "noon"],
)  # fmt: skip
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(BadInput, match="HH:MM"):
        parse_hhmm(text)


def test_parse_hhmm_message_quotes_the_input() -> None:
    with pytest.raises(BadInput) as caught:
        parse_hhmm("7.30")
    assert caught.value.message == (
        "“7.30” is not a time: use HH:MM on a 24-hour clock, like 07:30 or 18:45."
    )
    with pytest.raises(BadInput) as caught:
        parse_hhmm("9" * 500)
    assert len(caught.value.message) < 150


VALID = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789:. apm\t", max_size=8) | st.text(max_size=8))
def test_parse_hhmm_accepts_nothing_else(text: str) -> None:
    if VALID.fullmatch(text.strip()):
        assert parse_hhmm(text).strftime("%H:%M").lstrip("0") == text.strip().lstrip("0")
    else:
        with pytest.raises(BadInput):
            parse_hhmm(text)


# --- timezones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  UTC ", "UTC"),
        ("utc", "UTC"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("Asia/Kathmandu", "Asia/Kathmandu"),
        ("EST5EDT", "EST5EDT"),
    ],
)
def test_parse_timezone_finds_the_canonical_name(typed: str, canonical: str) -> None:
    assert parse_timezone(typed).key == canonical


@pytest.mark.parametrize(
    "typed",
    ["", "  ", "Mars/Olympus_Mons", "Berlin", "GMT+25", "../../etc/passwd", "/etc/localtime",
     "Europe/../UTC", "Europe/Berlin/", "localtime", "posixrules", "Factory", "UTC\x00"],
)  # fmt: skip
def test_parse_timezone_rejects(typed: str) -> None:
    with pytest.raises(BadInput, match="Europe/Berlin"):
        parse_timezone(typed)


def test_parse_timezone_message_names_the_input() -> None:
    with pytest.raises(BadInput) as caught:
        parse_timezone("Mars/Olympus_Mons")
    assert "“Mars/Olympus_Mons”" in caught.value.message
    assert "Europe/Berlin" in caught.value.message


def test_timezone_choices_without_a_query_are_common_zones() -> None:
    choices = timezone_choices("")
    assert choices[0] == "UTC"
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "Asia/Tokyo"} <= set(choices)
    assert len(choices) <= 25
    assert timezone_choices("   ", limit=3) == choices[:3]
    for name in choices:
        parse_timezone(name)


@pytest.mark.parametrize("query", ["new y", "new_y", "NEW Y", "America/New_York", "york"])
def test_timezone_choices_find_new_york(query: str) -> None:
    choices = timezone_choices(query)
    assert "America/New_York" in choices
    assert len(choices) <= 25


def test_timezone_choices_rank_prefix_matches_first() -> None:
    assert timezone_choices("berlin") == ["Europe/Berlin"]
    europe = timezone_choices("europe/")
    assert len(europe) == 25
    assert europe == sorted(europe)
    assert all(name.startswith("Europe/") for name in europe)
    # Names starting with the query, then a part starting with it, then any other match.
    choices = timezone_choices("pa", limit=100)
    assert choices[0] == "Pacific/Apia"
    assert choices.index("Pacific/Yap") < choices.index("America/Panama")
    assert choices.index("US/Pacific") < choices.index("Africa/Kampala")
    assert choices[-1] == "Asia/Ujung_Pandang"


def test_timezone_choices_leave_out_legacy_names_and_respect_the_limit() -> None:
    assert timezone_choices("cuba") == []
    assert timezone_choices("zzz") == []
    assert all("/" in name or name == "UTC" for name in timezone_choices("e", limit=1000))
    assert len(timezone_choices("a", limit=7)) == 7
    assert timezone_choices("a", limit=0) == []
    assert "UTC" in timezone_choices("utc")
