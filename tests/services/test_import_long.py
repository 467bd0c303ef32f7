"""On SQLite a decided import goes on writing batch after batch in one transaction while no
till is lined up for the write lock (services/imports `_may_go_on`, storage/queue.py
`someone_waiting`), and hands over after the batch it is writing when one lines up (issue 19,
item 3: fewer commits; the tills wait no longer than before)."""

from __future__ import annotations

import threading
import time

import pytest

from olga_loyalty.services import imports, points
from olga_loyalty.services.imports import customer_rows
from olga_loyalty.storage import queue
from olga_loyalty.storage.models import Customer, ImportRun, StagedRow, database
from tests.services.test_import_batches import Crash, counts, customer_list

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def batches_of_three(monkeypatch):
    monkeypatch.setattr(imports, "PUBLISH_BATCH", 3)
    monkeypatch.setattr(imports, "FIRST_BATCH", 3)
    monkeypatch.setattr(imports, "BATCH_PAUSE", 0)


def transactions(monkeypatch) -> list[tuple[int, int]]:
    """Each of the import's writing transactions, as (synchronous setting, rows written)."""
    publish = imports._publish_batch
    seen: list[tuple[int, int]] = []

    def spy(shop_, run_id, *args):
        synchronous = database.execute_sql("PRAGMA synchronous").fetchone()[0]
        result = publish(shop_, run_id, *args)
        seen.append((synchronous, result[1]))
        return result

    monkeypatch.setattr(imports, "_publish_batch", spy)
    return seen


def test_while_no_till_waits_the_batches_go_on_in_one_transaction(
    shop, tmp_path, batches_of_three, monkeypatch
):
    seen = transactions(monkeypatch)
    assert imports.run(shop, imports.check_file(shop, customer_list(tmp_path, 10))).written == 10
    # all ten rows (four batches) in one transaction; the run ends in one of its own, FULL
    assert seen == [(1, 10), (2, 0)]
    assert counts() == (10, 0, 0, 1)


def test_a_transaction_goes_on_up_to_its_limit_of_rows(
    shop, tmp_path, batches_of_three, monkeypatch
):
    monkeypatch.setattr(imports, "LONG_BATCH_ROWS", 6)
    seen = transactions(monkeypatch)
    assert imports.run(shop, imports.check_file(shop, customer_list(tmp_path, 10))).written == 10
    assert seen == [(1, 6), (1, 4), (2, 0)]


def test_a_till_that_lines_up_gets_its_turn_after_the_batch_being_written(
    shop, tmp_path, batches_of_three, monkeypatch
):
    """A till lines up while the first batch is written: the import commits after that batch
    and the till has its turn; while it waits every transaction is one batch; once it has
    had its turn nobody waits and the rest goes in one transaction."""
    file = database.obj.database
    write = customer_rows.write_customers
    till: dict[str, float] = {}

    def till_sells() -> None:
        place = queue.join(file, timeout=10)  # waits: the import holds the turn
        till["turn"] = time.monotonic()
        assert place is not None
        place.leave()

    turn_seen: list[bool] = []  # per batch, under the import's lock: the till had had its turn

    def write_and_let_a_till_line_up(*args):
        turn_seen.append("turn" in till)
        write(*args)
        if "started" not in till:
            till["started"] = time.monotonic()
            threading.Thread(target=till_sells).start()
            deadline = time.monotonic() + 10
            while not queue.someone_waiting(file):
                assert time.monotonic() < deadline
                time.sleep(0.005)

    monkeypatch.setattr(imports, "write_customers", write_and_let_a_till_line_up)
    publish = imports._publish_batch
    seen: list[tuple[bool, int]] = []  # (the till had had its turn, rows written)

    def spy(shop_, run_id, *args):
        first = len(turn_seen)
        result = publish(shop_, run_id, *args)
        seen.append((turn_seen[first] if len(turn_seen) > first else True, result[1]))
        return result

    monkeypatch.setattr(imports, "_publish_batch", spy)
    assert imports.run(shop, imports.check_file(shop, customer_list(tmp_path, 10))).written == 10
    assert "turn" in till  # the till had its turn
    assert seen[0] == (False, 3)  # handed over after the batch it was writing
    while_waiting = [rows for had_turn, rows in seen if not had_turn]
    after = [rows for had_turn, rows in seen if had_turn]
    # (without a pause between batches the importer may begin again before the woken till
    # runs: then that transaction, too, is one batch)
    assert all(rows <= 3 for rows in while_waiting)
    assert after[-1] == 0 and sum(while_waiting) + sum(after) == 10
    if sum(after):  # rows were left when the till had had its turn: one transaction for them
        assert after[:-1] == [10 - sum(while_waiting)]
    assert counts() == (10, 0, 0, 1)


def test_a_crash_inside_a_long_transaction_loses_its_batches_whole_and_they_are_written_later(
    shop, tmp_path, batches_of_three, monkeypatch
):
    write = customer_rows.write_customers
    calls = []

    def crash_in_the_third_batch(*args):
        calls.append(1)
        if len(calls) == 3:
            raise Crash  # the process stops here, two batches into its transaction
        write(*args)

    monkeypatch.setattr(imports, "write_customers", crash_in_the_third_batch)
    report = imports.check_file(shop, customer_list(tmp_path, 10))
    with pytest.raises(Crash):
        imports.import_rows(shop, report)
    # rolled back whole: the run is decided and audited, its ten rows still staged
    assert counts() == (0, 1, 10, 1)
    monkeypatch.setattr(imports, "write_customers", write)
    points.daily(shop)
    assert counts() == (10, 0, 0, 1)
    assert Customer.select().count() == 10
    assert ImportRun.select().count() == 0 and StagedRow.select().count() == 0
