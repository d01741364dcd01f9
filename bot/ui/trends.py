"""The feedback trend chart shown by `/match history`: how a member's mock-interview scores moved
from session to session, so they can see which rubric items are improving and which still lag.

`trend_chart` draws one coloured line with dot markers per rubric item over a 1-4 score axis
("needs work" to "strong") on Discord's dark embed background, sessions oldest first from left
to right. A session in which an item has no score leaves no dot; a dashed segment bridges the
gap to the item's next score. A legend on the right names each item with its latest score. The
picture is always `WIDTH` x `HEIGHT`, so every member's chart looks alike; with many sessions
only every few x labels are shown, so that none overlap.

As in `bot.ui.charts` (whose colours and text helpers this reuses), the picture is drawn at
twice its size and scaled down, which smooths the lines, the dots and the text; text comes from
Pillow's bundled scalable font (Pillow >= 10.1 with FreeType). Where that font is missing the
bitmap default font is used at 1x, with "..." in place of "…".
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw

from bot.ui.drawing import (
    BACKGROUND,
    MUTED,
    TEXT,
    TRACK,
    Font,
    draw_text,
    fit,
    printable,
    scaled_fonts,
)

__all__ = ["trend_chart"]

LOWEST = 1.0
HIGHEST = 4.0
SCORE_WORDS = {1: "needs work", 2: "developing", 3: "solid", 4: "strong"}

# Colour-blind-friendly (after Okabe & Ito), bright enough for the dark background. Items past
# the last colour reuse the palette from the start.
PALETTE = (
    (0x58, 0x65, 0xF2),  # blurple
    (0xE6, 0x9F, 0x00),  # orange
    (0x1A, 0xB3, 0x8A),  # bluish green
    (0xCC, 0x79, 0xA7),  # reddish purple
    (0xF0, 0xE4, 0x42),  # yellow
    (0x56, 0xB4, 0xE9),  # sky blue
    (0xD5, 0x5E, 0x00),  # vermilion
)

# Layout, in output pixels.
WIDTH = 640
HEIGHT = 320
PAD_X = 16
PAD_Y = 14
TITLE_SIZE = 15
TITLE_GAP = 12
TEXT_SIZE = 12
LABEL_SIZE = 11
TOP_ROOM = 8  # above the "4" gridline, so its dots are not cut by the title
Y_LABEL_WIDTH = 86
X_LABEL_ROW = 22
X_LABEL_MAX_WIDTH = 60
X_LABEL_GAP = 10
LEGEND_WIDTH = 156
LEGEND_GAP = 18
LEGEND_ROW = 22
SWATCH = 16
SWATCH_GAP = 7
VALUE_GAP = 8
INSET_X = 14  # between the plot's edges and the first and last sessions
LINE_WIDTH = 2.5
DOT_RADIUS = 4
DASH = 5
DASH_GAP = 4

PLOT_LEFT = PAD_X + Y_LABEL_WIDTH
PLOT_RIGHT = WIDTH - PAD_X - LEGEND_WIDTH - LEGEND_GAP
PLOT_BOTTOM = HEIGHT - PAD_Y - X_LABEL_ROW
LEGEND_LEFT = PLOT_RIGHT + LEGEND_GAP


@dataclass(frozen=True)
class _Fonts:
    title: Font
    text: Font
    label: Font
    scale: int
    ellipsis: str


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    (title, text, label), scale = scaled_fonts(TITLE_SIZE, TEXT_SIZE, LABEL_SIZE)
    return _Fonts(title, text, label, scale, ellipsis="…" if scale > 1 else "...")


def _plot_box(titled: bool) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the plot in output pixels: the "4" gridline runs along the
    top, the "1" gridline along the bottom."""
    top = PAD_Y + TOP_ROOM + (TITLE_SIZE + TITLE_GAP if titled else 0)
    return PLOT_LEFT, top, PLOT_RIGHT, PLOT_BOTTOM


def _session_x(index: int, count: int) -> float:
    """Where session `index` of `count` is drawn across, in output pixels."""
    left, _, right, _ = _plot_box(False)
    if count == 1:
        return (left + right) / 2
    first, last = left + INSET_X, right - INSET_X
    return first + (last - first) * index / (count - 1)


def _score_y(score: float, titled: bool) -> float:
    """Where a score from 1 to 4 is drawn up and down, in output pixels."""
    _, top, _, bottom = _plot_box(titled)
    return bottom - (score - LOWEST) / (HIGHEST - LOWEST) * (bottom - top)


def trend_chart(
    items: Sequence[tuple[str, Sequence[float]]],
    labels: Sequence[str],
    *,
    title: str | None = None,
) -> bytes:
    """A PNG line chart of a member's feedback scores, one line per rubric item.

    `labels[i]` names session i (oldest first); each item is (name, scores) with one score per
    session, a number from 1 to 4 or NaN where the item was not scored that session. The legend
    shows each item's latest score (its last one that is not NaN). Raises ValueError for no
    labels, no items, a series of the wrong length or a score outside 1-4.
    """
    if not labels:
        raise ValueError("a trend chart needs at least one session")
    if not items:
        raise ValueError("a trend chart needs at least one rubric item")
    series: list[tuple[str, list[float]]] = []
    for name, values in items:
        if len(values) != len(labels):
            raise ValueError(f"{name!r} has {len(values)} scores for {len(labels)} sessions")
        scores = [float(value) for value in values]
        for score in scores:
            if not math.isnan(score) and not LOWEST <= score <= HIGHEST:
                raise ValueError(f"{name!r} has a score outside 1-4: {score}")
        series.append((name, scores))

    fonts = _fonts()
    s = fonts.scale
    image = Image.new("RGB", (WIDTH * s, HEIGHT * s), BACKGROUND)
    draw = ImageDraw.Draw(image)

    title = printable(" ".join(title.split()), fonts.title) if title else None
    if title:
        text = fit(draw, title, fonts.title, (WIDTH - 2 * PAD_X) * s, fonts.ellipsis)
        draw_text(draw, (PAD_X * s, (PAD_Y + TITLE_SIZE // 2) * s), text, fonts.title, TEXT)

    titled = bool(title)
    left, top, right, bottom = (edge * s for edge in _plot_box(titled))

    def y_of(score: float) -> float:
        return _score_y(score, titled) * s

    count = len(labels)
    xs = [_session_x(index, count) * s for index in range(count)]

    _y_axis(draw, fonts, left, right, y_of)
    _x_labels(draw, fonts, labels, xs, bottom)

    colours = [PALETTE[index % len(PALETTE)] for index in range(len(series))]
    for (_, scores), colour in zip(series, colours, strict=True):
        _line(
            draw,
            xs,
            [y_of(score) if not math.isnan(score) else None for score in scores],
            colour,
            s,
        )
    radius = DOT_RADIUS * s
    for (_, scores), colour in zip(series, colours, strict=True):
        for x, score in zip(xs, scores, strict=True):
            if not math.isnan(score):
                y = y_of(score)
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)

    _legend(draw, fonts, series, colours, top, bottom)

    if s != 1:
        image = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _y_axis(
    draw: ImageDraw.ImageDraw,
    fonts: _Fonts,
    left: int,
    right: int,
    y_of: Callable[[float], float],
) -> None:
    """Gridlines at 1, 2, 3 and 4 across the plot, each labelled like "3 solid" on the left."""
    s = fonts.scale
    draw.line((left, y_of(HIGHEST), left, y_of(LOWEST)), fill=TRACK, width=s)
    room = (Y_LABEL_WIDTH - X_LABEL_GAP) * s
    for score, word in SCORE_WORDS.items():
        y = round(y_of(score))
        draw.line((left, y, right, y), fill=TRACK, width=s)
        number = f"{score} "
        x = PAD_X * s
        draw_text(draw, (x, y), number, fonts.text, TEXT)
        x += draw.textlength(number, font=fonts.text)
        word = fit(
            draw, printable(word, fonts.text), fonts.text, room - (x - PAD_X * s), fonts.ellipsis
        )
        draw_text(draw, (x, y), word, fonts.text, MUTED)


def _x_labels(
    draw: ImageDraw.ImageDraw,
    fonts: _Fonts,
    labels: Sequence[str],
    xs: Sequence[float],
    bottom: int,
) -> None:
    """Session labels centred under their points; with too little room for all of them, every
    few, counted back from the latest session (which is always labelled)."""
    s = fonts.scale
    texts = [
        fit(
            draw,
            printable(" ".join(str(label).split()), fonts.label),
            fonts.label,
            X_LABEL_MAX_WIDTH * s,
            fonts.ellipsis,
        )
        for label in labels
    ]
    widths = [draw.textlength(text, font=fonts.label) for text in texts]
    step = 1
    if len(xs) > 1:
        spacing = xs[1] - xs[0]
        step = max(1, math.ceil((max(widths) + X_LABEL_GAP * s) / spacing))
    y = bottom + X_LABEL_ROW * s // 2
    for index in range(len(texts) - 1, -1, -step):
        x = xs[index] - widths[index] / 2
        x = min(max(x, PAD_X * s), WIDTH * s - PAD_X * s - widths[index])
        draw_text(draw, (x, y), texts[index], fonts.label, MUTED)


def _line(
    draw: ImageDraw.ImageDraw,
    xs: Sequence[float],
    ys: Sequence[float | None],
    colour: tuple[int, int, int],
    s: int,
) -> None:
    """Solid segments between scores of consecutive sessions, dashed ones across sessions that
    have no score."""
    width = round(LINE_WIDTH * s)
    points = [
        (index, x, y) for index, (x, y) in enumerate(zip(xs, ys, strict=True)) if y is not None
    ]
    for (a, ax, ay), (b, bx, by) in itertools.pairwise(points):
        if b == a + 1:
            draw.line((ax, ay, bx, by), fill=colour, width=width)
            r = width / 2  # round the joints
            draw.ellipse((bx - r, by - r, bx + r, by + r), fill=colour)
        else:
            _dashed(
                draw, (ax, ay), (bx, by), colour, max(1, width * 2 // 3), DASH * s, DASH_GAP * s
            )


def _dashed(
    draw: ImageDraw.ImageDraw,
    p: tuple[float, float],
    q: tuple[float, float],
    colour: tuple[int, int, int],
    width: int,
    dash: int,
    gap: int,
) -> None:
    length = math.dist(p, q)
    if length == 0:
        return
    dx, dy = (q[0] - p[0]) / length, (q[1] - p[1]) / length
    start = 0.0
    while start < length:
        end = min(start + dash, length)
        draw.line(
            ((p[0] + dx * start, p[1] + dy * start), (p[0] + dx * end, p[1] + dy * end)),
            fill=colour,
            width=width,
        )
        start = end + gap


def _legend(
    draw: ImageDraw.ImageDraw,
    fonts: _Fonts,
    series: Sequence[tuple[str, Sequence[float]]],
    colours: Sequence[tuple[int, int, int]],
    top: int,
    bottom: int,
) -> None:
    """One row per item, from the plot's top: a line-and-dot swatch in the item's colour, its
    name, and its latest score at the right edge. Rows that do not fit end in "+N more"."""
    s = fonts.scale
    row = LEGEND_ROW * s
    fits = max(1, (bottom - top) // row + 1)
    shown = len(series) if len(series) <= fits else fits - 1
    x = LEGEND_LEFT * s
    edge = (WIDTH - PAD_X) * s
    y = top
    radius = DOT_RADIUS * s
    for (name, scores), colour in zip(series[:shown], colours, strict=False):
        draw.line((x, y, x + SWATCH * s, y), fill=colour, width=round(LINE_WIDTH * s))
        middle = x + SWATCH * s / 2
        draw.ellipse((middle - radius, y - radius, middle + radius, y + radius), fill=colour)
        latest = next((score for score in reversed(scores) if not math.isnan(score)), None)
        value = printable(f"{latest:.1f}" if latest is not None else "–", fonts.text)
        value_width = draw.textlength(value, font=fonts.text)
        draw_text(draw, (edge - value_width, y), value, fonts.text, TEXT)
        name_x = x + (SWATCH + SWATCH_GAP) * s
        room = edge - value_width - VALUE_GAP * s - name_x
        name = fit(
            draw,
            printable(" ".join(str(name).split()), fonts.text),
            fonts.text,
            room,
            fonts.ellipsis,
        )
        draw_text(draw, (name_x, y), name, fonts.text, TEXT)
        y += row
    if shown < len(series):
        draw_text(draw, (x, y), f"+{len(series) - shown} more", fonts.text, MUTED)
