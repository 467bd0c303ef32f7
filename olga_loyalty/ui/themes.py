"""The looks a shop can choose (settings `theme`; the palette's "Theme"): Textual's themes."""

from __future__ import annotations

THEMES = {"dark": "textual-dark", "light": "textual-light"}
THEME_LABELS = {"dark": "Dark", "light": "Light (for a bright shop)"}
