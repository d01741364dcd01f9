"""The podium picture posted when a quiz round ends.

`podium_image` draws the round's top three as blocks on Discord's dark embed background: first
place in the centre, tallest and gold; second on the left in silver; third on the right in bronze.
Each block carries its rank, with the member's name, points and correct answers above it. Places
nobody took are dim empty blocks, so the picture keeps its size and shape for 0 to 3 entries.

As in `bot.ui.charts` (whose colours and text helpers this reuses), the picture is drawn at twice
its size and scaled down, which smooths the rounded blocks and the text; text comes from Pillow's
bundled scalable font (Pillow >= 10.1 with FreeType). Where that font is missing the bitmap
default font is used at 1x, with "..." in place of "…". Names may be any string: control and
format characters are dropped, and characters the font has no glyph for (emoji, most scripts)
become look-alikes or "?", so no name can make drawing fail.
"""

from __future__ import annotations

import io
import unicodedata
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
    has_glyph,
    printable,
    scaled_fonts,
)

__all__ = ["PodiumEntry", "podium_image"]

WIDTH = 600
HEIGHT = 246
MAX_NAME_CHARS = 40
MAX_TITLE_CHARS = 80

GOLD = (0xE3, 0xB3, 0x41)
SILVER = (0x9C, 0xA9, 0xB8)  # bluer than any grey text, so text never passes for a silver block
BRONZE = (0xB8, 0x73, 0x3D)
EMPTY = TRACK
RANK_TEXT = BACKGROUND

# Layout, in output pixels. Places are in podium order: 1st, 2nd, 3rd.
PAD_Y = 18
TITLE_SIZE = 17
TITLE_GAP = 14
NAME_SIZE = 15
TEXT_SIZE = 13
RANK_SIZE = 32
ROWS = (20, 18, 18)  # name, points, "n/m correct"
LABEL_GAP = 8
BLOCK_WIDTH = 160
BLOCK_GAP = 12
RADIUS = 6
BLOCK_HEIGHTS = (112, 82, 60)
COLOURS = (GOLD, SILVER, BRONZE)
SLOTS = (1, 0, 2)  # left-to-right slot of each place: 2nd, 1st, 3rd
PODIUM_LEFT = (WIDTH - 3 * BLOCK_WIDTH - 2 * BLOCK_GAP) // 2

# Characters that never draw as anything: controls, format marks (ZWJ, bidi), surrogates,
# private-use and unassigned code points.
DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


@dataclass(frozen=True)
class PodiumEntry:
    """One member on the podium: their rank (ties repeat it), display name and round score."""

    rank: int
    name: str
    points: int
    correct: int
    answered: int


@dataclass(frozen=True)
class _Fonts:
    title: Font
    name: Font
    text: Font
    rank: Font
    scale: int
    ellipsis: str


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    (title, name, text, rank), scale = scaled_fonts(TITLE_SIZE, NAME_SIZE, TEXT_SIZE, RANK_SIZE)
    return _Fonts(title, name, text, rank, scale, ellipsis="…" if scale > 1 else "...")


def podium_image(entries: list[PodiumEntry], title: str = "Quiz podium") -> bytes:
    """A PNG podium of a quiz round's top three, always WIDTH x HEIGHT pixels.

    Entries are placed in list order: the first in the centre (gold), the second on the left
    (silver), the third on the right (bronze); any beyond three are left out. Each block prints
    its entry's own `rank`, so ties show as given. Places without an entry are dim empty blocks;
    with no entries the podium says "No one scored". Never raises for any name or title.
    """
    fonts = _fonts()
    s = fonts.scale
    image = Image.new("RGB", (WIDTH * s, HEIGHT * s), BACKGROUND)
    draw = ImageDraw.Draw(image)

    shown = _clean(title, fonts.title, fonts.ellipsis, MAX_TITLE_CHARS)
    shown = fit(draw, shown, fonts.title, (WIDTH - 2 * PODIUM_LEFT) * s, fonts.ellipsis)
    _centred(draw, WIDTH * s / 2, (PAD_Y + TITLE_SIZE / 2) * s, shown, fonts.title, TEXT)

    base = (HEIGHT - PAD_Y) * s
    for place, (height, colour) in enumerate(zip(BLOCK_HEIGHTS, COLOURS, strict=True)):
        entry = entries[place] if place < len(entries) else None
        left = (PODIUM_LEFT + SLOTS[place] * (BLOCK_WIDTH + BLOCK_GAP)) * s
        top = base - height * s
        cx = left + BLOCK_WIDTH * s / 2
        box = (left, top, left + BLOCK_WIDTH * s - 1, base - 1)
        fill = colour if entry is not None else EMPTY
        draw.rounded_rectangle(box, RADIUS * s, fill=fill, corners=(True, True, False, False))
        if entry is None:
            continue

        rank = fit(draw, str(entry.rank), fonts.rank, (BLOCK_WIDTH - 12) * s, fonts.ellipsis)
        _centred(draw, cx, top + min(height, 76) * s / 2, rank, fonts.rank, RANK_TEXT)
        name = _clean(entry.name, fonts.name, fonts.ellipsis, MAX_NAME_CHARS) or "?"
        points = f"{entry.points:,} {'pt' if entry.points == 1 else 'pts'}"
        lines = (
            (name, fonts.name, TEXT),
            (points, fonts.text, TEXT),
            (f"{entry.correct}/{entry.answered} correct", fonts.text, MUTED),
        )
        y = top - (LABEL_GAP + sum(ROWS)) * s
        for row, (text, font, fill) in zip(ROWS, lines, strict=True):
            text = fit(draw, printable(text, font), font, (BLOCK_WIDTH - 4) * s, fonts.ellipsis)
            _centred(draw, cx, y + row * s / 2, text, font, fill)
            y += row * s

    if not entries:
        cy = base - (BLOCK_HEIGHTS[0] + LABEL_GAP + sum(ROWS) / 2) * s
        _centred(draw, WIDTH * s / 2, cy, "No one scored", fonts.name, MUTED)

    if s != 1:
        image = image.reduce(s)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _clean(text: str, font: Font, ellipsis: str, limit: int) -> str:
    """`text` on one line, with no undrawable characters, cut to `limit` characters."""
    text = unicodedata.normalize("NFC", str(text)[: limit * 4])
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category in DROPPED or (category in ("Mn", "Me") and not has_glyph(font, char)):
            continue
        else:
            kept.append(char)
    text = " ".join("".join(kept).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + ellipsis
    return printable(text, font)


def _centred(
    draw: ImageDraw.ImageDraw,
    cx: float,
    cy: float,
    text: str,
    font: Font,
    fill: tuple[int, int, int],
) -> None:
    """Draw `text` centred on x, with its capital letters centred on y."""
    if text:
        draw_text(draw, (cx - draw.textlength(text, font=font) / 2, cy), text, font, fill)
