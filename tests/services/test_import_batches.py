"""Imports write all good rows or none, in short batches (SPEC §7; docs/reliability.md):
staged out of sight, decided in one transaction with the PIN check and the audit entry, then
written batch by batch; an interrupted import is finished or forgotten, never half there."""

from __future__ import annotations

import pytest

from olga_loyalty.domain.errors import Refused, StorageError
from olga_loyalty.services import imports, points, safety
from olga_loyalty.storage.models import AuditEntry, Consent, Customer, ImportRun, StagedRow
from tests.conftest import register
from tests.services.test_imports import write_csv


class Crash(BaseException):
    """The process stops here (as a kill would stop it)."""


HEADER = ["Vorname", "Nachname", "Handy", "E-Mail", "Einwilligung", "Punkte"]


def customer_list(tmp_path, count: int, start: int = 0):
    rows = [
        [f"Vor{n}", f"Nach{n}", f"0152 {10_000_000 + n}", f"k{n}@example.com", "ja", n % 3]
        for n in range(start, start + count)
    ]
    return write_csv(tmp_path / "kunden.csv", HEADER, rows, encoding="utf-8")


def stop_publishing_at(monkeypatch, batch: int, stop: type[BaseException]):
    """Imports write 3 rows a batch, each its own transaction, and `stop` is raised when the
    `batch`-th batch would be written (a kill, Ctrl+C). Returns what puts the writing back."""
    monkeypatch.setattr(imports, "PUBLISH_BATCH", 3)
    monkeypatch.setattr(imports, "LONG_BATCH_ROWS", 0)  # each batch its own transaction
    monkeypatch.setattr(imports, "BATCH_PAUSE", 0)
    publish = imports._publish_batch
    calls = []

    def stopped(*args):
        calls.append(1)
        if len(calls) == batch:
            raise stop
        return publish(*args)

    monkeypatch.setattr(imports, "_publish_batch", stopped)
    return lambda: monkeypatch.setattr(imports, "_publish_batch", publish)


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(imports, "STAGE_BATCH", 4)
    monkeypatch.setattr(imports, "PUBLISH_BATCH", 3)
    monkeypatch.setattr(imports, "LONG_BATCH_ROWS", 0)  # each batch its own transaction
    monkeypatch.setattr(imports, "BATCH_PAUSE", 0)


def counts():
    return (
        Customer.select().count(),
        ImportRun.select().count(),
        StagedRow.select().count(),
        AuditEntry.select().where(AuditEntry.action == "import").count(),
    )


def test_an_import_in_batches_writes_every_row_with_its_consents_and_points(
    shop, tmp_path, small_batches
):
    report = imports.check_file(shop, customer_list(tmp_path, 10))
    progress = []
    assert (
        imports.import_rows(
            shop, report, staff="Olga", progress=lambda d, t: progress.append((d, t))
        )
        == 10
    )
    assert counts() == (10, 0, 0, 1)
    assert progress[-1] == (20, 20) and progress[0] == (4, 20)
    assert [e.detail for e in AuditEntry.select().where(AuditEntry.action == "import")] == [
        "customers from kunden.csv: 10 rows"
    ]
    assert Consent.select().where(Consent.purpose == "data_processing").count() == 10
    c = Customer.get(Customer.phone == "+4915210000005")
    assert (c.first_name, c.registered_by) == ("Vor5", "Olga")
    assert points.ledger.balance(c.id, shop.today()) == 2


def test_a_failure_while_staging_leaves_nothing(shop, tmp_path, small_batches, monkeypatch):
    report = imports.check_file(shop, customer_list(tmp_path, 10))
    staged = imports._stage
    calls = []

    def fail_on_third(run_id, payloads):
        calls.append(len(payloads))
        if len(calls) == 3:
            raise StorageError("The database could not be written: {reason}", reason="disk full")
        return staged(run_id, payloads)

    monkeypatch.setattr(imports, "_stage", fail_on_third)
    with pytest.raises(StorageError, match="disk full"):
        imports.import_rows(shop, report)
    assert counts() == (0, 0, 0, 0)


def test_a_wrong_pin_stops_the_import_before_any_row_is_staged(shop, tmp_path, monkeypatch):
    monkeypatch.setattr(safety, "SCRYPT", {"n": 2**10, "r": 8, "p": 1})
    safety.set_pin(shop, "246810")
    report = imports.check_file(shop, customer_list(tmp_path, 3))
    with pytest.raises(Refused, match="Wrong PIN"):
        imports.import_rows(shop, report, pin="111111")
    assert counts() == (0, 0, 0, 0)
    assert imports.import_rows(shop, report, pin="246810") == 3


def test_an_import_interrupted_after_it_was_decided_is_finished_by_the_daily_run(
    shop, tmp_path, small_batches, monkeypatch
):
    """A crash between two batches: the rows written so far stay, and the next daily run (or
    import) writes the rest, so the end state is all rows, each once."""
    report = imports.check_file(shop, customer_list(tmp_path, 10))
    publish = imports._publish_batch
    calls = []

    def crash_on_third(shop_, run_id, *rows):
        calls.append(run_id)
        if len(calls) == 3:
            raise Crash  # the process stops here
        return publish(shop_, run_id, *rows)

    monkeypatch.setattr(imports, "_publish_batch", crash_on_third)
    with pytest.raises(Crash):
        imports.import_rows(shop, report)
    assert counts() == (6, 1, 4, 1)  # decided and audited; two batches of three written
    monkeypatch.setattr(imports, "_publish_batch", publish)
    points.daily(shop)
    assert counts() == (10, 0, 0, 1)
    assert sorted(c.first_name for c in Customer.select()) == sorted(f"Vor{n}" for n in range(10))


@pytest.mark.parametrize(
    ("interrupt", "raised"),
    [(KeyboardInterrupt, imports.ImportInterrupted), (Crash, Crash)],
)
def test_an_interrupt_right_after_the_decision_keeps_the_decided_import(
    shop, tmp_path, small_batches, monkeypatch, interrupt, raised
):
    """Ctrl+C (or a stop) between the decision's commit and the first batch: the import is
    decided and audited, so it is written by the next process, not dropped with its rows
    (it was dropped, and the audit log said "imported" while nobody was). Ctrl+C says so in
    words (it said "interrupted; nothing more was saved"); the daily run says what it
    finished."""
    report = imports.check_file(shop, customer_list(tmp_path, 10))
    protected = safety.run_protected

    def decided_then_interrupted(*args, **kwargs):
        protected(*args, **kwargs)
        raise interrupt

    monkeypatch.setattr(safety, "run_protected", decided_then_interrupted)
    with pytest.raises(raised) as error:
        imports.import_rows(shop, report)
    if raised is imports.ImportInterrupted:
        assert str(error.value) == (
            "Interrupted after the import was decided: 10 rows are still to be written. "
            "The next import, daily run or start of Olga Loyalty writes them."
        )
    assert counts() == (0, 1, 10, 1)  # decided and audited, nothing written yet
    assert ImportRun.get().state == "ready"
    completed = points.daily(shop).completed
    assert [(c.kind, c.file, c.written, c.in_all) for c in completed] == [
        ("customers", "kunden.csv", 10, 10)
    ]
    assert counts() == (10, 0, 0, 1)
    assert sorted(c.first_name for c in Customer.select()) == sorted(f"Vor{n}" for n in range(10))


def test_ctrl_c_once_every_row_is_written_ends_the_import_as_done(shop, tmp_path, monkeypatch):
    """Ctrl+C (or SIGTERM) after the last row, before the run's own end: it said "0 rows are
    still to be written", exit 1, no report, and left the run behind (a tester, 4 of 4)."""
    report = imports.check_file(shop, customer_list(tmp_path, 10))
    stop_publishing_at(monkeypatch, 5, KeyboardInterrupt)  # 3 + 3 + 3 + 1 rows, then the end
    assert imports.import_rows(shop, report) == 10
    assert counts() == (10, 0, 0, 1)
    assert report.imported == 10


def test_an_import_abandoned_while_staging_is_dropped_later(
    shop, tmp_path, small_batches, monkeypatch
):
    run = imports._new_run(shop, "customers", "halb.csv", "")
    imports._stage(run, ['{"row": 2}'] * 3)
    imports.finish_interrupted(shop)
    assert counts() == (0, 1, 3, 0)  # it may still be running: kept
    now = imports.real_time()
    monkeypatch.setattr(imports, "real_time", lambda: now + imports.STALE_SECONDS + 1)
    imports.finish_interrupted(shop)
    assert counts() == (0, 0, 0, 0)


def test_a_phone_registered_at_another_till_meanwhile_is_left_out_and_reported(
    shop, tmp_path, small_batches
):
    report = imports.check_file(shop, customer_list(tmp_path, 6))
    register(shop, "Schon", "Da", phone="0152 10000004")  # after the check, before the import
    assert imports.import_rows(shop, report) == 5
    assert [(n, str(e)) for n, e in report.refused] == [
        (6, "The phone +4915210000004 was registered at another till meanwhile.")
    ]
    assert Customer.select().count() == 6


def test_unsubscribes_in_batches_and_twice_change_nothing_more(shop, tmp_path, small_batches):
    people = [
        register(
            shop,
            f"U{n}",
            "Ab",
            phone=f"0151 3000 00{n:02d}",
            email=f"u{n}@example.com",
            consents={"data_processing", "email", "sms"},
        )
        for n in range(5)
    ]
    rows = [[f"u{n}@example.com"] for n in range(5)] + [["+49 151 30000003"], ["x@y.org"]]
    path = write_csv(tmp_path / "abmeldungen.csv", ["Kontakt"], rows, encoding="utf-8")
    report = imports.import_unsubscribes(shop, path)
    assert (report.contacts, report.matched, report.unmatched, report.withdrawn) == (7, 6, 1, 6)
    again = imports.import_unsubscribes(shop, path)
    assert (again.matched, again.withdrawn) == (6, 0)
    active = Consent.select().where(
        Consent.withdrawn_at.is_null() & (Consent.purpose != "data_processing")
    )
    assert [(c.customer_id, c.purpose) for c in active] == [
        (p.id, "sms") for p in people if p.id != people[3].id
    ]
    assert counts()[1:] == (0, 0, 2)


def test_a_batched_import_keeps_the_erasure_and_hygiene_rules(shop, tmp_path, small_batches):
    """Issue 13's import rules hold through issue 14's staging and batches: the check (the
    dry run) refuses a row of an erased customer and a row imported before under another
    phone and email, and counts the cells it stripped of control characters; the batches
    write the cleaned values and each new customer's import origin, so the same file again
    imports no one twice."""
    from olga_loyalty.domain.customers import CustomerInput
    from olga_loyalty.services import customers
    from olga_loyalty.storage.models import ImportOrigin

    (tmp_path / "first").mkdir()
    first = customer_list(tmp_path / "first", 2, start=100)  # Vor100 (erased later), Vor101
    imports.import_rows(shop, imports.check_file(shop, first), staff="Olga")
    erased, edited = (customers.find(shop, f"Nach{n}")[0].id for n in (100, 101))
    customers.erase(shop, erased)
    customers.edit(
        shop, edited, CustomerInput(phone="0170 1234567", email="neu@example.org"), staff="Eva"
    )
    rows = [
        ["Vor100", "Nach100", "0152 10000100", "k100@example.com", "ja", 5],
        ["Vor101", "Nach101", "0152 10000101", "k101@example.com", "ja", 5],
        *[[f"Vor{n}\x07", f"Nach{n}", f"0152 {10_000_000 + n}", "", "ja", 1] for n in range(7)],
    ]
    file = write_csv(tmp_path / "wieder.csv", HEADER, rows, encoding="utf-8")
    report = imports.check_file(shop, file)
    assert [(n, str(e)) for n, e in report.refused] == [
        (2, "This person was erased at her request (GDPR Art. 17); the row is not imported."),
        (
            3,
            f"Imported before as customer #{edited} (her phone or email was changed since); "
            "not imported again.",
        ),
    ]
    assert (len(report.good), report.cleaned_cells) == (7, 7)
    assert imports.import_rows(shop, report, staff="Olga") == 7  # three batches of at most 3
    new = Customer.select().where(Customer.first_name.startswith("Vor")).order_by(Customer.id)
    assert [c.first_name for c in new] == ["Vor101", *(f"Vor{n}" for n in range(7))]
    assert ImportOrigin.select().count() == 1 * 2 + 7  # Vor101: phone and email; 7 phones
    again = imports.check_file(shop, file)
    assert again.good == [] and len(again.refused) == 9
    assert counts() == (1 + 1 + 7, 0, 0, 2)  # (erased #1 stays, and is not re-created)
