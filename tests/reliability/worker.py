"""A till in a child process, for the crash and two-till tests (run as a script)."""

from __future__ import annotations

import os
import random
import sys
from decimal import Decimal

from olga_loyalty.config import Clock
from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.domain.errors import DatabaseBusy, Refused
from olga_loyalty.services import customers, points
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import ledger


def crash_loop(db: str, journal: str, seed: int) -> None:
    """Register customers and record purchases forever; journal each committed action."""
    shop = open_shop(db, Clock())
    rng = random.Random(seed)
    with open(journal, "a", encoding="utf-8") as log:
        while True:
            if rng.random() < 0.3:
                phone = f"0151 {rng.randrange(10**8):08d}"
                try:
                    c = customers.register(
                        shop, CustomerInput("Kim", "Crash", phone), consents={"data_processing"}
                    )
                except Exception:
                    continue
                log.write(f"customer {c.customer.id}\n")
            else:
                ids = [1, 2, 3]
                cid = rng.choice(ids)
                balance = ledger.balance(cid, shop.today())
                redeem = 100 if balance >= 100 and rng.random() < 0.4 else 0
                amount = Decimal(rng.randint(2000, 30000)) / 100
                result = points.record_purchase(shop, cid, amount, redeem=redeem)
                log.write(f"purchase {result.purchase_id}\n")
            log.flush()
            os.fsync(log.fileno())


def till(db: str, count: int, seed: int) -> None:
    """Record `count` purchases on customers 1–5 as fast as possible; print a summary."""
    shop = open_shop(db, Clock())
    rng = random.Random(seed)
    done = refused = busy = 0
    while done < count:
        cid = rng.randint(1, 5)
        redeem = 100 if rng.random() < 0.3 else 0
        amount = Decimal(rng.randint(1000, 20000)) / 100
        try:
            points.record_purchase(shop, cid, amount, redeem=redeem)
        except Refused as error:
            if isinstance(error, DatabaseBusy):
                busy += 1
                continue
            refused += 1  # not enough points at that moment: record it without redemption
            points.record_purchase(shop, cid, amount)
        done += 1
    print(f"done={done} refused={refused} busy={busy}")


if __name__ == "__main__":
    if sys.argv[1] == "crash":
        crash_loop(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        till(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
