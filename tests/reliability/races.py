"""Races between tills, as child processes started by tests/reliability/test_races.py.

    python races.py KIND DB WHO PARTIES ROUNDS FOLDER

Each child opens the shop once, then for every round waits at a barrier (files in FOLDER)
until all PARTIES children are there, does its part of the race at the same moment as the
others and prints one line `ROUND RESULT`. A refusal is a result (`refused: …`); a
"database is busy" answer is counted by the test as a failure.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from olga_loyalty.config import FixedClock
from olga_loyalty.domain.errors import DatabaseBusy, LoyaltyError
from olga_loyalty.services import customers, followups, points
from olga_loyalty.services.shop import open_shop

START = datetime.fromisoformat("2026-01-10T10:00:00+01:00")


def meet(folder: Path, round_: int | str, who: int, parties: int) -> None:
    (folder / f"{round_}-{who}").touch()
    deadline = time.monotonic() + 60
    while len(list(folder.glob(f"{round_}-*"))) < parties:
        if time.monotonic() > deadline:
            raise SystemExit(f"round {round_}: the other tills did not come")
        time.sleep(0.0005)


def daily(shop, clock, round_: int, who: int) -> str:
    clock.moment = START + timedelta(days=round_ + 2)
    result = points.daily(shop)
    return f"expired={result.expired_lots} birthdays={result.birthday_bonuses}"


def apologise(shop, clock, round_: int, who: int) -> str:
    item, entry = followups.apologise(shop, round_ + 1, 100)
    return f"entry={entry.id}"


def purchase_or_erase(shop, clock, round_: int, who: int) -> str:
    customer_id = round_ + 1
    if who == 0:
        result = points.record_purchase(shop, customer_id, "500.00")
        return f"purchase={result.purchase_id}"
    customers.erase(shop, customer_id)
    return "erased"


def wrong_pin(shop, clock, round_: int, who: int) -> str:
    from olga_loyalty.services import safety

    if not hasattr(safety, "authorise"):  # the code before the fix, to show the race
        safety.check_pin(shop, "999999", "adjust")
        return "accepted"
    safety.authorise(shop, "adjust", "999999")
    return "accepted"


def first_start(shop, clock, round_: int, who: int) -> str:
    """Every till finishes its first-start dialog with its own name at the same moment."""
    from olga_loyalty.services.shop import ShopSettings

    typed = ShopSettings(name=f"Till {who} round {round_}", language=("de", "en")[who % 2])
    if not hasattr(shop, "finish_setup"):  # the code before the fix, to show the race
        shop.save_settings(typed)
        return f"saved {shop.settings.name}"
    result = shop.finish_setup(typed)
    return f"{'saved' if result.saved else 'kept'} {result.settings.name}"


KINDS = {
    "daily": daily,
    "apologise": apologise,
    "purchase-erase": purchase_or_erase,
    "wrong-pin": wrong_pin,
    "first-start": first_start,
}


def main(kind: str, db: str, who: int, parties: int, rounds: int, folder: Path) -> None:
    clock = FixedClock(START)
    shop = open_shop(db, clock)
    action = KINDS[kind]
    for round_ in range(rounds):
        meet(folder, round_, who, parties)
        try:
            result = action(shop, clock, round_, who)
        except DatabaseBusy as error:
            result = f"busy: {error}"
        except LoyaltyError as error:
            result = f"refused: {error}"
        print(f"{round_} {result}", flush=True)
        if kind == "wrong-pin":
            # The lock lasts a real minute: after everyone's try, the first till lifts it,
            # and the others meet it again at the next round's barrier.
            meet(folder, f"{round_}-after", who, parties)
            if who == 0:
                from olga_loyalty.services.shop import write_setting

                write_setting("pin_failures", {"count": 0, "locked_at": None})
        if kind == "first-start":
            # the next round starts on a shop that is not set up again
            meet(folder, f"{round_}-after", who, parties)
            if who == 0 and round_ < rounds - 1:
                from olga_loyalty.storage.models import Setting

                Setting.delete().where(Setting.key == "shop").execute()


if __name__ == "__main__":
    kind, db, who, parties, rounds, folder = sys.argv[1:7]
    main(kind, db, int(who), int(parties), int(rounds), Path(folder))
