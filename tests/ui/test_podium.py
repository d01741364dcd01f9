"""The quiz podium: a fixed-size PNG with gold, silver and bronze blocks where they should be."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from bot.ui import podium
from bot.ui.podium import PodiumEntry, podium_image

ENTRIES = [
    PodiumEntry(rank=1, name="Ada Lovelace", points=1950, correct=3, answered=5),
    PodiumEntry(rank=2, name="Grace Hopper", points=1400, correct=2, answered=5),
    PodiumEntry(rank=3, name="Alan Turing", points=900, correct=1, answered=5),
]
BLOCKS = [podium.GOLD, podium.SILVER, podium.BRONZE]


def open_png(data: bytes, path: Path) -> Image.Image:
    path.write_bytes(data)
    image = Image.open(path)
    image.load()
    return image


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def rgb_pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    data = image.convert("RGB").tobytes()
    return list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def pixels_of(image: Image.Image, colour: tuple[int, int, int]) -> list[tuple[int, int]]:
    """(x, y) of every pixel close to `colour`."""
    width = image.width
    return [(i % width, i // width) for i, p in enumerate(rgb_pixels(image)) if close_to(p, colour)]


def block(image: Image.Image, colour: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """(left, right, top, height) of the block in `colour`, its height measured as the run of that
    colour in one column a quarter of the way across (clear of the rounded corner and the rank)."""
    found = pixels_of(image, colour)
    assert found, f"no {colour} pixels"
    left = min(x for x, _ in found)
    right = max(x for x, _ in found)
    column = sorted(y for x, y in found if x == left + (right - left) // 4)
    assert column == list(range(column[0], column[-1] + 1)), "the block's column has gaps"
    return left, right, column[0], len(column)


def not_background(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    region = image.crop(box)
    return sum(1 for p in rgb_pixels(region) if not close_to(p, podium.BACKGROUND, tolerance=2))


def test_returns_a_fixed_size_png_with_three_blocks(tmp_path: Path) -> None:
    data = podium_image(ENTRIES)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = open_png(data, tmp_path / "podium.png")
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.size == (600, podium.HEIGHT)
    assert 150 < image.height < 400
    assert close_to(image.getpixel((2, 2)), podium.BACKGROUND, tolerance=0)

    gold, silver, bronze = (block(image, colour) for colour in BLOCKS)
    # 2nd on the left, 1st in the centre, 3rd on the right, each well over 100 pixels wide.
    assert silver[1] < gold[0] and gold[1] < bronze[0]
    assert all(right - left > 100 for left, right, _, _ in (gold, silver, bronze))
    assert abs((gold[0] + gold[1]) / 2 - image.width / 2) <= 2
    # The centre block is the tallest, and all three stand on the same floor.
    assert gold[3] > silver[3] > bronze[3] > 30
    assert gold[3] - silver[3] >= 15
    assert len({top + height for _, _, top, height in (gold, silver, bronze)}) == 1


@pytest.mark.parametrize("count", [0, 1, 2])
def test_missing_places_are_empty_blocks(tmp_path: Path, count: int) -> None:
    image = open_png(podium_image(ENTRIES[:count]), tmp_path / f"podium-{count}.png")
    assert image.size == (600, podium.HEIGHT)
    for place, colour in enumerate(BLOCKS):
        if place < count:
            assert len(pixels_of(image, colour)) > 2000
        else:
            assert pixels_of(image, colour) == []
    # The missing places still stand there, dimmed, with nothing written above them.
    empty = pixels_of(image, podium.EMPTY)
    assert len(empty) > 2000 * (3 - count)
    if count < 2:
        left = min(x for x, _ in empty)
        assert left < 300 - podium.BLOCK_WIDTH // 2  # the 2nd-place block on the left
        above = (left, 0, left + podium.BLOCK_WIDTH, podium.HEIGHT - 18 - 82 - 1)
        assert not_background(image, (above[0], podium.PAD_Y + 25, above[2], above[3])) == 0


def test_no_entries_says_no_one_scored(tmp_path: Path) -> None:
    zero = open_png(podium_image([]), tmp_path / "zero.png")
    one = open_png(podium_image(ENTRIES[:1]), tmp_path / "one.png")
    # Above the centre block and below the title: the note, in muted grey.
    gold_top = podium.HEIGHT - podium.PAD_Y - podium.BLOCK_HEIGHTS[0]
    note = (220, podium.PAD_Y + 25, 380, gold_top - 2)
    assert not_background(zero, note) > 50
    assert len(pixels_of(zero.crop(note), podium.MUTED)) > 0
    assert zero.size == one.size
    assert pixels_of(zero, podium.GOLD) == []


def test_ties_print_the_given_ranks() -> None:
    # Only the second entry's rank differs, so only the "1" on its block can tell them apart.
    tied = [ENTRIES[0], replace(ENTRIES[1], rank=1), ENTRIES[2]]
    assert podium_image(tied) != podium_image(ENTRIES)
    assert podium_image(tied) == podium_image(list(tied))  # deterministic


def test_only_the_first_three_entries_are_drawn() -> None:
    fourth = PodiumEntry(4, "Linus", 10, 1, 5)
    assert podium_image([*ENTRIES, fourth]) == podium_image(ENTRIES)


@pytest.mark.parametrize(
    "name",
    [
        "A very long display name that goes on and on " * 20,
        "W" * 500,
        "🚀 Rocket 👨‍👩‍👧 family 🏳️‍🌈",
        "bell\x07 nul\x00 tab\t newline\n escape\x1b[31m",
        "e\u0301\u0301\u0301 Zalgo\u0336\u0337\u0338 \u200d\u202e reversed",
        "\ud800 lone surrogate \udfff",
        "",
        "   ",
        "\u0301 starts with a mark",
    ],
)
def test_odd_names_draw_and_stay_inside(tmp_path: Path, name: str) -> None:
    entries = [PodiumEntry(1, name, 10**12, 5, 5), PodiumEntry(2, name, -5, 0, 0)]
    entries.append(PodiumEntry(3, name, 1, 1, 5))
    image = open_png(podium_image(entries, title=name), tmp_path / "odd.png")
    assert image.size == (600, podium.HEIGHT)
    # Names are cut to their block: nothing spills past the outer blocks' edges.
    silver_left = block(image, podium.SILVER)[0]
    bronze_right = block(image, podium.BRONZE)[1]
    assert not_background(image, (0, 0, silver_left - 2, image.height)) == 0
    assert not_background(image, (bronze_right + 3, 0, image.width, image.height)) == 0


def test_names_are_cleaned_and_cut() -> None:
    font = podium._fonts().name
    cleaned = podium._clean("a\x00b\nc\u200dd\x1b", font, "…", 40)
    assert cleaned == "ab cd"
    long = podium._clean("x" * 1000, font, "…", 40)
    assert len(long) == 40 and long.endswith("…")
    # A combining mark joins its letter (or, where the font lacks the accent, goes), never "?".
    assert podium._clean("Cafe\u0301", font, "…", 40) in {"Café", "Cafe"}
    assert podium._clean("Zoë 🚀", font, "…", 40) in {"Zoë ?", "Zoe ?"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(max_size=80), title=st.text(max_size=80))
def test_any_string_draws(name: str, title: str) -> None:
    data = podium_image([PodiumEntry(1, name, 1, 1, 1)], title=title)
    assert data.startswith(b"\x89PNG")


@pytest.mark.usefixtures("bitmap_font_only")
def test_falls_back_to_the_bitmap_font(tmp_path: Path) -> None:
    assert isinstance(podium._fonts().name, ImageFont.ImageFont)
    assert podium._fonts().scale == 1
    entries = [*ENTRIES[:2], PodiumEntry(3, "Zoë 🚀 " + "long name " * 10, 5, 1, 5)]
    image = open_png(podium_image(entries, title="Round — 1 …"), tmp_path / "bitmap.png")
    assert image.size == (600, podium.HEIGHT)
    gold, silver, bronze = (block(image, colour) for colour in BLOCKS)
    assert gold[3] > silver[3] > bronze[3]
    empty = open_png(podium_image([]), tmp_path / "bitmap-empty.png")
    assert all(pixels_of(empty, colour) == [] for colour in BLOCKS)
