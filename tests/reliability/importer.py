"""An importer in a child process that stops after its first batches until it is told to go
on, for tests/reliability/test_import_recovery.py (run as a script: DB LIST FOLDER).

It imports LIST (a checked customer list, 3 rows a batch), through the service or, with a
fourth argument `cli`, through the command line. After its second batch it writes
FOLDER/paused and waits for FOLDER/go (the test meanwhile runs a daily run, a check, or
kills it), then writes the rest and prints what it imported as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from olga_loyalty.config import FixedClock
from olga_loyalty.services import imports
from olga_loyalty.services.shop import open_shop
from tests.conftest import START


def main(db: str, sheet: str, folder: str, how: str = "service") -> None:
    shop = open_shop(db, FixedClock(START))
    imports.PUBLISH_BATCH = 3
    imports.LONG_BATCH_ROWS = 0  # each batch its own transaction
    imports.BATCH_PAUSE = 0
    publish = imports._publish_batch
    batches = []

    def publish_then_pause(*args, **kwargs):
        counts = publish(*args, **kwargs)
        batches.append(counts)
        if len(batches) == 2:
            (Path(folder) / "paused").write_text("paused")
            deadline = time.monotonic() + 120
            while not (Path(folder) / "go").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        return counts

    imports._publish_batch = publish_then_pause
    if how == "cli":  # the command line, with its own handling of signals and errors
        from olga_loyalty.cli import main as command_line

        shop.close()
        sys.exit(command_line(["--db", db, "--lang", "en", "import", "customers", sheet]))
    report = imports.check_file(shop, Path(sheet))
    result = imports.run(shop, report, staff="Olga")
    print(json.dumps({"imported": result.written, "refused": [str(e) for _, e in report.refused]}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
