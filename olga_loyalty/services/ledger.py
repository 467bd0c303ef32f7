"""Points on the database, as the services see them: the storage half lives in
`olga_loyalty.storage.ledger` (issue 18); this is its public face under the old name."""

from __future__ import annotations

from olga_loyalty.storage.ledger import (
    NET_PAID,
    NewLot,
    award,
    award_many,
    balance,
    balances,
    expired_unentered,
    ledger_total,
    lock_active_customer,
    lock_customer,
    lock_customers,
    open_lots,
    redeemed_lots_latest_expiry,
    spent_between,
    spent_in_window,
    take,
    tiers,
)

__all__ = [
    "NET_PAID",
    "NewLot",
    "award",
    "award_many",
    "balance",
    "balances",
    "expired_unentered",
    "ledger_total",
    "lock_active_customer",
    "lock_customer",
    "lock_customers",
    "open_lots",
    "redeemed_lots_latest_expiry",
    "spent_between",
    "spent_in_window",
    "take",
    "tiers",
]
