"""The feedback trend chart: a fixed-size PNG with one line per rubric item, scores drawn at the
right height, gaps where an item had no score, and x labels that never overlap."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from bot.ui import trends
from bot.ui.trends import trend_chart

Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]

ITEMS = [
    ("Problem solving", [2.0, 3.0, 3.5, 3.0]),
    ("Communication", [3.0, 3.0, 4.0, 4.0]),
    ("Technical depth", [1.0, 2.0, 2.0, 2.5]),
]
LABELS = ["3 Mar", "10 Mar", "17 Mar", "24 Mar"]
WHOLE: Box = (0, 0, trends.WIDTH, trends.HEIGHT)


def open_png(data: bytes, path: Path) -> Image.Image:
    path.write_bytes(data)
    image = Image.open(path)
    image.load()
    return image


def close_to(pixel: Sequence[int], colour: Colour, tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def colourish(pixel: Sequence[int], colour: Colour) -> bool:
    """Nearer `colour` than the background: a thin, smoothed line still counts."""
    return math.dist(pixel[:3], colour) < math.dist(pixel[:3], trends.BACKGROUND)


def pixels(image: Image.Image, box: Box = WHOLE) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """(x, y, pixel) for every pixel in `box`, in image coordinates."""
    left, top, right, bottom = box
    data = image.load()
    assert data is not None
    for y in range(top, bottom):
        for x in range(left, right):
            yield x, y, data[x, y]


def where(image: Image.Image, colour: Colour, box: Box = WHOLE) -> list[tuple[int, int]]:
    """(x, y) of the pixels within `box` close to `colour`."""
    return [(x, y) for x, y, pixel in pixels(image, box) if close_to(pixel, colour)]


def count_near(image: Image.Image, colour: Colour, box: Box = WHOLE) -> int:
    """How many pixels within `box` are close to `colour`."""
    region = image.crop(box).convert("RGB")
    found = region.getcolors(maxcolors=region.width * region.height)
    assert found is not None
    return sum(n for n, pixel in found if close_to(pixel, colour))


def plot(titled: bool = False) -> Box:
    left, top, right, bottom = trends._plot_box(titled)
    # A dot at 1 or 4 reaches a little past the plot's edge.
    return left, top - trends.DOT_RADIUS - 2, right, bottom + trends.DOT_RADIUS + 2


def mean_y(points: Sequence[tuple[int, int]]) -> float:
    assert points
    return sum(y for _, y in points) / len(points)


def chart(
    tmp_path: Path,
    items: Sequence[tuple[str, Sequence[float]]] = ITEMS,
    labels: Sequence[str] = LABELS,
    title: str | None = None,
) -> Image.Image:
    return open_png(trend_chart(items, labels, title=title), tmp_path / "trend.png")


@pytest.fixture
def bitmap_only(bitmap_font_only: None) -> Iterator[None]:
    """The shared bitmap-font fixture, with this module's font cache cleared too."""
    trends._fonts.cache_clear()
    yield
    trends._fonts.cache_clear()


def test_returns_a_fixed_size_png_on_the_dark_background(tmp_path: Path) -> None:
    data = trend_chart(ITEMS, LABELS, title="Mock interview feedback")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = open_png(data, tmp_path / "trend.png")
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.size == (trends.WIDTH, trends.HEIGHT) == (640, 320)
    assert close_to(image.getpixel((2, 2)), trends.BACKGROUND, tolerance=0)
    untitled = chart(tmp_path, [("A", [2.0])], ["3 Mar"])
    assert untitled.size == image.size


def test_each_item_is_drawn_in_its_own_colour(tmp_path: Path) -> None:
    image = chart(tmp_path)
    for colour in trends.PALETTE[:3]:
        assert count_near(image, colour, plot()) > 150
        legend = (trends.LEGEND_LEFT, 0, trends.WIDTH, trends.HEIGHT)
        assert count_near(image, colour, legend) > 20
    # Only three items: the palette's next colours are nowhere.
    for colour in trends.PALETTE[3:]:
        assert count_near(image, colour) == 0


def test_the_palette_is_distinct() -> None:
    palette = trends.PALETTE
    assert len(set(palette)) == len(palette) >= 5
    assert palette[0] == (0x58, 0x65, 0xF2)
    for index, colour in enumerate(palette):
        for other in palette[index + 1 :]:
            assert math.dist(colour, other) > 60
        assert math.dist(colour, trends.BACKGROUND) > 150


@pytest.mark.parametrize(("scores", "rising"), [([1.0, 4.0], True), ([4.0, 1.0], False)])
def test_a_higher_score_is_drawn_higher(tmp_path: Path, scores: list[float], rising: bool) -> None:
    image = chart(tmp_path, [("Problem solving", scores)], ["3 Mar", "10 Mar"])
    colour = trends.PALETTE[0]
    left, top, right, bottom = plot()
    middle = (left + right) // 2
    left_half = where(image, colour, (left, top, middle, bottom))
    right_half = where(image, colour, (middle, top, right, bottom))
    if rising:
        assert mean_y(right_half) < mean_y(left_half) - 100
    else:
        assert mean_y(right_half) > mean_y(left_half) + 100
    topmost = min(left_half + right_half, key=lambda point: point[1])
    assert (topmost[0] > middle) is rising


@pytest.mark.parametrize("titled", [False, True])
@pytest.mark.parametrize("score", [1.0, 2.0, 2.5, 3.0, 4.0])
def test_a_score_sits_at_its_height(tmp_path: Path, score: float, titled: bool) -> None:
    title = "Feedback" if titled else None
    image = chart(tmp_path, [("Communication", [score] * 3)], ["a", "b", "c"], title=title)
    found = where(image, trends.PALETTE[0], plot(titled))
    assert abs(mean_y(found) - trends._score_y(score, titled)) < 1.5
    # 1 is at the bottom of the plot, 4 at its top.
    _, top, _, bottom = trends._plot_box(titled)
    assert trends._score_y(1, titled) == bottom
    assert trends._score_y(4, titled) == top


def test_a_title_is_drawn_above_the_plot(tmp_path: Path) -> None:
    title = "Mock interview feedback for a member with a long name"
    titled = chart(tmp_path, [("A", [1.0, 1.0])], ["a", "b"], title=title)
    untitled = chart(tmp_path, [("A", [1.0, 1.0])], ["a", "b"])
    # Right of the y labels and above where the untitled plot's top gridline runs.
    strip = (trends.PLOT_LEFT + 30, 0, trends.PLOT_RIGHT, trends.PAD_Y + trends.TITLE_SIZE)
    assert count_near(titled, trends.TEXT, strip) > 30
    assert count_near(untitled, trends.TEXT, strip) == 0


def test_a_single_session_draws_dots_only(tmp_path: Path) -> None:
    image = chart(tmp_path, [("Problem solving", [2.5]), ("Communication", [3.0])], ["3 Mar"])
    centre = trends._session_x(0, 1)
    for colour, score in ((trends.PALETTE[0], 2.5), (trends.PALETTE[1], 3.0)):
        found = where(image, colour, plot())
        assert len(found) > 20
        # A dot, no line: every pixel of the colour is within a dot's reach of the session.
        assert all(abs(x - centre) <= trends.DOT_RADIUS + 1 for x, _ in found)
        assert all(
            abs(y - trends._score_y(score, False)) <= trends.DOT_RADIUS + 1 for _, y in found
        )


def text_runs(image: Image.Image, box: Box, gap: int = 6) -> list[tuple[int, int]]:
    """(first, last) x of each stretch of columns with text in `box`; gaps narrower than `gap`
    (between letters and words) do not split a stretch."""
    columns = sorted(
        {x for x, _, pixel in pixels(image, box) if sum(pixel[:3]) > sum(trends.BACKGROUND) + 120}
    )
    runs: list[tuple[int, int]] = []
    for x in columns:
        if runs and x - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], x)
        else:
            runs.append((x, x))
    return runs


X_LABEL_STRIP: Box = (0, trends.PLOT_BOTTOM + trends.DOT_RADIUS + 2, trends.WIDTH, trends.HEIGHT)


def test_every_session_is_labelled_when_there_is_room(tmp_path: Path) -> None:
    image = chart(tmp_path)
    runs = text_runs(image, X_LABEL_STRIP)
    assert len(runs) == len(LABELS)
    for index, (first, last) in enumerate(runs):
        assert first <= trends._session_x(index, len(LABELS)) <= last


def test_thirty_sessions_draw_with_thinned_labels(tmp_path: Path) -> None:
    count = 30
    labels = [f"{day} Mar" for day in range(1, count + 1)]
    items = [
        ("Problem solving", [1 + (i % 7) / 2 for i in range(count)]),
        ("Communication", [4 - (i % 4) / 2 for i in range(count)]),
        ("Technical depth", [math.nan if i % 5 == 2 else 1 + i / 10 for i in range(count)]),
    ]
    image = chart(tmp_path, items, labels, title="Last 30 sessions")
    assert image.size == (trends.WIDTH, trends.HEIGHT)
    for colour in trends.PALETTE[:3]:
        assert count_near(image, colour, plot(True)) > 300

    runs = text_runs(image, X_LABEL_STRIP)
    # Some labels are left out, and those shown stand apart (one run each, none merged).
    assert 3 <= len(runs) < count
    assert all(last - first <= trends.X_LABEL_MAX_WIDTH for first, last in runs)
    # The latest session is always labelled.
    first, last = runs[-1]
    assert first <= trends._session_x(count - 1, count) <= last


def test_a_missing_score_leaves_a_gap_bridged_by_a_dashed_line(tmp_path: Path) -> None:
    colour = trends.PALETTE[0]
    labels = ["a", "b", "c", "d"]
    gappy = chart(tmp_path, [("A", [2.5, math.nan, math.nan, 2.5])], labels)
    solid = chart(tmp_path, [("A", [2.5, 2.5, 2.5, 2.5])], labels)
    y = round(trends._score_y(2.5, False))
    start = round(trends._session_x(0, 4)) + trends.DOT_RADIUS + 3
    end = round(trends._session_x(3, 4)) - trends.DOT_RADIUS - 3

    def covered(image: Image.Image) -> float:
        hits = {
            x
            for x, _, pixel in pixels(image, (start, y - 2, end, y + 3))
            if colourish(pixel, colour)
        }
        return len(hits) / (end - start)

    assert covered(solid) > 0.98
    assert 0.3 < covered(gappy) < 0.8

    # No dot where the score is missing: the line there is thinner than a dot.
    def height_at(image: Image.Image, session: int) -> int:
        x = round(trends._session_x(session, 4))
        column = (x, 0, x + 1, trends.HEIGHT)
        return sum(1 for _, _, pixel in pixels(image, column) if colourish(pixel, colour))

    assert height_at(solid, 1) >= 2 * trends.DOT_RADIUS - 1
    assert height_at(gappy, 1) <= 3
    assert height_at(gappy, 3) >= 2 * trends.DOT_RADIUS - 1


def test_an_item_with_no_scores_is_only_in_the_legend(tmp_path: Path) -> None:
    items = [("Problem solving", [2.0, 3.0]), ("Testing", [math.nan, math.nan])]
    image = chart(tmp_path, items, ["a", "b"])
    assert count_near(image, trends.PALETTE[0], plot()) > 100
    assert count_near(image, trends.PALETTE[1], plot()) == 0
    legend = (trends.LEGEND_LEFT, 0, trends.WIDTH, trends.HEIGHT)
    assert count_near(image, trends.PALETTE[1], legend) > 20


def test_many_items_still_draw(tmp_path: Path) -> None:
    items = [(f"Item {n}", [1 + n % 4, 4 - n % 4]) for n in range(20)]
    image = chart(tmp_path, items, ["a", "b"], title="Everything")
    assert image.size == (trends.WIDTH, trends.HEIGHT)
    legend = (trends.LEGEND_LEFT, 0, trends.WIDTH, trends.HEIGHT)
    for colour in trends.PALETTE:
        assert count_near(image, colour, legend)


@pytest.mark.parametrize(
    ("items", "labels"),
    [
        pytest.param([("A", [])], [], id="no labels"),
        pytest.param([], ["3 Mar"], id="no items"),
        pytest.param([("A", [2.0])], ["3 Mar", "10 Mar"], id="series too short"),
        pytest.param([("A", [2.0, 3.0, 4.0])], ["3 Mar", "10 Mar"], id="series too long"),
        pytest.param(
            [("A", [2.0, 3.0]), ("B", [2.0])], ["3 Mar", "10 Mar"], id="second series short"
        ),
        pytest.param([("A", [0.5])], ["3 Mar"], id="below 1"),
        pytest.param([("A", [4.5])], ["3 Mar"], id="above 4"),
        pytest.param([("A", [0.0])], ["3 Mar"], id="zero"),
        pytest.param([("A", [math.inf])], ["3 Mar"], id="infinity"),
        pytest.param([("A", [math.nan, -math.inf])], ["3 Mar", "10 Mar"], id="minus infinity"),
    ],
)
def test_rejects_bad_input(items: list[tuple[str, list[float]]], labels: list[str]) -> None:
    with pytest.raises(ValueError):
        trend_chart(items, labels)


def test_accepts_the_edges_of_the_scale_and_whole_numbers(tmp_path: Path) -> None:
    image = chart(tmp_path, [("A", [1, 4, math.nan])], ["a", "b", "c"])
    assert image.size == (trends.WIDTH, trends.HEIGHT)


@pytest.mark.usefixtures("bitmap_only")
def test_falls_back_to_the_bitmap_font(tmp_path: Path) -> None:
    assert isinstance(trends._fonts().text, ImageFont.ImageFont)
    assert trends._fonts().scale == 1
    labels = [f"{day} Mar" for day in range(1, 31)]
    items = [
        (name, [1.0 + n + (i % 3) / 2 for i in range(30)]) for n, (name, _) in enumerate(ITEMS)
    ]
    image = chart(tmp_path, items, labels, title="Zoë 🚀 — feedback " * 5)
    assert image.size == (trends.WIDTH, trends.HEIGHT)
    for colour in trends.PALETTE[:3]:
        assert count_near(image, colour, plot(True))
    runs = text_runs(image, X_LABEL_STRIP)
    assert 3 <= len(runs) < 30
