"""Erasure that stays erased (issue 13, item 4): no free text about her is left, no byte of
her stays in the database files while another connection is open, and neither a restore of
an older backup, a move nor a second import brings her back."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from pathlib import Path

import pytest

from olga_loyalty.cli import main
from olga_loyalty.config import FixedClock
from olga_loyalty.domain.customers import CustomerInput
from olga_loyalty.services import (
    customers,
    erasure,
    followups,
    gdpr,
    imports,
    newsletter,
    points,
    safety,
)
from olga_loyalty.services.shop import open_shop
from olga_loyalty.storage import migrations
from olga_loyalty.storage.db import close_database
from olga_loyalty.storage.models import (
    AuditEntry,
    CustomerChange,
    ErasureJournal,
    Feedback,
    ImportOrigin,
    LedgerEntry,
    Setting,
    Suppression,
)
from tests.conftest import POSTGRES, START, register

sqlite_only = pytest.mark.sqlite_only
#: The migration that brought the shop's secret, the erasure journal and the import origins:
#: a file without it is what an older program wrote.
JOURNAL_MIGRATION = "shop secret, erasure journal, import origins"
#: Back to before the journal: its migration and every later one are undone.
OLDER_THAN_THE_JOURNAL = (
    "DELETE FROM schema_version WHERE version >= "
    "(SELECT version FROM schema_version WHERE name = ?)"
)

#: What identifies her, as the bytes SQLite stores (and the search keys made of them).
TRACES = [
    "Zoraida",
    "zoraida",
    "Quintanilla",
    "quintanilla",
    "zoraida.q@example.com",
    "+4915198765432",
    "23456789151",  # the reversed national digits of the phone search key
    "Kulanz für Zoraida",
    "Ausschlag am Hals",  # a complaint with health details, copied into the apology bonus
    "Größe 36, trägt gern Seide",
    "Mantel umgetauscht",
    "zoraida.old@example.com",
]


def zoraida(shop):
    """A customer with every kind of free text about her."""
    c = register(
        shop,
        "Zoraida",
        "Quintanilla",
        phone="0151 9876 5432",
        email="zoraida.old@example.com",
        birthday="1985-03-02",
        consents=("data_processing", "email", "sms"),
        notes="Größe 36, trägt gern Seide",
    )
    customers.edit(shop, c.id, CustomerInput(email="zoraida.q@example.com"), staff="Eva")
    points.record_purchase(shop, c.id, "250.00", staff="Eva")
    points.adjust(shop, "0151 9876 5432", 50, reason="Kulanz für Zoraida", staff="Olga")
    complaint = followups.record(shop, c.id, "complaint", "Ausschlag am Hals", follow_up="0")
    followups.apologise(shop, complaint.id, 100, staff="Olga")
    call = followups.record(shop, c.id, "call", "Passt der Mantel?", follow_up="1")
    followups.complete(shop, call.id, "Mantel umgetauscht")
    return c


def suppress(kind: str, value: str, now) -> None:
    """A contact on the suppression list, as an unsubscribe import puts it there."""
    Suppression.insert(
        kind=kind, digest=newsletter.digest(kind, value), created_at=now, source="test"
    ).on_conflict_ignore().execute()


def traces_in(*paths: Path) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        data = path.read_bytes() if path.exists() else b""
        found[path.name] = [t for t in TRACES if t.encode() in data]
    return found


def keyed(shop_secret: bytes, kind: str, value: str) -> str:
    plain = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()
    return hmac.new(shop_secret, plain.encode(), hashlib.sha256).hexdigest()


def test_every_free_text_about_her_is_scrubbed_and_journaled(shop, clock):
    c = zoraida(shop)
    safety.audit(shop, "adjust", f"customer #{c.id}: +50 (Kulanz für Zoraida)", "Olga", c.id)
    other = register(shop, "Berta", "Bauer", phone="0160 1112223")
    points.adjust(shop, other.id, 10, reason="Kulanz für Berta")
    clock.advance(hours=1)
    customers.erase(shop, c.id, staff="Olga")

    reasons = [e.reason for e in LedgerEntry.select().where(LedgerEntry.customer == c.id)]
    assert "Kulanz für Zoraida" not in reasons
    assert not any("Ausschlag" in r for r in reasons)
    assert [e.reason for e in LedgerEntry.select().where(LedgerEntry.customer == other.id)] == [
        "welcome bonus",
        "Kulanz für Berta",
    ]
    assert {(f.note, f.outcome) for f in Feedback.select()} == {("", "")}
    assert {(h.old_value, h.new_value) for h in CustomerChange.select()} == {("", "")}
    assert [a.detail for a in AuditEntry.select().where(AuditEntry.customer_id == c.id)] == [
        f"customer #{c.id}"
    ]
    secret = erasure.shop_secret()
    entry = ErasureJournal.get()
    assert (entry.customer_number, entry.erased_at) == (c.id, clock.now())
    assert entry.phone_hash == keyed(secret, "phone", "+4915198765432")
    assert entry.email_hash == keyed(secret, "email", "zoraida.q@example.com")
    assert "+4915198765432" not in json.dumps(dump_database_of_journal(), default=str)


def dump_database_of_journal() -> list:
    return [list(row) for row in ErasureJournal.select().tuples()]


def test_the_audit_log_names_customer_numbers_never_the_reference_as_typed(
    tmp_path, monkeypatch, capsys
):
    db = tmp_path / "cli.db"
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    monkeypatch.chdir(tmp_path)
    add = ["customer", "add", "--first-name", "Zoraida", "--last-name", "Quintanilla"]
    assert main([*add, "--phone", "0151 9876 5432", "--consent-data"]) == 0
    assert main(["adjust", "0151 9876 5432", "+5", "--reason", "Kulanz für Zoraida"]) == 0
    assert main(["export", "customer", "01519876 5432"]) == 0
    capsys.readouterr()
    assert main(["settings", "audit", "--json"]) == 0
    entries = [(e["action"], e["detail"]) for e in json.loads(capsys.readouterr().out)]
    assert entries == [
        ("export", "customer #1"),
        ("adjust", "customer #1: +5 (Kulanz für Zoraida)"),
    ]
    assert main(["erase", "+49 151 98765432", "--yes"]) == 0
    capsys.readouterr()
    assert main(["settings", "audit", "--json"]) == 0
    entries = [(e["action"], e["detail"]) for e in json.loads(capsys.readouterr().out)]
    assert entries == [
        ("erase", "customer #1"),
        ("export", "customer #1"),
        ("adjust", "customer #1"),
    ]
    assert "9876" not in json.dumps(entries)


def test_an_erasure_through_the_protected_entry_point_scrubs_her_audit_rows(
    tmp_path, monkeypatch, capsys
):
    """With an owner PIN, every protected action about her goes through
    `safety.run_protected` (the command line's `protected`, the screens' `app.protected`):
    its audit row is written in the action's own transaction and carries her number, so that
    her erasure, itself a protected action, scrubs them all; another customer's rows stay."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    monkeypatch.chdir(tmp_path)
    add = ["customer", "add", "--first-name", "Zoraida", "--last-name", "Quintanilla"]
    assert main([*add, "--phone", "0151 9876 5432", "--consent-data"]) == 0
    berta = ["customer", "add", "--first-name", "Berta", "--last-name", "Bauer"]
    assert main([*berta, "--phone", "0160 1112223", "--consent-data"]) == 0
    assert main(["settings", "pin", "246810"]) == 0
    pin = ["--pin", "246810"]
    assert main([*pin, "adjust", "0151 9876 5432", "+5", "--reason", "Kulanz für Zoraida"]) == 0
    assert main([*pin, "adjust", "0160 1112223", "+7", "--reason", "Kulanz für Berta"]) == 0
    note = ["--note", "Ausschlag am Hals"]
    assert main(["feedback", "add", "0151 9876 5432", "--kind", "complaint", *note]) == 0
    assert main([*pin, "feedback", "apologise", "1", "--points", "100"]) == 0
    assert main([*pin, "export", "customer", "01519876 5432"]) == 0
    capsys.readouterr()
    assert main(["settings", "audit", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert [(e["action"], e["detail"]) for e in before] == [
        ("export", "customer #1"),
        ("adjust", "customer #1: +100 (apology #1)"),
        ("adjust", "customer #2: +7 (Kulanz für Berta)"),
        ("adjust", "customer #1: +5 (Kulanz für Zoraida)"),
        ("settings", "PIN set"),
    ]
    assert main([*pin, "erase", "+49 151 98765432", "--yes"]) == 0
    assert main(["--pin", "246810", "settings", "set", "point_value", "0.05"]) == 0  # goes on
    close_database()
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT action, detail, customer_id FROM audit_log WHERE action != 'backup' ORDER BY id"
        ).fetchall()
    conn.close()
    assert rows == [
        ("settings", "PIN set", None),
        ("adjust", "customer #1", 1),
        ("adjust", "customer #2: +7 (Kulanz für Berta)", 2),
        ("adjust", "customer #1", 1),
        ("export", "customer #1", 1),
        ("erase", "customer #1", 1),
        ("settings", "set point_value", None),
    ]
    wal = Path(f"{db}-wal")
    assert traces_in(db, wal) == {db.name: [], wal.name: []}


@sqlite_only
def test_no_byte_of_her_stays_in_the_files_while_another_till_is_connected(shop, db_path):
    c = zoraida(shop)
    other_till = sqlite3.connect(db_path)  # the UI, open all day
    assert other_till.execute("SELECT COUNT(*) FROM customer").fetchone() == (1,)
    wal = Path(f"{db_path}-wal")
    before = traces_in(db_path, wal)
    assert set(before[db_path.name]) | set(before[wal.name]) == set(TRACES)  # really there
    customers.erase(shop, c.id)
    assert traces_in(db_path, wal) == {db_path.name: [], wal.name: []}
    assert wal.stat().st_size == 0
    assert other_till.execute("SELECT first_name FROM customer").fetchone() == ("Erased #1",)
    other_till.close()


@sqlite_only
def test_withdrawing_data_consent_erases_just_as_thoroughly(shop, db_path):
    c = zoraida(shop)
    customers.withdraw_consent(shop, c.id, "data_processing", erase_confirmed=True)
    wal = Path(f"{db_path}-wal")
    assert traces_in(db_path, wal) == {db_path.name: [], wal.name: []}


@sqlite_only
def test_a_restore_of_an_older_backup_does_not_bring_her_back(shop, clock, db_path, tmp_path):
    c = zoraida(shop)
    berta = register(shop, "Berta", "Bauer", phone="0160 1112223")
    before_erasure = safety.backup(shop, "manual")
    clock.advance(days=1)
    customers.erase(shop, c.id)
    clock.advance(days=1)
    safety.restore(shop, before_erasure)

    assert customers.find(shop, "quintanilla") == []
    assert customers.find(shop, "0151 9876 5432") == []
    with pytest.raises(Exception, match=f"Customer #{c.id} has been erased"):
        gdpr.access_export(shop, c.id, folder=tmp_path)
    assert [h.id for h in customers.find(shop, "bauer")] == [berta.id]
    entry = ErasureJournal.get()
    assert entry.customer_number == c.id and entry.phone_hash
    audited = AuditEntry.select().where(AuditEntry.customer_id == c.id).order_by(AuditEntry.id)
    assert [(a.action, a.detail) for a in audited][-1] == (
        "erase",
        f"customer #{c.id} (again, after the restore)",
    )
    wal = Path(f"{db_path}-wal")
    assert traces_in(db_path, wal) == {db_path.name: [], wal.name: []}
    # the backup itself still holds her: it ages out by the rotation (docs/exports.md)
    assert "Quintanilla" in traces_in(before_erasure)[before_erasure.name]


@sqlite_only
def test_a_restore_through_the_command_line_checks_the_file_and_keeps_her_erased(
    tmp_path, monkeypatch, capsys
):
    """Both halves of a restore: issue 14's checks (PIN, integrity, schema, shop id) and the
    erasure journal re-applied. An older backup of this shop taken before her erasure is
    restored and she stays erased; a fake backup is refused and the journal, the secret and
    the database stay exactly as they were (no carried-journal file either)."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("OLGA_LOYALTY_DB", str(db))
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    monkeypatch.chdir(tmp_path)
    add = ["customer", "add", "--first-name", "Zoraida", "--last-name", "Quintanilla"]
    assert main([*add, "--phone", "0151 9876 5432", "--consent-data"]) == 0
    berta = ["customer", "add", "--first-name", "Berta", "--last-name", "Bauer"]
    assert main([*berta, "--phone", "0160 1112223", "--consent-data"]) == 0
    assert main(["settings", "pin", "246810"]) == 0
    pin = ["--pin", "246810"]
    assert main([*pin, "adjust", "1", "+5", "--reason", "Kulanz für Zoraida"]) == 0
    capsys.readouterr()
    assert main(["backup", "--json"]) == 0
    old = Path(json.loads(capsys.readouterr().out)["path"])  # taken before her erasure
    assert main([*pin, "erase", "1", "--yes"]) == 0
    close_database()

    def state() -> tuple:
        with sqlite3.connect(db) as conn:
            found = (
                conn.execute("SELECT * FROM erasure_journal").fetchall(),
                conn.execute("SELECT value FROM setting WHERE key = 'shop_secret'").fetchall(),
                conn.execute("SELECT id, first_name, erased_at FROM customer").fetchall(),
            )
        conn.close()
        return found

    erased = state()
    assert [row[0] for row in erased[0]] == [1]
    fake = tmp_path / "fake.db"
    with sqlite3.connect(fake) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER)")
        conn.execute("INSERT INTO schema_version VALUES (7)")
    conn.close()
    capsys.readouterr()
    assert main([*pin, "restore", str(fake)]) == 2
    assert "not a complete Olga Loyalty backup" in capsys.readouterr().err
    assert state() == erased
    assert not Path(f"{db}.restore-journal").exists()

    assert main([*pin, "restore", str(old)]) == 0
    capsys.readouterr()
    assert main(["find", "quintanilla"]) == 1  # not found (issue 15: find exits 1)
    assert capsys.readouterr().err == "error: No customer matches 'quintanilla'.\n"
    assert main(["find", "bauer"]) == 0
    close_database()
    journal, secret, people = state()
    assert (journal, secret) == (erased[0], erased[1])
    assert [(cid, name, at is not None) for cid, name, at in people] == [
        (1, "Erased #1", True),
        (2, "Berta", False),
    ]
    wal = Path(f"{db}-wal")
    assert traces_in(db, wal) == {db.name: [], wal.name: []}


@sqlite_only
def test_another_shops_backup_keeps_its_own_journal(shop, clock, db_path, tmp_path):
    """Another shop's backup (restored with --other-shop) brings its own customers, secret
    and journal; this shop's journal names this shop's customers by number, which there
    would be other people, so it is not applied to them (docs/reliability.md)."""
    c = zoraida(shop)
    theirs = safety.backup(shop, "manual")
    with sqlite3.connect(theirs) as conn:
        conn.execute("UPDATE setting SET value = ? WHERE key = 'shop_id'", (json.dumps("f" * 32),))
        conn.execute(
            "UPDATE setting SET value = ? WHERE key = 'shop_secret'", (json.dumps("ab" * 32),)
        )
        conn.execute("UPDATE customer SET first_name = 'Fremde' WHERE id = ?", (c.id,))
    conn.close()
    customers.erase(shop, c.id)  # this shop's customer #1
    with pytest.raises(Exception, match="is a backup of another shop"):
        safety.restore(shop, theirs)
    assert ErasureJournal.select().count() == 1
    safety.restore(shop, theirs, other_shop=True)
    assert [h.first_name for h in customers.find(shop, "quintanilla")] == ["Fremde"]
    assert ErasureJournal.select().count() == 0
    assert erasure.shop_secret() == bytes.fromhex("ab" * 32)
    assert not Path(f"{db_path}.restore-journal").exists()


@sqlite_only
def test_a_restore_cut_short_by_a_crash_is_finished_at_the_next_start(shop, clock, db_path):
    from olga_loyalty.storage import backup as backups

    c = zoraida(shop)
    old = safety.backup(shop, "manual")
    customers.erase(shop, c.id)
    erasure.journal_before_restore()  # what restore does first; then the file is replaced
    backups.restore_into(db_path, old)  # ... and the power goes before the journal is back
    carry = Path(f"{db_path}.restore-journal")
    assert carry.exists() and oct(carry.stat().st_mode & 0o777) == "0o600"
    assert "+4915198765432" not in carry.read_text()  # numbers, times and keyed hashes only
    close_database()
    shop = open_shop(str(db_path), clock)  # the next start
    assert customers.find(shop, "quintanilla") == []
    assert not carry.exists()
    wal = Path(f"{db_path}-wal")
    assert traces_in(db_path, wal) == {db_path.name: [], wal.name: []}


@sqlite_only
def test_a_backup_from_before_the_journal_gets_the_shops_secret(shop, clock, db_path):
    """A backup made before the erasure journal's migration has no secret and no journal: it gets this shop's
    secret before it is migrated, so its suppression list and the journal agree."""
    c = zoraida(shop)
    suppress("email", "gone@example.com", shop.now())
    old = safety.backup(shop, "manual")
    with sqlite3.connect(old) as conn:  # as a program before the journal wrote it
        conn.execute(OLDER_THAN_THE_JOURNAL, (JOURNAL_MIGRATION,))
        conn.execute("DELETE FROM setting WHERE key = 'shop_secret'")
        conn.execute("DROP TABLE erasure_journal")
        conn.execute("DROP TABLE import_origin")
        conn.execute("DROP INDEX audit_log_customer_id")
        conn.execute("ALTER TABLE audit_log DROP COLUMN customer_id")
        plain = hashlib.sha256(b"email:gone@example.com").hexdigest()
        conn.execute("UPDATE suppression SET digest = ?", (plain,))
    secret = erasure.shop_secret()
    customers.erase(shop, c.id)
    safety.restore(shop, old)
    assert erasure.shop_secret() == secret
    assert Setting.get(Setting.key == "shop_secret").value == json.dumps(secret.hex())
    assert imports.is_suppressed("email", "gone@example.com")
    assert customers.find(shop, "quintanilla") == []
    assert migrations.current_version() == migrations.LATEST


def write_list(path: Path, rows: list[str]) -> Path:
    path.write_text(
        "Vorname;Nachname;Handy;E-Mail;Punkte;Einwilligung;Newsletter\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return path


def test_an_import_never_brings_an_erased_customer_back(shop, tmp_path):
    file = write_list(
        tmp_path / "kunden.csv",
        [
            "Zoraida;Quintanilla;0151 9876 5432;zoraida.q@example.com;300;ja;ja",
            "Berta;Bauer;0160 1112223;berta@example.com;100;ja;ja",
        ],
    )
    report = imports.check_file(shop, file)
    imports.import_rows(shop, report, staff="Olga")
    assert report.imported == 2
    zoraida_id = customers.find(shop, "quintanilla")[0].id
    customers.erase(shop, zoraida_id)
    again = imports.check_file(shop, file)
    assert [(n, str(e)) for n, e in again.refused] == [
        (2, "This person was erased at her request (GDPR Art. 17); the row is not imported."),
        (3, "The phone +491601112223 is already registered."),
    ]
    assert again.good == []
    # by her email alone, too (a new phone in the new list)
    other = write_list(
        tmp_path / "neu.csv", ["Zoraida;Q.;0170 5556667;Zoraida.Q@example.com;300;ja;ja"]
    )
    assert [str(e) for _, e in imports.check_file(shop, other).refused] == [
        "This person was erased at her request (GDPR Art. 17); the row is not imported."
    ]


def test_a_second_import_after_an_edit_finds_her_by_her_import_origin(shop, tmp_path):
    file = write_list(
        tmp_path / "kunden.csv",
        ["Zoraida;Quintanilla;0151 9876 5432;zoraida.q@example.com;300;ja;ja"],
    )
    imports.import_rows(shop, imports.check_file(shop, file), staff="Olga")
    cid = customers.find(shop, "quintanilla")[0].id
    assert ImportOrigin.select().count() == 2
    customers.edit(
        shop, cid, CustomerInput(phone="0170 1234567", email="zq@example.org"), staff="Eva"
    )
    again = imports.check_file(shop, file)
    assert [(n, str(e)) for n, e in again.refused] == [
        (
            2,
            f"Imported before as customer #{cid} (her phone or email was changed since); "
            "not imported again.",
        )
    ]
    opening = LedgerEntry.select().where(LedgerEntry.kind == "opening")
    assert [(e.customer_id, e.points) for e in opening] == [(cid, 300)]


def test_the_suppression_list_is_keyed_and_old_rows_are_rekeyed(tmp_path):
    clock = FixedClock(START)
    path = tmp_path / "old.db"
    shop = open_shop(str(path), clock)
    suppress("email", "anna@example.com", shop.now())
    secret = erasure.shop_secret()
    stored = Suppression.get().digest
    guess = hashlib.sha256(b"email:anna@example.com").hexdigest()
    assert stored != guess  # a guess cannot be confirmed without the shop's secret
    assert stored == hmac.new(secret, guess.encode(), hashlib.sha256).hexdigest()
    close_database()
    if POSTGRES:
        return
    with sqlite3.connect(path) as conn:  # back to before the journal: unkeyed digests, no secret
        conn.execute(OLDER_THAN_THE_JOURNAL, (JOURNAL_MIGRATION,))
        conn.execute("DELETE FROM setting WHERE key = 'shop_secret'")
        conn.execute("DROP TABLE erasure_journal")
        conn.execute("DROP TABLE import_origin")
        conn.execute("UPDATE suppression SET digest = ?", (guess,))
    shop = open_shop(str(path), clock)
    new_secret = erasure.shop_secret()
    assert new_secret != secret
    assert Suppression.get().digest == hmac.new(new_secret, guess.encode(), "sha256").hexdigest()
    assert imports.is_suppressed("email", "anna@example.com")
    close_database()


def test_the_journal_migration_scrubs_what_earlier_erasures_left(tmp_path):
    """A shop from before the journal: an erasure then left the adjustment reason and the audit detail
    with the phone as typed. The erasure journal's migration journals her and scrubs both."""
    if POSTGRES:
        pytest.skip("builds an older SQLite file")
    clock = FixedClock(START)
    path = tmp_path / "v7.db"
    shop = open_shop(str(path), clock)
    anna = register(shop, "Anna", "Muster", phone="0151 1234 5678")
    berta = register(shop, "Berta", "Bauer", phone="0160 1112223")
    points.adjust(shop, anna.id, 5, reason="Kulanz für Anna")
    customers.erase(shop, anna.id)
    close_database()
    with sqlite3.connect(path) as conn:
        conn.execute(OLDER_THAN_THE_JOURNAL, (JOURNAL_MIGRATION,))
        conn.execute("DELETE FROM setting WHERE key = 'shop_secret'")
        conn.execute("DROP TABLE erasure_journal")
        conn.execute("DROP TABLE import_origin")
        conn.execute("UPDATE ledger_entry SET reason = 'Kulanz für Anna' WHERE kind = 'adjust'")
        conn.execute("DELETE FROM audit_log")
        conn.executemany(
            "INSERT INTO audit_log (at, staff, action, detail) VALUES ('2026-01-10', '', ?, ?)",
            [
                ("adjust", "customer 0151 1234 5678: +5 (Kulanz für Anna)"),
                ("erase", "customer 0151 1234 5678"),
                ("adjust", "customer 0160 1112223: +7 (Kulanz für Berta)"),
                ("export", f"customer {berta.id}"),
            ],
        )
    shop = open_shop(str(path), clock)
    assert [e.reason for e in LedgerEntry.select().where(LedgerEntry.kind == "adjust")] == [""]
    assert [(a.detail, a.customer_id) for a in AuditEntry.select().order_by(AuditEntry.id)] == [
        ("customer (not on record): +5", None),
        ("customer (not on record)", None),
        (f"customer #{berta.id}: +7 (Kulanz für Berta)", berta.id),
        (f"customer #{berta.id}", berta.id),
    ]
    assert [e.customer_number for e in ErasureJournal.select()] == [anna.id]
    close_database()
