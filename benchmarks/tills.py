"""One of the four tills of `make bench` (item "four tills at once"), as its own process.

    python benchmarks/tills.py DB CUSTOMERS COUNT SEED

It opens the shop, says `ready` on stdout and waits for a line on stdin, so that the four
tills start at the same moment; then it records COUNT purchases, each with a redemption, as
fast as it can, on customers drawn from CUSTOMERS (comma-separated ids; the first ones are
shared by every till, see run.py), and prints one JSON line: the wall time of each
purchase in ms (the waits for another till's lock included), how many were refused as
"busy" and how many for want of points. The loop is the one of the four-till test in
tests/reliability/worker.py, with each purchase timed.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from olga_loyalty.config import FixedClock, parse_moment  # noqa: E402
from olga_loyalty.domain.errors import DatabaseBusy, Refused  # noqa: E402
from olga_loyalty.services import points  # noqa: E402
from olga_loyalty.services.card import card  # noqa: E402
from olga_loyalty.services.shop import open_shop  # noqa: E402
from olga_loyalty.storage.db import close_database  # noqa: E402


def main(db: str, customers: list[int], count: int, seed: int) -> None:
    moment = os.environ.get("OLGA_LOYALTY_NOW")
    clock = FixedClock(parse_moment(moment) if moment else datetime.now().astimezone())
    shop = open_shop(db, clock)
    rng = random.Random(seed)
    card(shop, customers[0])  # warm: the first queries, as a till opens the card before selling
    print("ready", flush=True)
    sys.stdin.readline()
    times, busy, refused = [], 0, 0
    while len(times) < count:
        customer = rng.choice(customers)
        amount = Decimal(rng.randint(4000, 20000)) / 100
        start = time.perf_counter()
        try:
            points.record_purchase(shop, customer, amount, redeem=100, staff=f"Till {seed}")
        except DatabaseBusy:
            busy += 1
            continue
        except Refused:
            refused += 1  # not enough points left: that customer is not drawn again
            customers = [c for c in customers if c != customer]
            continue
        times.append((time.perf_counter() - start) * 1000)
    close_database()
    print(json.dumps({"times_ms": times, "busy": busy, "refused": refused}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], [int(c) for c in sys.argv[2].split(",")], int(sys.argv[3]), int(sys.argv[4]))
