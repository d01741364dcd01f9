"""Drawing text in the bot's pictures (the answer chart, the podium): Discord's dark colours,
and text that never fails: characters the font lacks become look-alikes or "?", and text too
wide for its place is cut with an ellipsis."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from PIL import ImageDraw, ImageFont

BACKGROUND = (0x2B, 0x2D, 0x31)
TRACK = (0x38, 0x3A, 0x40)
TEXT = (0xF2, 0xF3, 0xF5)
MUTED = (0xB5, 0xBA, 0xC1)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

SUBSTITUTES = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2022": "·",
    "\u00d7": "x",
    "\u2192": "->",
    "\u2190": "<-",
    "\u21d2": "=>",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
}


def scaled_fonts(*sizes: int) -> tuple[list[Font], int]:
    """Pillow's bundled scalable font at each of `sizes`, for a picture drawn at twice its size
    and scaled down (smooth edges), with that scale (2). Where that font is missing (Pillow
    older than 10.1, or no FreeType) the fixed-size bitmap font for each, drawn at 1x (1):
    ASCII only, so callers use "..." for "…" then."""
    try:
        return [ImageFont.load_default(size=size * 2) for size in sizes], 2
    except (TypeError, ValueError, OSError, ImportError, AttributeError):
        bitmap = ImageFont.load_default()
        return [bitmap for _ in sizes], 1


def printable(text: str, font: Font) -> str:
    """`text` with characters the font cannot draw swapped for look-alikes, or "?"."""
    text = str(text)
    if all(has_glyph(font, char) for char in text):
        return text
    out = []
    for char in text:
        if has_glyph(font, char):
            out.append(char)
            continue
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if plain and plain != char and all(has_glyph(font, c) for c in plain):
            out.append(plain)
        elif char in SUBSTITUTES and all(has_glyph(font, c) for c in SUBSTITUTES[char]):
            out.append(SUBSTITUTES[char])
        elif char.isspace():
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)


@lru_cache(maxsize=4096)
def has_glyph(font: Font, char: str) -> bool:
    if char == " ":
        return True
    try:
        mask = font.getmask(char)
    except (UnicodeEncodeError, ValueError, OSError):
        return False
    return (bytes(mask), mask.size) != _missing_glyph(font)


@lru_cache(maxsize=8)
def _missing_glyph(font: Font) -> tuple[bytes, tuple[int, int]] | None:
    """What the font draws for a character it lacks (None if it refuses instead)."""
    try:
        mask = font.getmask("\uffff")
    except (UnicodeEncodeError, ValueError, OSError):
        return None
    return bytes(mask), mask.size


def fit(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float, ellipsis: str) -> str:
    """`text`, cut and ended with an ellipsis if it is wider than `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + ellipsis, font=font) > width:
        text = text[:-1]
    return text.rstrip() + ellipsis


def draw_text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    font: Font,
    fill: tuple[int, int, int],
) -> None:
    """Draw `text` starting at x, with its capital letters centred on y."""
    _, cap_top, _, cap_bottom = font.getbbox("H")
    x, y = xy
    draw.text((x, y - (cap_top + cap_bottom) / 2), text, font=font, fill=fill)
