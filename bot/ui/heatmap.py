"""The streak heatmap: a member's last weeks of activity as a GitHub-style grid of days.

`heatmap_image` draws one column per week (Monday on top, Sunday at the bottom) on Discord's dark
embed background, the last column holding the member's local today. Active days are green in four
shades by how much was done, days bridged by a streak freeze are icy blue with a drawn snowflake
(a shape, so it never depends on the font having a glyph), and today is outlined. Month and
weekday labels, a title and a "Less ... More / Frozen" legend frame the grid. The picture's size
depends only on `weeks`, never on the data, so every member's heatmap looks alike.

As in `bot.ui.charts` and `bot.ui.podium` (whose colours and text helpers this reuses), the
picture is drawn at twice its size and scaled down, which smooths the rounded cells, the
snowflakes and the text; text comes from Pillow's bundled scalable font (Pillow >= 10.1 with
FreeType). Where that font is missing the bitmap default font is used at 1x, with "..." in place
of "…". The title may be any string: characters the font lacks become look-alikes or "?".
"""

from __future__ import annotations

import io
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
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

__all__ = ["heatmap_image"]

MAX_TITLE_CHARS = 80
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = {0: "Mon", 2: "Wed", 4: "Fri"}

EMPTY = TRACK
GREENS = ((0x0E, 0x44, 0x29), (0x00, 0x6D, 0x32), (0x26, 0xA6, 0x41), (0x39, 0xD3, 0x53))
FROZEN = (0x5B, 0xB8, 0xE8)
SNOW = (0xFF, 0xFF, 0xFF)
TODAY_OUTLINE = TEXT

# Layout, in output pixels.
PAD_X = 16
PAD_Y = 14
TITLE_SIZE = 15
TITLE_GAP = 10
LABEL_SIZE = 11
MONTH_ROW = 16
DAY_LABEL_WIDTH = 30
CELL = 12
GAP = 3
PITCH = CELL + GAP
RADIUS = 2
LEGEND_GAP = 12
LEGEND_TEXT_GAP = 5
LEGEND_GROUP_GAP = 16
MIN_WIDTH = 320
LEFT = PAD_X + DAY_LABEL_WIDTH
TOP = PAD_Y + TITLE_SIZE + TITLE_GAP + MONTH_ROW
GRID_HEIGHT = 7 * PITCH - GAP
HEIGHT = TOP + GRID_HEIGHT + LEGEND_GAP + CELL + PAD_Y


def image_size(weeks: int) -> tuple[int, int]:
    """(width, height) of a heatmap of `weeks` weeks, in output pixels."""
    return max(MIN_WIDTH, LEFT + weeks * PITCH - GAP + PAD_X), HEIGHT


def cell_box(week: int, weekday: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of a day's cell in output pixels, right and bottom exclusive.
    `week` counts columns from the left (0 is the oldest week), `weekday` rows from Monday (0)."""
    left, top = LEFT + week * PITCH, TOP + weekday * PITCH
    return left, top, left + CELL, top + CELL


@dataclass(frozen=True)
class _Fonts:
    title: Font
    label: Font
    scale: int
    ellipsis: str


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    (title, label), scale = scaled_fonts(TITLE_SIZE, LABEL_SIZE)
    return _Fonts(title, label, scale, ellipsis="…" if scale > 1 else "...")


def heatmap_image(
    active: Mapping[date, int],
    frozen: Collection[date],
    today: date,
    *,
    title: str = "Last 26 weeks",
    weeks: int = 26,
) -> bytes:
    """A PNG heatmap of the `weeks` weeks ending with the week that holds `today`.

    `active` maps local dates to how many activities the member did (counts <= 0 are inactive;
    1, 2, 3 and 4+ are the four greens); `frozen` holds the days a streak freeze bridged. A day
    both active and frozen shows as active. Dates outside the grid and days after `today` are
    not drawn. Always `image_size(weeks)`; raises ValueError only if `weeks` < 1.
    """
    if weeks < 1:
        raise ValueError(f"a heatmap needs at least one week, not {weeks}")
    fonts = _fonts()
    s = fonts.scale
    width, height = image_size(weeks)
    image = Image.new("RGB", (width * s, height * s), BACKGROUND)
    draw = ImageDraw.Draw(image)

    shown = " ".join(str(title)[: MAX_TITLE_CHARS * 4].split())[:MAX_TITLE_CHARS]
    shown = printable(shown, fonts.title)
    shown = fit(draw, shown, fonts.title, (width - 2 * PAD_X) * s, fonts.ellipsis)
    draw_text(draw, (PAD_X * s, (PAD_Y + TITLE_SIZE / 2) * s), shown, fonts.title, TEXT)
    for row, name in WEEKDAYS.items():
        draw_text(draw, (PAD_X * s, (TOP + row * PITCH + CELL / 2) * s), name, fonts.label, MUTED)

    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    month_y = (TOP - MONTH_ROW / 2) * s
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        week, weekday = divmod(offset, 7)
        left, top, right, bottom = (v * s for v in cell_box(week, weekday))
        count = active.get(day, 0)
        fill = GREENS[min(count, 4) - 1] if count > 0 else FROZEN if day in frozen else EMPTY
        outline = TODAY_OUTLINE if day == today else None
        draw.rounded_rectangle(
            (left, top, right - 1, bottom - 1), RADIUS * s, fill=fill, outline=outline, width=s
        )
        if fill == FROZEN:
            _snowflake(draw, (left + right) / 2, (top + bottom) / 2, CELL * s * 0.3, s)
        # A month's name goes over the column holding its 1st, and over the first column when
        # its month began before the grid and the next name is at least 3 columns away.
        if day.day == 1 or (offset == 0 and (_next_month(day) - day).days >= 3 * 7):
            draw_text(draw, (left, month_y), MONTHS[day.month - 1], fonts.label, MUTED)

    _legend(draw, fonts, width * s, (TOP + GRID_HEIGHT + LEGEND_GAP + CELL / 2) * s)

    if s != 1:
        image = image.reduce(s)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _legend(draw: ImageDraw.ImageDraw, fonts: _Fonts, width: int, cy: float) -> None:
    """The key under the grid, right-aligned: Less, the five shades, More, then Frozen."""
    s, font = fonts.scale, fonts.label
    gap, size = LEGEND_TEXT_GAP * s, CELL * s
    items: list[str | tuple[int, int, int] | None] = ["Less", EMPTY, *GREENS, "More", None]
    items += [FROZEN, "Frozen"]
    widths: list[float] = []
    for item in items:
        if item is None:  # between the shades and the frozen swatch
            widths.append(LEGEND_GROUP_GAP * s - gap)
        else:
            widths.append(draw.textlength(item, font=font) if isinstance(item, str) else size)
    x = width - PAD_X * s - sum(widths) - gap * (len(items) - 1)
    top = round(cy - size / 2)
    for item, item_width in zip(items, widths, strict=True):
        if isinstance(item, str):
            draw_text(draw, (x, cy), item, font, MUTED)
        elif item is not None:
            draw.rounded_rectangle((x, top, x + size - 1, top + size - 1), RADIUS * s, fill=item)
            if item == FROZEN:
                _snowflake(draw, x + size / 2, top + size / 2, size * 0.3, s)
        x += item_width + gap


def _next_month(day: date) -> date:
    """The 1st of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _snowflake(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, width: int) -> None:
    """Three white strokes crossing at (cx, cy), `r` from the centre to each tip."""
    for angle in (90, 30, -30):
        dx, dy = r * math.cos(math.radians(angle)), r * math.sin(math.radians(angle))
        draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=SNOW, width=width)
