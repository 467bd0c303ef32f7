"""The real app with one key (ctrl+t) whose action fails as a bug would: for the test that an
unexpected error in the screen leaves its traceback in the log (run as a script in a pty)."""

import sys
from pathlib import Path

from textual.binding import Binding

from olga_loyalty import logs
from olga_loyalty.config import Clock
from olga_loyalty.services.shop import open_shop
from olga_loyalty.ui.app import LoyaltyApp, run


class CrashingApp(LoyaltyApp):
    CSS_PATH = str(Path(__file__).resolve().parents[2] / "olga_loyalty" / "ui" / "app.tcss")
    BINDINGS = [*LoyaltyApp.BINDINGS, Binding("ctrl+t", "bug", "Bug", priority=True)]

    def action_bug(self) -> None:
        raise KeyError("a bug in a key's action")


if __name__ == "__main__":
    import olga_loyalty.ui.app

    database, log_folder = sys.argv[1:3]
    logs.setup(Path(log_folder))
    # the program's own run(), with this app
    olga_loyalty.ui.app.make_app = lambda location, clock, language=None: CrashingApp(
        open_shop(location, clock), language=language, run_daily=False
    )
    sys.exit(run(database, Clock(), "en"))
