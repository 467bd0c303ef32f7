"""Keys typed in one burst: an action on a priority key acts on what was typed before it.

Textual runs a priority binding (Enter on the counter's dialogs, `ctrl+n`) as soon as the app
reads the key from the terminal. The keys read just before it have been passed to the focused
field's queue by then, but the field may not have taken them yet: `tmux send-keys "89.90"
Enter`, a paste, a barcode scanner or a number pad arrive in one read, and the purchase used
to see an empty (or cut) amount. These keys cannot simply lose their priority, as ctrl+s did
(docs/ui.md, "Forms"): a text field takes Enter itself, and the footer shows a dialog's Enter
only while it is a priority key. So the action waits in the queue of the widget the keys went
to, behind them, and runs when they are in the field (docs/ui.md, "Keys typed in one burst").
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def after_typed_keys(action: F) -> F:
    """Run `action` (a screen's or the app's) once every key the app read before the key
    that runs it has done its work, and only if that screen is still in front with the focus
    where it was: a key of the burst that moved the focus (`Tab`) has left the keys after it
    in the field it left, so nothing is done on them.

    The keys went to the focused widget (Textual's `App.on_event`); what that widget does not
    take (`F4`, `Tab`) goes up through its parents and the screen to the app, which runs its
    binding. The action follows the same way, one queue after the other, so it comes to each
    behind the keys before it."""

    @functools.wraps(action)
    def run_after_the_keys(self: Any, *args: Any, **kwargs: Any) -> None:
        app = self.app
        screen = app.screen
        # where the app passes the keys it reads: the focused widget, else the screen
        target = app.focused or screen

        def run() -> None:
            if app.screen is screen and (app.focused or screen) is target:
                action(self, *args, **kwargs)

        def pass_on(node: Any) -> None:
            parent = node.parent
            if node is app or parent is None:
                run()
            else:
                parent.call_later(pass_on, parent)

        target.call_later(pass_on, target)

    return run_after_the_keys  # type: ignore[return-value]


def tab_moved_the_focus(app: Any, event: Any) -> bool:
    """`Tab` (`shift+tab`) read from a text field moves the focus at once, when the app reads
    it, and is not passed on: the keys typed after it in the same burst then go to the next
    field. (Textual moves the focus when Tab has come back up from the field, and passes the
    keys read meanwhile to the field it leaves: `89` Tab `200` put 89200 in the amount.) The
    keys before it are in the field's queue already and go in there; the field hears that it
    lost the focus after them. Only from a text field, which never takes Tab itself.

    `Enter` does the same on a form whose Enter means "next field" (`ENTER_MOVES_ON`: the
    registration and the first start): `Berta` Enter `Brenner` Enter put `BertaBrenner` in
    the first name, since the field moved the focus only when it had taken the Enter."""
    from textual.widgets import Input

    if not isinstance(app.focused, Input):
        return False
    screen = app.screen
    moves_on = event.key in ("tab", "shift+tab") or (
        event.key == "enter" and getattr(screen, "ENTER_MOVES_ON", False)
    )
    if not moves_on or screen.maximized is not None:
        return False
    if event.key == "shift+tab":
        screen.focus_previous()
    else:
        screen.focus_next()
    return True


def enter_submitted_in_order(app: Any, event: Any) -> bool:
    """`Enter` read for a text field whose Enter is its own (no priority Enter of a dialog
    above it, which `after_typed_keys` orders) submits the field behind the keys typed before
    it and ahead of those after it. Textual runs a field's Enter when the key has come back up
    to the app, and the field takes the keys read meanwhile first: `5678` Enter `p` looked up
    `5678p` and opened the registration with the surname `5678P` instead of the card of the
    customer whose phone ends 5678. Not passed on: the field's own Enter would submit twice."""
    from textual.widgets import Input

    field = app.focused
    if event.key != "enter" or not isinstance(field, Input):
        return False
    own = field._bindings.key_to_bindings.get("enter", ())
    if [binding.action for binding in own] != ["submit"]:
        return False  # a field that gives Enter another meaning
    for _, bindings in app.screen._binding_chain:
        if any(binding.priority for binding in bindings.key_to_bindings.get("enter", ())):
            return False  # the dialog's Enter comes first (after_typed_keys)
    field.call_later(field.action_submit)
    return True


#: A text field's actions that edit its text or move its cursor: these never pass their key
#: on (a copy with nothing chosen does, to the app's ctrl+c; a field's inherited scrolling
#: does, to the search list's ↓).
EDITING_ACTIONS = frozenset(
    {
        "cursor_left",
        "cursor_right",
        "cursor_left_word",
        "cursor_right_word",
        "delete_left",
        "delete_right",
        "delete_left_word",
        "delete_right_word",
        "delete_left_all",
        "delete_right_all",
        "home",
        "end",
        "select_all",
    }
)


def field_key_in_order(app: Any, event: Any) -> bool:
    """A text field's own editing key (`Backspace`, `Delete`, the arrows, `Home`, `End`,
    `ctrl+k` ...) read for it runs in the field's queue, in its place among the keys typed
    around it. Textual puts a printable key into the field when the field reads it, but runs
    the field's binding for Backspace when the key has come back up to the app, after the
    keys read meanwhile: `89,99` Backspace `0` Enter saved 89,99 € (the Backspace took the
    `0`), `Wagnet` Backspace `r` stayed `Wagnet`. Not for a key a dialog or the app holds
    as a priority key, and not passed on (it would act twice)."""
    from textual.widgets import Input

    field = app.focused
    if not isinstance(field, Input) or event.is_printable:
        return False
    own = field._bindings.key_to_bindings.get(event.key, ())
    if len(own) != 1 or own[0].action.partition("(")[0] not in EDITING_ACTIONS:
        return False  # not an edit of the text (F4, Esc, ↓ to the list: the screen's keys)
    for _, bindings in app.screen._binding_chain:
        if any(binding.priority for binding in bindings.key_to_bindings.get(event.key, ())):
            return False
    field.call_later(field.run_action, own[0].action)
    return True
