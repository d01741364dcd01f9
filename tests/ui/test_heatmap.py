"""The streak heatmap: a fixed-size PNG whose cells are the right colour in the right place."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from bot.ui import heatmap
from bot.ui.heatmap import cell_box, heatmap_image, image_size

TODAY = date(2024, 6, 12)  # a Wednesday: the last column holds Mon 10 June to Sun 16 June
START = date(2023, 12, 18)  # the Monday 25 weeks before, the top of the first column
LAST = 25  # the last column's index when weeks=26


def open_png(data: bytes, path: Path) -> Image.Image:
    path.write_bytes(data)
    image = Image.open(path)
    image.load()
    return image


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def centre(image: Image.Image, week: int, weekday: int) -> tuple[int, int, int]:
    left, top, right, bottom = cell_box(week, weekday)
    return image.getpixel(((left + right) // 2, (top + bottom) // 2))


def cell_pixels(image: Image.Image, week: int, weekday: int) -> list[tuple[int, int, int]]:
    region = image.crop(cell_box(week, weekday)).convert("RGB")
    data = region.tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def not_background(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    data = image.crop(box).convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for p in pixels if not close_to(p, heatmap.BACKGROUND, tolerance=2))


def full_data(today: date) -> tuple[dict[date, int], set[date]]:
    """Every day of a year around `today` active or frozen, future days included."""
    days = [today + timedelta(days=n) for n in range(-400, 30)]
    return {d: 1 + i % 5 for i, d in enumerate(days) if i % 3}, set(days[::3])


def test_returns_a_png_whose_size_does_not_depend_on_the_data(tmp_path: Path) -> None:
    data = heatmap_image({}, set(), TODAY)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    empty = open_png(data, tmp_path / "empty.png")
    assert empty.format == "PNG"
    assert empty.mode == "RGB"
    assert empty.size == image_size(26)
    assert 400 < empty.width < 600 and 150 < empty.height < 300
    assert close_to(empty.getpixel((2, 2)), heatmap.BACKGROUND, tolerance=0)

    active, frozen = full_data(TODAY)
    full = open_png(heatmap_image(active, frozen, TODAY, title="x" * 500), tmp_path / "full.png")
    assert full.size == empty.size
    # Every drawn day sits inside the picture, clear of its edges.
    right, bottom = cell_box(LAST, 6)[2:]
    assert right <= full.width - heatmap.PAD_X and bottom < full.height - heatmap.CELL


def test_more_weeks_mean_a_wider_picture() -> None:
    assert image_size(52)[0] > image_size(26)[0] > image_size(12)[0]
    assert image_size(52)[1] == image_size(26)[1] == image_size(1)[1]
    assert image_size(1)[0] == heatmap.MIN_WIDTH


@pytest.mark.parametrize(("count", "shade"), [(1, 0), (2, 1), (3, 2), (4, 3), (9, 3)])
def test_active_days_are_green_by_count(tmp_path: Path, count: int, shade: int) -> None:
    monday = TODAY - timedelta(days=2)
    image = open_png(heatmap_image({monday: count}, set(), TODAY), tmp_path / "green.png")
    assert close_to(centre(image, LAST, 0), heatmap.GREENS[shade], tolerance=0)
    assert close_to(centre(image, LAST, 1), heatmap.EMPTY, tolerance=0)  # Tuesday, no activity


def test_cells_show_activity_freezes_and_empty_days(tmp_path: Path) -> None:
    friday, thursday = date(2024, 6, 7), date(2024, 6, 6)
    active = {TODAY - timedelta(days=1): 4, date(2024, 1, 1): 5, thursday: 0}
    image = open_png(heatmap_image(active, {friday}, TODAY), tmp_path / "cells.png")

    assert close_to(centre(image, LAST, 1), heatmap.GREENS[3], tolerance=0)  # Tue 11 June
    assert close_to(centre(image, 2, 0), heatmap.GREENS[3], tolerance=0)  # Mon 1 January
    assert close_to(centre(image, LAST - 1, 3), heatmap.EMPTY, tolerance=0)  # count 0
    # The freeze: icy blue with a white mark, and nowhere else in the grid.
    frozen = cell_pixels(image, LAST - 1, 4)
    assert sum(close_to(p, heatmap.FROZEN, tolerance=2) for p in frozen) > 40
    assert any(min(p) > 200 for p in frozen)
    elsewhere = [p for w in range(LAST + 1) for d in range(7) for p in cell_pixels(image, w, d)]
    assert sum(close_to(p, heatmap.FROZEN, tolerance=2) for p in elsewhere) == sum(
        close_to(p, heatmap.FROZEN, tolerance=2) for p in frozen
    )


def test_activity_outranks_a_freeze_on_the_same_day(tmp_path: Path) -> None:
    day = TODAY - timedelta(days=2)
    image = open_png(heatmap_image({day: 2}, {day}, TODAY), tmp_path / "both.png")
    assert close_to(centre(image, LAST, 0), heatmap.GREENS[1], tolerance=0)


def test_today_is_outlined(tmp_path: Path) -> None:
    image = open_png(heatmap_image({}, set(), TODAY), tmp_path / "today.png")
    left, top, right, bottom = cell_box(LAST, 2)
    mid = (top + bottom) // 2
    assert close_to(image.getpixel((left, mid)), heatmap.TODAY_OUTLINE)
    assert close_to(image.getpixel((right - 1, mid)), heatmap.TODAY_OUTLINE)
    assert close_to(centre(image, LAST, 2), heatmap.EMPTY, tolerance=0)
    yesterday = cell_box(LAST, 1)
    assert close_to(image.getpixel((yesterday[0], mid - heatmap.PITCH)), heatmap.EMPTY)


def test_no_cell_is_drawn_after_today(tmp_path: Path) -> None:
    active, frozen = full_data(TODAY)
    image = open_png(heatmap_image(active, frozen, TODAY), tmp_path / "future.png")
    for weekday in range(3, 7):  # Thursday (tomorrow) to Sunday
        assert close_to(centre(image, LAST, weekday), heatmap.BACKGROUND, tolerance=0)
        assert not_background(image, cell_box(LAST, weekday)) == 0
    assert not_background(image, cell_box(LAST, 2)) > 0


def test_the_grid_covers_exactly_the_weeks_ending_with_today(tmp_path: Path) -> None:
    assert START.weekday() == 0 and (TODAY - START).days == 25 * 7 + 2
    before = START - timedelta(days=1)
    assert heatmap_image({before: 4}, {before}, TODAY) == heatmap_image({}, set(), TODAY)
    image = open_png(heatmap_image({START: 4}, set(), TODAY), tmp_path / "start.png")
    assert close_to(centre(image, 0, 0), heatmap.GREENS[3], tolerance=0)
    # Nothing is drawn where a 27th week would be, between the weekday labels and the grid.
    gap = (cell_box(0, 0)[0] - heatmap.PITCH // 2, cell_box(0, 0)[1], cell_box(0, 0)[0] - 1, 160)
    assert not_background(image, gap) == 0
    # With weeks=4 the first column is the Monday three weeks before today's.
    short = open_png(
        heatmap_image({date(2024, 5, 20): 4}, set(), TODAY, weeks=4), tmp_path / "4.png"
    )
    assert short.size == image_size(4)
    assert close_to(centre(short, 0, 0), heatmap.GREENS[3], tolerance=0)
    assert close_to(centre(short, 3, 2), heatmap.EMPTY, tolerance=0)


def test_months_are_named_over_the_column_of_their_first_day(tmp_path: Path) -> None:
    image = open_png(heatmap_image({}, set(), TODAY), tmp_path / "months.png")
    row = (heatmap.TOP - heatmap.MONTH_ROW, heatmap.TOP - 2)

    def label_ink(week: int) -> int:
        left = cell_box(week, 0)[0]
        return not_background(image, (left, row[0], left + heatmap.PITCH, row[1]))

    # 1 June 2024 is a Saturday in column 23; 1 May a Wednesday in column 19.
    assert label_ink(23) > 0 and label_ink(19) > 0
    assert label_ink(22) == 0 and label_ink(21) == 0 and label_ink(25) == 0


def test_weeks_below_one_are_refused() -> None:
    with pytest.raises(ValueError):
        heatmap_image({}, set(), TODAY, weeks=0)


def test_the_heatmap_is_deterministic() -> None:
    active, frozen = full_data(TODAY)
    assert heatmap_image(active, frozen, TODAY) == heatmap_image(dict(active), set(frozen), TODAY)


@pytest.mark.parametrize(
    "title",
    [
        "A very long title that goes on and on " * 20,
        "🚀 Rocket 👨‍👩‍👧 family 🏳️‍🌈",
        "bell\x07 nul\x00 tab\t newline\n escape\x1b[31m",
        "\ud800 lone surrogate \udfff",
        "",
    ],
)
def test_odd_titles_draw_and_stay_inside(tmp_path: Path, title: str) -> None:
    image = open_png(heatmap_image({}, set(), TODAY, title=title), tmp_path / "title.png")
    assert image.size == image_size(26)
    title_row = (image.width - heatmap.PAD_X + 1, 0, image.width, heatmap.TOP - heatmap.MONTH_ROW)
    assert not_background(image, title_row) == 0


@pytest.mark.usefixtures("bitmap_font_only")
def test_falls_back_to_the_bitmap_font(tmp_path: Path) -> None:
    assert isinstance(heatmap._fonts().title, ImageFont.ImageFont)
    assert heatmap._fonts().scale == 1
    monday = TODAY - timedelta(days=2)
    data = heatmap_image({monday: 4}, {monday - timedelta(days=1)}, TODAY, title="Zoë 🚀 — " * 20)
    image = open_png(data, tmp_path / "bitmap.png")
    assert image.size == image_size(26)
    assert close_to(centre(image, LAST, 0), heatmap.GREENS[3], tolerance=0)
    assert any(close_to(p, heatmap.FROZEN, tolerance=2) for p in cell_pixels(image, LAST - 1, 6))
    assert close_to(centre(image, LAST, 3), heatmap.BACKGROUND, tolerance=0)
    assert not_background(image, (0, 0, image.width, heatmap.TOP - heatmap.MONTH_ROW)) > 50


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    today=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    weeks=st.integers(min_value=1, max_value=60),
    counts=st.dictionaries(st.integers(-7, 60 * 7 + 7), st.integers(-3, 50), max_size=120),
    freezes=st.sets(st.integers(-7, 60 * 7 + 7), max_size=60),
    title=st.text(max_size=80),
)
def test_any_data_draws_at_a_fixed_size(
    tmp_path_factory: pytest.TempPathFactory,
    today: date,
    weeks: int,
    counts: dict[int, int],
    freezes: set[int],
    title: str,
) -> None:
    active = {today - timedelta(days=n): c for n, c in counts.items()}
    frozen = {today - timedelta(days=n) for n in freezes}
    path = tmp_path_factory.mktemp("any") / "heatmap.png"
    image = open_png(heatmap_image(active, frozen, today, title=title, weeks=weeks), path)
    assert image.size == image_size(weeks)
    week, weekday = weeks - 1, today.weekday()
    count = active.get(today, 0)
    if count > 0:
        assert close_to(centre(image, week, weekday), heatmap.GREENS[min(count, 4) - 1], 0)
    elif today in frozen:
        assert any(close_to(p, heatmap.FROZEN, 2) for p in cell_pixels(image, week, weekday))
    else:
        assert close_to(centre(image, week, weekday), heatmap.EMPTY, tolerance=0)
    if weekday < 6:
        assert not_background(image, cell_box(week, weekday + 1)) == 0
