"""`imports.run`: the one way the command line and the import screen write an import (issue
18): the owner PIN, a backup, the import, the audit entry, in that order."""

from __future__ import annotations

import pytest

from olga_loyalty.domain.errors import InvalidInput, Refused
from olga_loyalty.services import imports, safety
from olga_loyalty.services.imports import unsubscribes
from olga_loyalty.storage.db import is_sqlite
from olga_loyalty.storage.models import (
    AuditEntry,
    Consent,
    Customer,
    ImportRun,
    StagedRow,
    database,
)
from tests.conftest import register
from tests.services.test_import_batches import customer_list


def audit() -> list[tuple[str, str, str]]:
    return [
        (e.action, e.detail.split(":")[0], e.staff)
        for e in AuditEntry.select().order_by(AuditEntry.id)
    ]


def backed_up(staff: str) -> list[tuple[str, str, str]]:
    """The backup's audit entry: on SQLite the shop file is copied first; a PostgreSQL
    server has no shop file to copy (safety.backup_meanwhile), so there is none."""
    return [("backup", "import", staff)] if is_sqlite() else []


def test_a_checked_customer_list_is_backed_up_imported_and_audited(shop, tmp_path):
    report = imports.check_file(shop, customer_list(tmp_path, 4))
    progress: list[tuple[int, int]] = []
    result = imports.run(
        shop, report, staff="  Olga \t K ", progress=lambda d, t: progress.append((d, t))
    )
    assert result == imports.ImportResult("customers", "kunden.csv", 4, customers=report)
    assert report.imported == 4 and Customer.select().count() == 4
    # the backup is recorded first, then the protected import, both by the staff named
    assert audit() == backed_up("Olga K") + [("import", "customers from kunden.csv", "Olga K")]
    assert progress[-1] == (8, 8)
    assert (ImportRun.select().count(), StagedRow.select().count()) == (0, 0)


def test_rows_another_till_registered_meanwhile_are_reported_as_refused(shop, tmp_path):
    report = imports.check_file(shop, customer_list(tmp_path, 3))
    register(shop, "Till", "Zwei", phone="0152 10000001")  # row 3's phone, after the check
    result = imports.run(shop, report)
    assert result.written == 2 and result.customers is report
    assert [(n, str(e)) for n, e in report.refused] == [
        (3, "The phone +4915210000001 was registered at another till meanwhile.")
    ]


def test_an_unsubscribe_list_is_imported_by_its_path(shop, tmp_path):
    anna = register(
        shop, "Anna", "Abmelder", email="anna@example.com", consents={"data_processing", "email"}
    )
    file = tmp_path / "abmeldungen.csv"
    file.write_text("E-Mail\nanna@example.com\nfremd@example.com\n", encoding="utf-8")
    result = imports.run(shop, file, staff="Olga")
    assert (result.kind, result.file, result.written) == ("unsubscribes", "abmeldungen.csv", 2)
    assert result.customers is None and result.unsubscribes is not None
    assert (result.unsubscribes.matched, result.unsubscribes.withdrawn) == (1, 1)
    assert imports.is_suppressed("email", "fremd@example.com")
    email = Consent.get((Consent.customer == anna.id) & (Consent.purpose == "email"))
    assert (email.withdrawn_method, email.withdrawn_by) == ("digital", "Olga")
    assert audit() == backed_up("Olga") + [("import", "unsubscribes from abmeldungen.csv", "Olga")]


def test_an_unsubscribe_list_counts_its_reading_as_the_first_third(shop, tmp_path):
    """Each address of an unsubscribe list gets the registration form's check: seconds for a
    big list, which the progress now shows (it stood at 0 % before)."""
    file = tmp_path / "abmeldungen.csv"
    lines = [f"kundin{n}@example.com" for n in range(5000)]
    file.write_text("E-Mail\n" + "\n".join(lines) + "\n", encoding="utf-8")
    progress: list[tuple[int, int]] = []
    imports.run(shop, file, progress=lambda d, t: progress.append((d, t)))
    reading = [done for done, total in progress if done <= 1000]
    assert {total for _, total in progress} == {3000}
    assert reading[:4] == [0, 400, 800, 1000]  # rows 0, 2000 and 4000 of 5001, then all
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert progress[-1] == (3000, 3000)


def test_a_wrong_pin_for_an_unsubscribe_list_is_refused_before_the_file_is_read(
    shop, tmp_path, monkeypatch
):
    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})
    safety.set_pin(shop, "246810")
    file = tmp_path / "abmeldungen.csv"
    file.write_text("E-Mail\nanna@example.com\n", encoding="utf-8")
    read: list[str] = []
    real = unsubscribes.read_table
    monkeypatch.setattr(
        unsubscribes, "read_table", lambda path: read.append(path.name) or real(path)
    )
    with pytest.raises(Refused, match="Wrong PIN"):
        imports.run(shop, file, pin="111111")
    assert read == [] and ImportRun.select().count() == 0
    assert imports.run(shop, file, pin="246810").written == 1 and read == ["abmeldungen.csv"]


def test_a_list_without_a_good_row_writes_nothing_and_asks_no_pin(shop, tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})
    safety.set_pin(shop, "246810")
    register(shop, "Vor0", "Nach0", phone="0152 10000000")
    report = imports.check_file(shop, customer_list(tmp_path, 1))
    assert report.good == []
    before = audit()
    result = imports.run(shop, report)  # no PIN given: none needed, nothing to write
    assert (result.kind, result.written) == ("customers", 0)
    assert audit() == before and Customer.select().count() == 1


def test_a_wrong_pin_is_refused_before_the_backup_and_writes_nothing(shop, tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})
    safety.set_pin(shop, "246810")
    report = imports.check_file(shop, customer_list(tmp_path, 3))
    before = audit()
    with pytest.raises(Refused, match="Wrong PIN"):
        imports.run(shop, report, pin="111111")
    assert audit() == before
    assert (Customer.select().count(), ImportRun.select().count()) == (0, 0)
    assert StagedRow.select().count() == 0
    assert imports.run(shop, report, pin="246810").written == 3


def test_an_unsubscribe_file_without_a_contact_is_refused_before_anything(shop, tmp_path):
    file = tmp_path / "leer.csv"
    file.write_text("Name;Datum\nAnna;2026-01-01\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="No email address or phone number found"):
        imports.run(shop, file)
    assert audit() == [] and ImportRun.select().count() == 0


def synchronous() -> int:
    return database.execute_sql("PRAGMA synchronous").fetchone()[0]


@pytest.mark.sqlite_only
def test_the_batches_commit_without_waiting_for_the_disk_but_the_last_one_does(
    shop, tmp_path, monkeypatch
):
    """Issue 19: one wait for the disk per import, not one per batch; the connection is FULL
    again afterwards, also when the import stops in the middle."""
    monkeypatch.setattr(imports, "PUBLISH_BATCH", 3)
    monkeypatch.setattr(imports, "LONG_BATCH_ROWS", 0)  # each batch its own transaction
    monkeypatch.setattr(imports, "BATCH_PAUSE", 0)
    report = imports.check_file(shop, customer_list(tmp_path, 7))
    publish = imports._publish_batch
    seen = []

    def spy(shop_, run_id, *args):
        seen.append(synchronous())
        return publish(shop_, run_id, *args)

    monkeypatch.setattr(imports, "_publish_batch", spy)
    assert imports.run(shop, report).written == 7
    assert seen == [1, 1, 1, 2]  # three batches NORMAL; the one that ends the run FULL
    assert synchronous() == 2

    def crash(shop_, run_id, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(imports, "_publish_batch", crash)
    with pytest.raises(imports.ImportInterrupted, match="2 rows are still to be written"):
        imports.run(shop, imports.check_file(shop, customer_list(tmp_path, 2, start=50)))
    assert synchronous() == 2
