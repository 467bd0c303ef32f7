"""Keys as people read them: the footer of each screen, key names in the shop's language,
and the texts Textual itself shows (translated like ours).

At 80 columns a footer holds about six keys in German. So each screen shows its own main
keys, F1 and, at the right, the command palette; the app's other keys (F2–F9, ctrl+o) stay
active everywhere but are shown only where they belong (the search screen lists them on a
line of their own), in F1's help and in the palette. `tests/ui/test_textual_texts.py` checks that
every footer fits whole at 80 columns in both languages.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from textual.binding import ActiveBinding, Binding, BindingsMap, BindingType

from olga_loyalty.ui.i18n import TEXTUAL_LABELS, textual_text, translator

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from olga_loyalty.i18n import Translator

__all__ = [
    "TEXTUAL_LABELS",
    "AppKeys",
    "app_bindings",
    "class_bindings",
    "footer_bindings",
    "key_label",
]


class AppKeys:
    """The app's keys, active on every screen (LoyaltyApp's `BINDINGS`; F1's help lists them
    from here). The descriptions are the English originals: they are translated where
    they are shown."""

    BINDINGS: list[BindingType] = [
        Binding("f1", "help", "Help", priority=True),  # in dialogs too
        Binding("ctrl+n", "register", "New customer", priority=True),
        Binding("f9", "settings", "Settings"),
        Binding("f7", "export", "Export"),
        Binding("f8", "import", "Import"),
        Binding("f6", "reports", "Reports"),
        Binding("f3", "follow_ups", "Follow-ups"),
        Binding("f2", "reminders", "Reminders", show=False),
        Binding("ctrl+o", "open_folder", "Open the folder", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]


def class_bindings(cls: type) -> dict[str, list[Binding]]:
    """A class's keys as Textual merges them from the `BINDINGS` of its classes (a subclass's
    key replaces its bases'), from the public class attributes."""
    keys: dict[str, list[Binding]] = {}
    for klass in reversed(cls.__mro__):
        if "BINDINGS" in vars(klass):
            for key, bindings in BindingsMap(vars(klass)["BINDINGS"]).key_to_bindings.items():
                keys[key] = bindings
    return keys


#: Key names as printed on a keyboard, per language (the rest: Textual's own display).
KEY_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "delete": "Del",
    "tab": "Tab",
    "space": "Space",
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "plus": "+",
    "minus": "-",
}


def key_label(key: str, t: Translator, *, short: bool = False) -> str:
    """`ctrl+n` → `^n` (short, the footer) or `Strg+N` / `Ctrl+N` (the help); `f1` → `F1`;
    `escape` → `Esc`; `delete` → `Entf` in German."""
    *modifiers, name = key.split("+")
    if len(name) > 1 and name[0] == "f" and name[1:].isdigit():
        shown = name.upper()
    elif name in KEY_NAMES:
        shown = t(KEY_NAMES[name])
    else:
        shown = name if short else name.upper()
    if short and modifiers == ["ctrl"]:
        return "^" + shown
    words = [t("Ctrl") if m == "ctrl" else t(m.title()) for m in modifiers]
    return "+".join([*words, shown])


def app_bindings(app: App[Any]) -> dict[str, list[Binding]]:
    """The app's keys: its class's, and the command palette's, which Textual adds to them
    when the app starts (as `App.__init__` makes it)."""
    keys = class_bindings(type(app))
    if app.ENABLE_COMMAND_PALETTE and not any(
        b.action in {"command_palette", "app.command_palette"} for bs in keys.values() for b in bs
    ):
        words = "palette"  # Textual's own description, translated by TEXTUAL_LABELS
        palette = Binding(
            app.COMMAND_PALETTE_BINDING,
            "command_palette",
            words,
            show=False,
            key_display=app.COMMAND_PALETTE_DISPLAY,
            priority=True,
            tooltip="Open the command palette",
        )
        keys.setdefault(palette.key, []).append(palette)
    return keys


def footer_bindings(
    screen: Screen[Any], active: dict[str, ActiveBinding]
) -> dict[str, ActiveBinding]:
    """The screen's active bindings as its footer shows them: every description and tooltip
    in the shop's language (Textual's own too), the app's keys only where the screen wants
    them (`FOOTER_APP_KEYS`), the command palette always."""
    app = screen.app
    t = translator()
    wanted = set(getattr(screen, "FOOTER_APP_KEYS", ("f1",)))
    active = dict(active)
    # A dialog's bindings end at the dialog (Textual): its footer shows F1 and the palette
    # too, which work there as priority keys.
    for key, bindings in app_bindings(app).items():
        palette = any(b.action == "command_palette" for b in bindings)
        if key not in active and (key in wanted or palette):
            active[key] = ActiveBinding(app, bindings[0], True, bindings[0].tooltip)
    shown: dict[str, ActiveBinding] = {}
    for key, (node, binding, enabled, tooltip) in active.items():
        show = binding.show
        if node is app and binding.action != "command_palette" and key not in wanted:
            show = False
        shown[key] = ActiveBinding(
            node,
            dataclasses.replace(
                binding,
                description=textual_text(t, binding.description),
                tooltip=textual_text(t, binding.tooltip),
                show=show,
                group=binding.group
                and dataclasses.replace(
                    binding.group, description=textual_text(t, binding.group.description)
                ),
            ),
            enabled,
            textual_text(t, tooltip),
        )
    return shown
