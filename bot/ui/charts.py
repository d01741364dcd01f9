"""The answer-distribution chart posted with a daily question's reveal.

`answer_chart` draws one horizontal bar per option, sized by its share of all answers, on
Discord's dark embed background. Correct options get a green bar and a drawn check mark (a
shape, so it never depends on the font having a glyph for it).

The picture is drawn at twice its size and scaled down, which smooths the rounded bars and the
check mark; text comes from Pillow's bundled scalable font (Pillow >= 10.1 with FreeType). Where
that font is missing the bitmap default font is used at 1x, with ASCII in place of "·" and "…".
"""

from __future__ import annotations

import io
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

__all__ = ["answer_chart"]

WIDTH = 600
MAX_LABEL_CHARS = 28

CORRECT = (0x23, 0xA5, 0x5A)
OTHER = (0x5D, 0x6B, 0x8C)

# Layout, in output pixels.
PAD_X = 20
PAD_Y = 18
TITLE_SIZE = 17
TITLE_GAP = 14
TEXT_SIZE = 15
NOTE_SIZE = 13
ROW_HEIGHT = 34
BAR_HEIGHT = 22
MARK_SIZE = 16
MARK_GAP = 8
LABEL_GAP = 12
LABEL_MAX_WIDTH = 210
VALUE_GAP = 8
NOTE_GAP = 8


# Stand-ins for characters the bundled font has no glyph for (it covers ASCII and a few more).


@dataclass(frozen=True)
class _Fonts:
    title: Font
    text: Font
    note: Font
    scale: int
    dot: str
    ellipsis: str


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    (title, text, note), scale = scaled_fonts(TITLE_SIZE, TEXT_SIZE, NOTE_SIZE)
    smooth = scale > 1
    return _Fonts(
        title, text, note, scale, dot="·" if smooth else "-", ellipsis="…" if smooth else "..."
    )


def answer_chart(
    labels: list[str], counts: list[int], correct: set[int], *, title: str | None = None
) -> bytes:
    """A PNG bar chart of how many members chose each option.

    `labels[i]` and `counts[i]` describe option i; `correct` holds the indexes of the correct
    options. Bars show each option's share of all answers, with "count · percent" at the end.
    Raises ValueError for mismatched lengths, no options, negative counts or an unknown index
    in `correct`.
    """
    if len(labels) != len(counts):
        raise ValueError(f"{len(labels)} labels but {len(counts)} counts")
    if not labels:
        raise ValueError("a chart needs at least one option")
    if any(count < 0 for count in counts):
        raise ValueError(f"counts must not be negative: {counts}")
    if any(not 0 <= index < len(labels) for index in correct):
        raise ValueError(f"correct indexes {sorted(correct)} outside 0..{len(labels) - 1}")

    fonts = _fonts()
    s = fonts.scale
    total = sum(counts)
    title = printable(" ".join(title.split()), fonts.title) if title else None

    height = PAD_Y * 2 + ROW_HEIGHT * len(labels)
    if title:
        height += TITLE_SIZE + TITLE_GAP
    if total == 0:
        height += NOTE_GAP + NOTE_SIZE + 4

    image = Image.new("RGB", (WIDTH * s, height * s), BACKGROUND)
    draw = ImageDraw.Draw(image)

    y = PAD_Y * s
    content_right = (WIDTH - PAD_X) * s
    if title:
        text = fit(draw, title, fonts.title, content_right - PAD_X * s, fonts.ellipsis)
        draw_text(draw, (PAD_X * s, y + TITLE_SIZE * s // 2), text, fonts.title, TEXT)
        y += (TITLE_SIZE + TITLE_GAP) * s

    shown = [_shorten(printable(label, fonts.text), fonts.ellipsis) for label in labels]
    numbers = [str(count) for count in counts]
    shares = [f" {fonts.dot} {_percent_text(count, total)}" for count in counts]
    values = [number + share for number, share in zip(numbers, shares, strict=True)]

    mark_x = PAD_X * s
    label_x = mark_x + (MARK_SIZE + MARK_GAP) * s if correct else mark_x
    widest = max(draw.textlength(label, font=fonts.text) for label in shown)
    label_width = min(widest, LABEL_MAX_WIDTH * s)
    track_x = int(label_x + label_width) + LABEL_GAP * s
    value_width = max(draw.textlength(value, font=fonts.text) for value in values)
    bar_room = max(0, content_right - track_x - VALUE_GAP * s - int(value_width))
    radius = 5 * s
    bar_h = BAR_HEIGHT * s

    for index, (label, number, share) in enumerate(zip(shown, numbers, shares, strict=True)):
        count = counts[index]
        cy = y + ROW_HEIGHT * s // 2
        is_correct = index in correct
        if is_correct:
            _check_mark(draw, mark_x, cy, MARK_SIZE * s)
        label = fit(draw, label, fonts.text, label_width, fonts.ellipsis)
        draw_text(
            draw, (label_x, cy), label, fonts.text, TEXT if is_correct or not correct else MUTED
        )

        top, bottom = cy - bar_h // 2, cy - bar_h // 2 + bar_h
        draw.rounded_rectangle((track_x, top, content_right, bottom), radius, fill=TRACK)
        if count:
            fill = CORRECT if is_correct else OTHER
            right = track_x + max(round(bar_room * count / total), 2 * radius)
            draw.rounded_rectangle((track_x, top, right, bottom), radius, fill=fill)
        else:
            right = track_x
        value_x = right + VALUE_GAP * s
        draw_text(draw, (value_x, cy), number, fonts.text, TEXT)
        share_x = value_x + draw.textlength(number, font=fonts.text)
        draw_text(draw, (share_x, cy), share, fonts.text, MUTED)
        y += ROW_HEIGHT * s

    if total == 0:
        draw_text(
            draw, (track_x, y + (NOTE_GAP + NOTE_SIZE // 2) * s), "No answers", fonts.note, MUTED
        )

    if s != 1:
        image = image.reduce(s)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _percent_text(count: int, total: int) -> str:
    """Like "44%"; a share that rounds to 0 or 100 but is not exactly that shows "<1%"/">99%"."""
    percent = _percent(count, total)
    if percent == 0 and count:
        return "<1%"
    if percent == 100 and count != total:
        return ">99%"
    return f"{percent}%"


def _percent(count: int, total: int) -> int:
    """Rounded half up, so the same counts always print the same number."""
    return (200 * count + total) // (2 * total) if total else 0


def _shorten(label: str, ellipsis: str) -> str:
    label = " ".join(str(label).split())
    if len(label) <= MAX_LABEL_CHARS:
        return label
    return label[: MAX_LABEL_CHARS - 1].rstrip() + ellipsis


def _check_mark(draw: ImageDraw.ImageDraw, x: int, cy: int, size: int) -> None:
    """A green disc with a light tick in it, `size` across, its left edge at x."""
    top = cy - size // 2
    draw.ellipse((x, top, x + size, top + size), fill=CORRECT)
    points = [
        (x + size * 0.27, top + size * 0.52),
        (x + size * 0.43, top + size * 0.68),
        (x + size * 0.74, top + size * 0.35),
    ]
    width = max(2, round(size * 0.13))
    draw.line(points, fill=TEXT, width=width, joint="curve")
    for px, py in (points[0], points[-1]):
        r = width / 2
        draw.ellipse((px - r, py - r, px + r, py + r), fill=TEXT)
