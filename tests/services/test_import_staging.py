"""How a decided customer import is staged and written (issue 19, item 3): a checked row is
staged as a JSON list, a run staged by an older version (JSON objects) is still written the
same, and on SQLite the batches fold the log into the database every 64 MB, not at every
commit."""

from __future__ import annotations

import json
from datetime import date

import pytest

from olga_loyalty.domain.customers import CustomerFields
from olga_loyalty.services import imports, points
from olga_loyalty.services.imports import customer_rows
from olga_loyalty.storage.models import (
    Consent,
    Customer,
    ImportOrigin,
    ImportRun,
    StagedRow,
    database,
)
from olga_loyalty.storage.search import search_columns
from tests.services.test_import_batches import customer_list


def old_payload(row: imports.ImportRow, with_search: bool = True) -> str:
    """A checked row as the versions before issue 19's item 3 staged it (a JSON object; the
    oldest without its search columns)."""
    d = row.data
    values = {
        "row": row.row,
        "first_name": d.first_name,
        "last_name": d.last_name,
        "phone": d.phone,
        "email": d.email or "",
        "salutation": d.salutation or "",
        "birthday": d.birthday.isoformat() if isinstance(d.birthday, date) else None,
        "notes": d.notes or "",
        "consents": sorted(row.consents),
        "consented_on": row.consented_on.isoformat() if row.consented_on else None,
        "points": row.points,
        "digests": row.digests,
    }
    if with_search:
        values["search"] = row.search
    return json.dumps(values, ensure_ascii=False)


def written(shop) -> list[tuple]:
    """Every customer as written: her data, search keys, consents, import origins, balance."""
    return [
        (
            c.first_name,
            c.last_name,
            c.phone,
            c.email,
            c.birthday,
            c.registered_by,
            c.first_key,
            c.first_key_de,
            c.last_key,
            c.last_key_de,
            c.phone_rev,
            c.email_key,
            c.birthday_md,
            sorted(
                (k.purpose, k.method, k.recorded_by, k.source)
                for k in Consent.select().where(Consent.customer == c.id)
            ),
            sorted(o.digest for o in ImportOrigin.select().where(ImportOrigin.customer == c.id)),
            points.ledger.balance(c.id, shop.today()),
        )
        for c in Customer.select().order_by(Customer.phone)
    ]


def test_the_search_keys_staged_are_those_of_a_customer_row():
    fields = CustomerFields("Ä", "Ö", "+4915112345678", "A@B.DE", "", date(1980, 12, 24), "")
    assert tuple(search_columns(fields)) == customer_rows.SEARCH_KEYS


def test_a_checked_row_is_staged_as_a_list_in_the_order_of_staged(shop, tmp_path):
    report = imports.check_file(shop, customer_list(tmp_path, 1))
    row = report.good[0]
    value = json.loads(customer_rows.payload(row))
    staged = customer_rows.staged(value)
    assert isinstance(value, list) and len(value) == len(customer_rows.Staged._fields)
    assert (staged.row, staged.first_name, staged.phone, staged.email, staged.points) == (
        2,
        "Vor0",
        "+4915210000000",
        "k0@example.com",
        0,
    )
    assert staged.consents == ["data_processing"]  # the file has a consent column only
    assert staged.search == [row.search[key] for key in customer_rows.SEARCH_KEYS]
    assert staged.digests == row.digests and len(row.digests) == 2


@pytest.mark.parametrize(
    "stage",
    [
        customer_rows.payload,
        old_payload,
        lambda row: old_payload(row, with_search=False),
    ],
    ids=["list", "object", "object-without-search"],
)
def test_a_decided_run_is_written_whether_staged_as_a_list_or_by_an_older_version(
    shop, tmp_path, stage
):
    """A crash left a decided run: staged by this version (lists) or an older one (JSON
    objects, before issue 19; the oldest without search columns), it is finished with each
    row's data, search keys, consents, import origins and opening balance."""
    report = imports.check_file(shop, customer_list(tmp_path, 5))
    run_id = imports._new_run(shop, "customers", report.file, "Olga")
    imports._stage(run_id, [stage(row) for row in report.good])
    ImportRun.update(state="ready").where(ImportRun.id == run_id).execute()
    assert imports.finish_interrupted(shop) == [imports.Completed("customers", "kunden.csv", 5, 5)]
    assert written(shop) == [
        (
            f"Vor{n}",
            f"Nach{n}",
            f"+491521000000{n}",
            f"k{n}@example.com",
            None,
            "Olga",
            f"vor{n}",
            f"vor{n}",
            f"nach{n}",
            f"nach{n}",
            f"{n}0000001251",  # the national number reversed
            f"k{n}@example.com",
            None,
            [("data_processing", "paper_signed", "Olga", f"import kunden.csv row {n + 2}")],
            sorted(report.good[n].digests),
            n % 3,
        )
        for n in range(5)
    ]
    assert (ImportRun.select().count(), StagedRow.select().count()) == (0, 0)


def wal_autocheckpoint() -> int:
    return database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]


@pytest.mark.sqlite_only
def test_the_batches_fold_the_log_in_every_64_mb_and_the_setting_is_restored(
    shop, tmp_path, monkeypatch
):
    monkeypatch.setattr(imports, "PUBLISH_BATCH", 3)
    monkeypatch.setattr(imports, "LONG_BATCH_ROWS", 0)  # each batch its own transaction
    monkeypatch.setattr(imports, "BATCH_PAUSE", 0)
    publish = imports._publish_batch
    seen = []

    def spy(shop_, run_id, *args):
        seen.append(wal_autocheckpoint())
        return publish(shop_, run_id, *args)

    monkeypatch.setattr(imports, "_publish_batch", spy)
    before = wal_autocheckpoint()
    assert before == 1000  # SQLite's default
    assert imports.run(shop, imports.check_file(shop, customer_list(tmp_path, 7))).written == 7
    assert seen == [imports.IMPORT_WAL_PAGES] * 4 and imports.IMPORT_WAL_PAGES == 16384
    assert wal_autocheckpoint() == before

    def crash(shop_, run_id, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(imports, "_publish_batch", crash)
    with pytest.raises(imports.ImportInterrupted, match="2 rows are still to be written"):
        imports.run(shop, imports.check_file(shop, customer_list(tmp_path, 2, start=50)))
    assert wal_autocheckpoint() == before
