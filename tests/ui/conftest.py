"""Shared by the picture tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import ImageFont

from bot.ui import charts, heatmap, podium


@pytest.fixture
def bitmap_font_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pillow without a scalable default font (older than 10.1, or built without FreeType)."""
    bitmap = getattr(ImageFont, "load_default_imagefont", ImageFont.load_default)

    def load_default(size: float | None = None) -> ImageFont.ImageFont:
        if size is not None:
            raise TypeError("load_default() got an unexpected keyword argument 'size'")
        return bitmap()

    monkeypatch.setattr(ImageFont, "load_default", load_default)
    caches = (charts._fonts, heatmap._fonts, podium._fonts)
    for fonts in caches:
        fonts.cache_clear()
    yield
    for fonts in caches:
        fonts.cache_clear()
