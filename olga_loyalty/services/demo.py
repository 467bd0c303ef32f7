"""`demo`: an empty database filled with realistic made-up customers and two years of history.

Every customer's timeline is simulated with the same domain rules the till uses (tiers,
earning on the amount paid, redemption from the soonest-expiring lots, refunds with their
proportional take-back, expiry entries, birthday bonuses), then written in bulk, one
transaction per batch. A few loyal customers bring most of the revenue (Pareto spread).

Demo data is only ever written into an empty database, never mixed with a real shop's.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from olga_loyalty import logs
from olga_loyalty.domain.customers import name_keys, phone_search_key
from olga_loyalty.domain.errors import Count, Plural, Refused
from olga_loyalty.domain.money import ZERO, cents, quantize
from olga_loyalty.domain.points import (
    OpenLot,
    Programme,
    PurchaseFacts,
    RefundTotals,
    birthday_in,
    expiry_date,
    max_redeemable,
    plan_purchase,
    plan_refund,
    settle_refund,
    take_fifo,
)
from olga_loyalty.services.shop import PURPOSES, Shop, current_consent_text, write_setting
from olga_loyalty.storage.db import sync_sequences
from olga_loyalty.storage.models import (
    BirthdayBonus,
    Consent,
    Customer,
    LedgerEntry,
    Lot,
    Purchase,
    Refund,
    database,
)

FIRST_NAMES_F = (
    "Anna Maria Ursula Monika Petra Sabine Andrea Claudia Susanne Birgit Katrin Julia Lena Laura "
    "Sophie Lea Hannah Mia Emma Marie Jana Nicole Stefanie Kerstin Anja Tanja Heike Silke Martina "
    "Renate Brigitte Gisela Ingrid Helga Jürgen Dörte Jördis Björg Zoë Chloé Hélène Françoise "
    "Inès Léa Ayşe Elif Zeynep Gül Agnieszka Małgorzata Katarzyna Zofia Ewa Giulia Francesca "
    "Chiara Sofía Lucía María Ingrid Åsa Sigrún Kristín Léonie Amélie Noémie Ana Inês Joana"
).split()
FIRST_NAMES_M = "Thomas Michael Andreas Stefan Jürgen Uwe Björn Sören Jörg Mehmet Luca José".split()
LAST_NAMES = (
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
    "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
    "Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler Herrmann König "
    "Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Schubert Vogel "
    "Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht "
    "Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto "
    "Groß Sommer Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kühn Pohl "
    "Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Yılmaz Kaya Demir Şahin "
    "Çelik Öztürk Aydın Kowalski Nowak Wiśniewska Wójcik Lewandowska Rossi Russo Ferrari Esposito "
    "Bianchi Romano García Martínez López Pérez González Sánchez Dubois Lefèvre Girard Bonnet "
    "Lindqvist Åberg Sjöberg Nyström Jørgensen Østergaard Ólafsdóttir Novák Dvořák Horváth "
    "Nguyễn Đặng Papadopoulou"
).split()
LAST_NAME_PREFIXES = ("", "", "", "", "", "", "", "", "", "von ", "de ", "van der ")
DOMAINS = ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "icloud.com", "posteo.de")
DE_MOBILE = "151 152 155 157 159 160 162 163 170 171 172 173 174 175 176 177 178 179".split()
STAFF = ("Olga", "Eva", "Mira")
SHOP_HOURS = range(10, 19)


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch == "."))


def demo_phone(rng: random.Random, used: set[str]) -> str:
    """A valid mobile number not given out yet: German mostly, a few from abroad.

    Drawn at random (not computed from the customer number), so that a number's last
    digits say nothing about its country, as in a real customer base."""
    while True:
        roll = rng.random()
        if roll < 0.02:
            phone = f"+43664{rng.randrange(10_000_000):07d}"
        elif roll < 0.04:
            phone = f"+4179{rng.randrange(10_000_000):07d}"
        elif roll < 0.06:
            phone = f"+90532{rng.randrange(10_000_000):07d}"
        else:
            phone = f"+49{rng.choice(DE_MOBILE)}{rng.randrange(100_000_000):08d}"
        if phone not in used:
            used.add(phone)
            return phone


@dataclass
class _Ids:
    customer: int = 0
    purchase: int = 0
    refund: int = 0
    lot: int = 0
    entry: int = 0
    consent: int = 0


@dataclass
class _Rows:
    customers: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    purchases: list = field(default_factory=list)
    refunds: list = field(default_factory=list)
    lots: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    birthdays: list = field(default_factory=list)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


class _Simulation:
    """One customer's history, kept with the till's own rules."""

    def __init__(self, programme: Programme, ids: _Ids, rows: _Rows, customer_id: int) -> None:
        self.p, self.ids, self.rows, self.cid = programme, ids, rows, customer_id
        self.lots: dict[int, list] = {}  # id -> [remaining, expires_on]
        self.paid_log: list[tuple[datetime, Decimal]] = []
        self.entries = 0

    def open_lots(self) -> list[OpenLot]:
        return [OpenLot(i, r, e) for i, (r, e) in self.lots.items() if r > 0]

    def entry(self, kind, points, lot, when, purchase=None, refund=None, staff="", reason=""):
        self.ids.entry += 1
        self.entries += 1
        self.rows.entries.append(
            (
                self.ids.entry,
                self.cid,
                kind,
                points,
                lot,
                purchase,
                refund,
                _ts(when),
                staff,
                reason,
            )
        )

    def award(
        self, kind, points, today, expires, when, purchase=None, refund=None, staff="", reason=""
    ):
        self.ids.lot += 1
        lot = self.ids.lot
        self.lots[lot] = [points, expires]
        self.rows.lots.append(
            [
                lot,
                self.cid,
                kind,
                points,
                points,
                today.isoformat(),
                expires.isoformat(),
                purchase,
                _ts(when),
            ]
        )
        self.entry(kind, points, lot, when, purchase, refund, staff, reason)
        return lot

    def take(self, kind, points, today, when, purchase=None, refund=None, staff="", reason=""):
        for lot, part in take_fifo(self.open_lots(), points, today):
            self.lots[lot][0] -= part
            self.entry(kind, -part, lot, when, purchase, refund, staff, reason)

    def expire_until(self, day: date) -> None:
        """What the daily run on `day` would write: expiry entries for lots past their date."""
        when = datetime.combine(day, datetime.min.time()).astimezone() + timedelta(hours=9)
        for lot, (remaining, expires) in sorted(self.lots.items()):
            if remaining > 0 and expires < day:
                self.entry("expire", -remaining, lot, when, reason="expired")
                self.lots[lot][0] = 0

    def spent(self, moment: datetime) -> Decimal:
        start = moment - timedelta(days=self.p.tier_window_days)
        return sum((paid for at, paid in self.paid_log if start < at <= moment), ZERO)


def generate(
    shop: Shop,
    count: int,
    *,
    seed: int = 1,
    batch_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Fill an empty database with `count` customers and two years of purchases."""
    existing = Customer.select().count()
    if existing:
        raise Refused(
            Plural(
                "demo only fills an empty database; this one already has {count} customer. "
                "Use --db with a new file.",
                "demo only fills an empty database; this one already has {count} customers. "
                "Use --db with a new file.",
                existing,
            ),
            count=Count(existing),
        )
    started = time.perf_counter()
    rng = random.Random(seed)
    programme, now = shop.programme, shop.now()
    today = now.date()
    texts = {p: current_consent_text(p) for p in PURPOSES}
    ids = _Ids()
    phones: set[str] = set()
    totals: dict[str, float] = {"customers": 0, "purchases": 0, "entries": 0, "refunds": 0}
    try:
        for start in range(1, count + 1, batch_size):
            rows = _Rows()
            for n in range(start, min(start + batch_size, count + 1)):
                _simulate_customer(n, rng, programme, now, today, texts, ids, rows, phones)
            _write(rows)
            # after each batch, not only at the end: an interrupted demo leaves no sequence
            # behind its table (PostgreSQL; later registrations would fail on a taken id)
            sync_sequences(Customer, Consent, Purchase, Refund, Lot, LedgerEntry)
            totals["customers"] += len(rows.customers)
            totals["purchases"] += len(rows.purchases)
            totals["entries"] += len(rows.entries)
            totals["refunds"] += len(rows.refunds)
            if progress:
                progress(int(totals["customers"]), count)
    except KeyboardInterrupt:
        raise _interrupted(count) from None
    write_setting("daily_last_run", today.isoformat())
    totals["seconds"] = round(time.perf_counter() - started, 1)
    logs.action("demo.generate", **{k: v for k, v in totals.items() if k != "seconds"})
    return totals


class DemoInterrupted(Refused):
    """Ctrl+C (or SIGTERM on the command line) while the demo fills the database: the
    batches written stay (each is one transaction), and demo only fills an empty database."""


def _interrupted(total: int) -> DemoInterrupted:
    """What an interrupted demo says: how many customers it made, which stay."""
    sync_sequences(Customer, Consent, Purchase, Refund, Lot, LedgerEntry)  # as after a batch
    made = Customer.select().count()
    return DemoInterrupted(
        Plural(
            "Interrupted: {count} customer of {total} was made and stays, with her purchases. "
            "To start again, use --db with a new file.",
            "Interrupted: {count} customers of {total} were made and stay, with their "
            "purchases. To start again, use --db with a new file.",
            made,
        ),
        count=Count(made),
        total=Count(total),
    )


def _simulate_customer(n, rng, programme, now, today, texts, ids, rows, phones) -> None:
    ids.customer += 1
    cid = ids.customer
    female = rng.random() < 0.9
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    last = rng.choice(LAST_NAME_PREFIXES) + rng.choice(LAST_NAMES)
    salutation = ("Frau" if female else "Herr") if rng.random() < 0.8 else ""
    phone = demo_phone(rng, phones)
    email = None
    if rng.random() < 0.8:
        email = f"{ascii_fold(first)}.{ascii_fold(last.replace(' ', ''))}{n}@{rng.choice(DOMAINS)}"
    birthday = None
    if rng.random() < 0.7:
        birthday = date(today.year - rng.randint(18, 80), rng.randint(1, 12), rng.randint(1, 28))
    registered = now - timedelta(days=rng.uniform(0, 730), hours=rng.uniform(0, 8))
    staff = rng.choice(STAFF)
    fk, fk_de = name_keys(first)
    lk, lk_de = name_keys(last)
    rows.customers.append(
        (
            cid,
            first,
            last,
            salutation,
            phone,
            email,
            email.lower() if email else None,
            birthday.isoformat() if birthday else None,
            birthday.month * 100 + birthday.day if birthday else None,
            "Größe 38" if rng.random() < 0.1 else "",
            "de" if rng.random() < 0.9 else "en",
            _ts(registered),
            staff,
            fk,
            fk_de,
            lk,
            lk_de,
            phone_search_key(phone),
        )
    )
    wanted = ["data_processing"]
    if email and rng.random() < 0.6:
        wanted.append("email")
    if rng.random() < 0.35:
        wanted.append("sms")
    method = rng.choice(("paper_signed", "paper_signed", "verbal", "digital"))
    for purpose in wanted:
        ids.consent += 1
        text = texts[purpose]
        rows.consents.append(
            (ids.consent, cid, purpose, _ts(registered), method, text.id, text.version, staff, "")
        )

    sim = _Simulation(programme, ids, rows, cid)
    reg_day = registered.date()
    if programme.welcome_points:
        sim.award(
            "welcome",
            programme.welcome_points,
            reg_day,
            expiry_date(reg_day, programme.welcome_validity_days),
            registered,
            staff=staff,
            reason="welcome bonus",
        )
    # Pareto: most customers come a few times, a few come very often.
    loyalty = min(rng.paretovariate(1.3), 60.0)
    visits = min(int(loyalty * 1.6) if rng.random() < 0.85 else 0, 90)
    days_open = max((now - registered).days, 1)
    events: list[tuple[datetime, str]] = []
    for _ in range(visits):
        day = reg_day + timedelta(days=rng.randint(0, days_open))
        moment = datetime.combine(day, datetime.min.time()).astimezone() + timedelta(
            hours=rng.choice(SHOP_HOURS), minutes=rng.randint(0, 59)
        )
        if registered < moment < now:
            events.append((moment, "purchase"))
    if birthday:
        for year in range(reg_day.year, today.year + 1):
            day = birthday_in(year, birthday)
            if reg_day <= day <= today:
                moment = datetime.combine(day, datetime.min.time()).astimezone() + timedelta(
                    hours=9
                )
                events.append((moment, f"birthday:{year}"))
    events.sort()
    purchases: list[tuple[int, PurchaseFacts, datetime]] = []
    refunded: dict[int, RefundTotals] = {}
    for moment, kind in events:
        day = moment.date()
        sim.expire_until(day)
        if kind.startswith("birthday"):
            lot = sim.award(
                "birthday",
                programme.birthday_points,
                day,
                expiry_date(day, programme.birthday_validity_days),
                moment,
                reason=f"birthday {kind[9:]}",
            )
            rows.birthdays.append((cid, int(kind[9:]), lot))
            continue
        amount = quantize(Decimal(str(min(max(rng.lognormvariate(4.0, 0.6), 5.0), 1500.0))))
        balance = sum(r for r, e in sim.lots.values() if r > 0 and e >= day)
        redeem = 0
        if balance >= programme.min_redeem_points and rng.random() < 0.35:
            redeem = max_redeemable(amount, balance, programme)
        plan = plan_purchase(
            amount,
            redeem,
            balance=balance,
            spent_in_window=sim.spent(moment),
            programme=programme,
            today=day,
        )
        ids.purchase += 1
        pid = ids.purchase
        seller = rng.choice(STAFF)
        rows.purchases.append(
            (
                pid,
                cid,
                _ts(moment),
                cents(plan.amount),
                plan.redeemed_points,
                cents(plan.redeemed_value),
                cents(plan.paid),
                plan.earned_points,
                plan.tier.name,
                str(plan.tier.rate),
                seller,
            )
        )
        if redeem:
            sim.take("redeem", redeem, day, moment, purchase=pid, staff=seller)
        if plan.earned_points:
            sim.award(
                "earn",
                plan.earned_points,
                day,
                plan.earned_expires_on,
                moment,
                purchase=pid,
                staff=seller,
            )
        sim.paid_log.append((moment, plan.paid))
        facts = PurchaseFacts(plan.amount, plan.paid, plan.redeemed_points, plan.earned_points)
        purchases.append((pid, facts, moment))
        # About 3 % of purchases come back, whole or half, within a few days (if not in the future).
        if rng.random() < 0.03:
            back = moment + timedelta(days=rng.randint(1, 10))
            if back < now:
                _refund(sim, rng, pid, facts, back, refunded, programme, rows)
    sim.expire_until(today)
    for lot_row in rows.lots:
        if lot_row[1] == cid:
            lot_row[4] = sim.lots[lot_row[0]][0]


def _refund(sim, rng, pid, facts, moment, refunded, programme, rows) -> None:
    day = moment.date()
    sim.expire_until(day)
    before = refunded.get(pid, RefundTotals())
    amount = facts.amount if rng.random() < 0.7 else quantize(facts.amount / 2)
    plan = plan_refund(facts, before, amount)
    available = sum(r for r, e in sim.lots.values() if r > 0 and e >= day) + plan.restore
    outcome = settle_refund(plan, available, programme)
    sim.ids.refund += 1
    rid = sim.ids.refund
    rows.refunds.append(
        (
            rid,
            pid,
            sim.cid,
            _ts(moment),
            cents(plan.amount),
            cents(plan.paid_back),
            plan.take_back,
            outcome.taken_back,
            plan.restore,
            outcome.shortfall_points,
            cents(outcome.shortfall_value),
            cents(outcome.cash_refund),
            "Olga",
        )
    )
    if plan.restore:
        sim.award(
            "restore",
            plan.restore,
            day,
            expiry_date(day, programme.restore_min_validity_days),
            moment,
            purchase=pid,
            refund=rid,
            reason=f"refund of purchase #{pid}",
        )
    if outcome.taken_back:
        sim.take(
            "refund",
            outcome.taken_back,
            day,
            moment,
            purchase=pid,
            refund=rid,
            reason=f"refund of purchase #{pid}",
        )
    refunded[pid] = RefundTotals(
        before.amount + plan.amount,
        before.paid + plan.paid_back,
        before.take_back_due + plan.take_back,
        before.restored + plan.restore,
    )
    sim.paid_log.append((moment, -plan.paid_back))


def _columns(model, names):
    return [model._meta.fields[name].column_name for name in names]


TABLES = (
    (
        "customers",
        Customer,
        [
            "id",
            "first_name",
            "last_name",
            "salutation",
            "phone",
            "email",
            "email_key",
            "birthday",
            "birthday_md",
            "notes",
            "language",
            "registered_at",
            "registered_by",
            "first_key",
            "first_key_de",
            "last_key",
            "last_key_de",
            "phone_rev",
        ],
    ),
    (
        "consents",
        Consent,
        [
            "id",
            "customer",
            "purpose",
            "given_at",
            "method",
            "text",
            "text_version",
            "recorded_by",
            "source",
        ],
    ),
    (
        "purchases",
        Purchase,
        [
            "id",
            "customer",
            "created_at",
            "amount",
            "redeemed_points",
            "redeemed_value",
            "paid",
            "earned_points",
            "tier",
            "rate",
            "staff",
        ],
    ),
    (
        "refunds",
        Refund,
        [
            "id",
            "purchase",
            "customer",
            "created_at",
            "amount",
            "paid_back",
            "take_back_due",
            "taken_back",
            "restored",
            "shortfall_points",
            "shortfall_value",
            "cash_refund",
            "staff",
        ],
    ),
    (
        "lots",
        Lot,
        [
            "id",
            "customer",
            "kind",
            "points",
            "remaining",
            "awarded_on",
            "expires_on",
            "purchase",
            "created_at",
        ],
    ),
    (
        "entries",
        LedgerEntry,
        [
            "id",
            "customer",
            "kind",
            "points",
            "lot",
            "purchase",
            "refund",
            "created_at",
            "staff",
            "reason",
        ],
    ),
    ("birthdays", BirthdayBonus, ["customer", "year", "lot"]),
)


def _write(rows: _Rows) -> None:
    """Bulk insert one batch in one transaction, with the driver's executemany."""
    db = database.obj
    with database.atomic():
        cursor = db.cursor()
        for attr, model, names in TABLES:
            data = getattr(rows, attr)
            if not data:
                continue
            columns = ", ".join(f'"{c}"' for c in _columns(model, names))
            marks = ", ".join([db.param] * len(names))
            cursor.executemany(
                f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})',
                [tuple(r) for r in data],
            )
