"""Started as its own process by run.py: time from process start to the first screen painted
and ready for input, for Olga Loyalty's search screen or a bare Textual app with one Input.
`app` builds the app with `make_app` (the figure of `make bench`); `cli` starts it as a user
does, through the command line's `main` (`olga-loyalty --db DB`, headless). With `keys`, it then types into the search box and reports each keystroke's time until its
results are painted, and the peak memory."""

from __future__ import annotations

import json
import resource
import sys
import time

START = time.perf_counter()


async def _measure_keys(app, pilot, texts: list[str]) -> list[float]:
    """From the key press to the results for it painted: the moment is taken in the app, at
    the first refresh after the results were put into the table (Pilot's own waiting after a
    press is not counted)."""
    from olga_loyalty.ui.screens.search import SearchScreen

    painted: dict[str, float] = {}
    show_hits = SearchScreen.show_hits

    def show_and_mark(screen, hits, status):
        show_hits(screen, hits, status)
        screen.call_after_refresh(lambda: painted.setdefault("at", time.perf_counter()))

    SearchScreen.show_hits = show_and_mark
    times = []
    for text in texts:
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        screen.query_one("#search").value = text[:-1]  # the start of the word, already typed
        await app.workers.wait_for_complete()
        await pilot.pause()
        painted.clear()
        before = time.perf_counter()
        await pilot.press("space" if text[-1] == " " else text[-1])
        await app.workers.wait_for_complete()
        await pilot.pause()
        times.append((painted["at"] - before) * 1000)
    return times


def peak_rss_mb() -> float:
    """The process's own peak (VmHWM). Not ru_maxrss: Linux carries that over from the parent
    across fork and exec, so a big benchmark parent would be counted."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure_cli(db: str) -> None:
    """The start as a user makes it: `olga-loyalty --db DB`, the command line's own imports
    and option parsing included, to the same first paint as `app`."""
    import olga_loyalty.cli as cli

    cli.require_terminal = lambda: None  # run headless, without a terminal
    from textual.app import App

    from olga_loyalty.ui.screens.search import SearchScreen

    result: dict = {}
    run = App.run
    App.run = lambda app, *args, **kwargs: run(app, *args, **{**kwargs, "headless": True})
    original = SearchScreen.on_mount

    def on_mount(screen):
        original(screen)
        screen.call_after_refresh(
            lambda: (result.update(startup_s=time.perf_counter() - START), screen.app.exit())
        )

    SearchScreen.on_mount = on_mount
    cli.main(["--db", db])
    print(json.dumps(result))


def main() -> None:
    mode = sys.argv[1]
    if mode == "bare":
        from textual.app import App
        from textual.widgets import Input

        class Bare(App):
            def compose(self):
                yield Input()

            def on_mount(self):
                self.call_after_refresh(self.ready)

            def ready(self):
                print(json.dumps({"startup_s": time.perf_counter() - START}))
                self.exit()

        Bare().run(headless=True)
        return
    if mode == "cli":
        _measure_cli(sys.argv[2])
        return
    from olga_loyalty.config import clock_from_env
    from olga_loyalty.ui.app import make_app

    db = sys.argv[2]
    app = make_app(db, clock_from_env(), run_daily=False)
    result: dict = {}
    if mode == "app":
        from olga_loyalty.ui.screens.search import SearchScreen

        original = SearchScreen.on_mount

        def on_mount(screen):
            original(screen)
            screen.call_after_refresh(
                lambda: (result.update(startup_s=time.perf_counter() - START), app.exit())
            )

        SearchScreen.on_mount = on_mount
        app.run(headless=True)
        print(json.dumps(result))
        return
    # mode == "keys": keystrokes on the big database
    import asyncio

    texts = sys.argv[3].split(",")

    async def run():
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            result["keystroke_ms"] = await _measure_keys(app, pilot, texts)

    asyncio.run(run())
    result["rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
