"""The daily question's answer chart: a well-formed PNG whose colours say which option was right."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageFont

from bot.ui import charts
from bot.ui.charts import answer_chart

LABELS = ["A. Hashing", "B. Binary search", "C. Two pointers", "D. Dynamic programming"]
COUNTS = [7, 2, 5, 2]


def open_png(data: bytes, path: Path) -> Image.Image:
    path.write_bytes(data)
    image = Image.open(path)
    image.load()
    return image


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=False))


def colours(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    """(how many pixels, colour) for every colour in the image."""
    found = image.convert("RGB").getcolors(maxcolors=image.width * image.height)
    assert found is not None
    return found


def count_colour(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return sum(n for n, pixel in colours(image) if close_to(pixel, colour))


def count_greenish(image: Image.Image) -> int:
    return sum(n for n, (r, g, b) in colours(image) if g > r + 40 and g > b + 40)


def test_returns_a_png_about_600_wide(tmp_path: Path) -> None:
    data = answer_chart(LABELS, COUNTS, {0}, title="Daily question #42")
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = open_png(data, tmp_path / "chart.png")
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.width == 600
    assert 100 < image.height < 400
    assert close_to(image.getpixel((2, 2)), charts.BACKGROUND, tolerance=0)


def test_height_grows_with_the_number_of_options(tmp_path: Path) -> None:
    heights = []
    for n in range(2, 7):
        labels = [chr(ord("A") + i) for i in range(n)]
        image = open_png(answer_chart(labels, [1] * n, {0}), tmp_path / f"chart-{n}.png")
        assert image.width == 600
        heights.append(image.height)
    assert heights == sorted(heights)
    assert len(set(heights)) == len(heights)


def test_a_title_adds_height(tmp_path: Path) -> None:
    plain = open_png(answer_chart(LABELS, COUNTS, {0}), tmp_path / "plain.png")
    titled = open_png(answer_chart(LABELS, COUNTS, {0}, title="Q"), tmp_path / "titled.png")
    assert titled.height > plain.height
    assert titled.width == plain.width


def test_green_only_when_an_option_is_correct(tmp_path: Path) -> None:
    with_answer = open_png(answer_chart(LABELS, COUNTS, {0}), tmp_path / "correct.png")
    without = open_png(answer_chart(LABELS, COUNTS, set()), tmp_path / "none.png")

    assert count_colour(with_answer, charts.CORRECT) > 500
    assert count_greenish(with_answer) > 500
    assert count_colour(without, charts.CORRECT) == 0
    assert count_greenish(without) == 0
    # Every option gets a bar; the wrong ones are grey-blue.
    assert count_colour(without, charts.OTHER) > count_colour(with_answer, charts.OTHER) > 0


def test_more_correct_options_mean_more_green(tmp_path: Path) -> None:
    one = open_png(answer_chart(LABELS, COUNTS, {0}), tmp_path / "one.png")
    two = open_png(answer_chart(LABELS, COUNTS, {0, 2}), tmp_path / "two.png")
    assert count_colour(two, charts.CORRECT) > count_colour(one, charts.CORRECT)


def test_zero_answers_draws_empty_bars_and_a_note(tmp_path: Path) -> None:
    zero = open_png(answer_chart(["A", "B", "C"], [0, 0, 0], set()), tmp_path / "zero.png")
    some = open_png(answer_chart(["A", "B", "C"], [1, 0, 0], set()), tmp_path / "some.png")
    assert zero.width == 600
    assert zero.height > some.height  # the "No answers" line
    assert count_colour(zero, charts.OTHER) == 0
    assert count_colour(zero, charts.TRACK) > 1000
    # The correct option still gets its check mark, but there is no bar to colour.
    marked = open_png(answer_chart(["A", "B", "C"], [0, 0, 0], {1}), tmp_path / "marked.png")
    assert 0 < count_colour(marked, charts.CORRECT) < 400


def test_the_chart_is_deterministic() -> None:
    args = (LABELS, COUNTS, {1, 3})
    assert answer_chart(*args, title="Same") == answer_chart(*args, title="Same")


def test_long_labels_odd_characters_and_six_options(tmp_path: Path) -> None:
    labels = [
        "A. " + "very long option text " * 5,
        "B. Café — naïve → résumé",
        "C. 🚀 rockets",
        "D",
        "E. " + "x" * 60,
        "F.\tTabs\nand newlines",
    ]
    data = answer_chart(labels, [100, 0, 3, 1, 0, 9999], {5}, title="T" * 300)
    image = open_png(data, tmp_path / "six.png")
    assert image.size[0] == 600


def test_labels_are_cut_to_about_28_characters() -> None:
    assert charts._shorten("short", "…") == "short"
    cut = charts._shorten("B. Binary search on a sorted array of integers", "…")
    assert len(cut) <= 28
    assert cut.endswith("…")


def test_percentages_round_half_up() -> None:
    assert charts._percent(1, 8) == 13
    assert charts._percent(1, 3) == 33
    assert charts._percent(2, 3) == 67
    assert charts._percent(0, 0) == 0
    assert charts._percent_text(3, 10_000) == "<1%"
    assert charts._percent_text(9_999, 10_000) == ">99%"
    assert charts._percent_text(4, 4) == "100%"
    assert charts._percent_text(0, 4) == "0%"


@pytest.mark.parametrize(
    ("labels", "counts", "correct"),
    [
        (["A", "B"], [1], set()),
        (["A"], [1, 2], set()),
        ([], [], set()),
        (["A", "B"], [1, -1], set()),
        (["A", "B"], [1, 1], {2}),
        (["A", "B"], [1, 1], {-1}),
    ],
)
def test_bad_input_raises_value_error(
    labels: list[str], counts: list[int], correct: set[int]
) -> None:
    with pytest.raises(ValueError):
        answer_chart(labels, counts, correct)


@pytest.mark.usefixtures("bitmap_font_only")
def test_falls_back_to_the_bitmap_font(tmp_path: Path) -> None:
    assert isinstance(charts._fonts().text, ImageFont.ImageFont)
    data = answer_chart([*LABELS, "E. " + "long " * 10], [*COUNTS, 0], {0}, title="Q — 1")
    image = open_png(data, tmp_path / "bitmap.png")
    assert image.width == 600
    assert count_colour(image, charts.CORRECT) > 0
