"""How long an offline search for the owner PIN takes on this machine (docs/reliability.md).

    .venv/bin/python scripts/pin_search_cost.py [TRIES]

Someone with a copy of the database has the PIN's salt and scrypt hash and can try PINs
without the program's counter or lock. This runs such a search for real — TRIES candidates
on every core at once, with the cost new PINs get (olga_loyalty.services.safety.SCRYPT) and
with the cost of PINs set before it — and says how long all 6-digit and all 4-digit PINs
would take at that speed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from olga_loyalty.services.safety import SCRYPT

OLD = {"n": 2**14, "r": 8, "p": 1}


def guess(args: tuple[int, dict]) -> bytes:
    number, params = args
    n, r, p = params["n"], params["r"], params["p"]
    return hashlib.scrypt(
        f"{number:06d}".encode(),
        salt=b"0123456789abcdef",
        n=n,
        r=r,
        p=p,
        dklen=32,
        maxmem=256 * r * n + 2**20,
    )


def rate(params: dict, tries: int, cores: int) -> float:
    """PINs tried per second with every core busy."""
    with ProcessPoolExecutor(cores) as pool:
        list(pool.map(guess, [(0, params)] * cores))  # start the workers
        started = time.perf_counter()
        list(pool.map(guess, [(n, params) for n in range(tries * cores)]))
        return tries * cores / (time.perf_counter() - started)


def days(count: int, per_second: float) -> str:
    seconds = count / per_second
    return f"{seconds / 86400:.1f} days" if seconds > 86400 else f"{seconds / 60:.0f} minutes"


def main() -> None:
    tries = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    cores = os.cpu_count() or 1
    print(f"{cores} cores, {tries} tries per core")
    for label, params in (("new PINs", SCRYPT), ("PINs set before (old rules)", OLD)):
        speed = rate(params, tries, cores)
        print(
            f"{label}: scrypt n=2^{params['n'].bit_length() - 1} r={params['r']} p={params['p']}: "
            f"{speed:.1f} PINs/s; all 6-digit PINs: {days(10**6, speed)}; "
            f"all 4-digit PINs: {days(10**4, speed)}"
        )


if __name__ == "__main__":
    main()
