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

from textual.binding import ActiveBinding

#: Texts of Textual's own that a person sees → our English wording of them, which the
#: catalogue translates like every message (`textual_text`). tests/ui/test_textual_texts.py
#: walks the German UI for Textual's English.
TEXTUAL_LABELS = {
    "palette": "Commands",  # the footer's ctrl+p (Textual's description is "palette")
    "Open the command palette": "Open the command palette",  # its tooltip
    "Search for commands…": "Search for commands…",  # the palette's placeholder
    "Search for themes…": "Search for themes…",
    "No matches found": "No matches found",
    "Dismiss menu": "Close the list",  # a Select's open list, in the footer
    "Quit the app and return to the command prompt.": "Quit",
    "Exit the command palette": "Close",
}

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


def textual_text(t, text: str) -> str:
    """One of Textual's own texts (or one of ours) in the shop's language."""
    return t(TEXTUAL_LABELS.get(text, text)) if text else ""


def key_label(key: str, t, *, short: bool = False) -> str:
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


def footer_bindings(screen, active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """The screen's active bindings as its footer shows them: every description and tooltip
    in the shop's language (Textual's own too), the app's keys only where the screen wants
    them (`FOOTER_APP_KEYS`), the command palette always."""
    app = screen.app
    t = app.t
    wanted = set(getattr(screen, "FOOTER_APP_KEYS", ("f1",)))
    active = dict(active)
    # A dialog's bindings end at the dialog (Textual): its footer shows F1 and the palette
    # too, which work there as priority keys.
    for key, bindings in app._bindings.key_to_bindings.items():
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
