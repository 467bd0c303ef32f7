"""The start-up (issue 19, item 4): before the search screen's first paint the app does
nothing but that paint; today's list, the warm-up and the daily run follow it
(docs/benchmarks.md, "Start-up")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from olga_loyalty.ui.screens.search import SearchScreen
from tests.ui.conftest import settle

#: What the first paint must not wait for: libraries of the look-up, the formatting and the
#: list's rows, the customer services, rich's emoji table (a column label parsed as markup).
NOT_BEFORE_THE_PAINT = (
    "babel",
    "babel.dates",
    "phonenumbers",
    "email_validator",
    "olga_loyalty.services.customers",
    "olga_loyalty.domain.customers",
    "rich._emoji_codes",
)

#: A fresh interpreter, as a shop's start: the app with its daily run, stopped at the first
#: paint of the search screen (as benchmarks/startup_probe.py measures it).
PROBE = textwrap.dedent(
    """
    import json, sys
    from olga_loyalty.config import clock_from_env
    from olga_loyalty.ui.app import make_app
    from olga_loyalty.ui.screens.search import SearchScreen

    app = make_app(sys.argv[1], clock_from_env(), run_daily=True)
    seen = {}
    mounted = SearchScreen.on_mount

    def on_mount(screen):
        mounted(screen)

        def painted():
            seen["loaded"] = sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)
            seen["workers"] = sorted(w.name for w in app.workers)
            seen["focused"] = app.focused.id if app.focused else None
            app.exit()

        screen.call_after_refresh(painted)

    SearchScreen.on_mount = on_mount
    app.run(headless=True)
    print(json.dumps(seen))
    """
)


def test_nothing_but_the_paint_before_the_first_paint(ui_shop):
    env = {**os.environ, "OLGA_LOYALTY_NOW": "2026-11-23T10:00:00+00:00"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, ui_shop.location, json.dumps(NOT_BEFORE_THE_PAINT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"loaded": [], "workers": [], "focused": "search"}


async def test_after_the_first_paint_the_list_and_the_start_up_work_follow(
    app_factory, monkeypatch
):
    import olga_loyalty.ui.app as app_module

    warmed = []
    monkeypatch.setattr(app_module, "_load_libraries", lambda: warmed.append(1))
    app = app_factory()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        # today's list (Hans's birthday first), looked up once the screen was painted
        assert [hit.first_name for hit in screen.hits] == ["Hans", "Björn", "Anna"]
        assert warmed == [1]
        app.language_changed()  # a new search screen is painted: the start-up work ran once
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen) and app.screen is not screen
        assert warmed == [1]


#: A shop's start as the user makes it, `olga-loyalty --db ...` (the command line's `main`),
#: stopped at the first paint of the search screen; the screen runs headless.
CLI_PROBE = textwrap.dedent(
    """
    import json, sys
    import olga_loyalty.cli as cli
    from textual.app import App
    from olga_loyalty.ui.screens.search import SearchScreen

    cli.require_terminal = lambda: None  # the test has no terminal; the screen runs headless
    run = App.run
    App.run = lambda app, *a, **k: run(app, *a, **{**k, "headless": True})
    seen = {}
    mounted = SearchScreen.on_mount

    def on_mount(screen):
        mounted(screen)

        def painted():
            seen["loaded"] = sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)
            seen["title"] = screen.app.sub_title
            seen["placeholder"] = screen.query_one("#search").placeholder
            screen.app.exit()

        screen.call_after_refresh(painted)

    SearchScreen.on_mount = on_mount
    code = cli.main(["--db", sys.argv[1], *json.loads(sys.argv[2])])
    print(json.dumps({**seen, "code": code}))
    """
)

#: The command line's own modules and the services only they load (imports, reports, mail,
#: settings, demo, the owner PIN's checks): not needed for the screen's first paint.
NOT_BEFORE_THE_PAINT_OF_THE_UI = (
    "olga_loyalty.cli.admin",
    "olga_loyalty.cli.card",
    "olga_loyalty.cli.customers",
    "olga_loyalty.cli.feedback",
    "olga_loyalty.cli.files",
    "olga_loyalty.cli.points",
    "olga_loyalty.cli.reminders",
    "olga_loyalty.cli.report",
    "olga_loyalty.services.imports",
    "olga_loyalty.services.reports",
    "olga_loyalty.services.mail",
    "olga_loyalty.services.settings",
    "olga_loyalty.services.demo",
    "olga_loyalty.services.safety",
    *NOT_BEFORE_THE_PAINT,
)


def _start_from_the_command_line(location: str, *options: str) -> dict:
    env = {**os.environ, "OLGA_LOYALTY_NOW": "2026-11-23T10:00:00+00:00"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI_PROBE,
            location,
            json.dumps(options),
            json.dumps(NOT_BEFORE_THE_PAINT_OF_THE_UI),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_command_line_starts_the_screen_without_its_commands_modules(ui_shop):
    """`olga-loyalty` without a command reads its options without the commands' parsers,
    whose modules load services the first paint does not need (before: all of them, about
    0.1 s of a start)."""
    assert ui_shop.settings.language == "en"
    seen = _start_from_the_command_line(ui_shop.location)
    assert seen == {
        "loaded": [],
        "title": "Boutique Olga",
        "placeholder": "Phone, last 4 digits, surname or email",
        "code": 0,
    }
    # the options a start of the screen takes, as before
    seen = _start_from_the_command_line(ui_shop.location, "--lang", "de", "--pin", "1234")
    assert seen == {
        "loaded": [],
        "title": "Boutique Olga",
        "placeholder": "Telefon, letzte 4 Ziffern, Nachname oder E-Mail",
        "code": 0,
    }
