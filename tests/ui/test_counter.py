"""Issue 15: the counter story in five keys besides what is typed, and nothing done by
accident (Pilot tests that press like the person at the till)."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import DataTable, Digits, Input, Label, OptionList, Static

from olga_loyalty.storage import ledger
from olga_loyalty.storage.models import Consent, Customer, LedgerEntry, Purchase, Refund
from olga_loyalty.ui.screens.card import CardScreen
from olga_loyalty.ui.screens.confirm import Question
from olga_loyalty.ui.screens.consents import ConsentChangeScreen, ConsentsScreen
from olga_loyalty.ui.screens.purchase import PurchaseScreen
from olga_loyalty.ui.screens.refund import RefundScreen
from olga_loyalty.ui.screens.register import EditScreen, RegisterScreen
from olga_loyalty.ui.screens.search import SearchScreen
from tests.ui.conftest import settle

SIZE = (80, 24)


def text_of(widget) -> str:
    return str(widget.render())


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[ch if ch != " " else "space" for ch in text])


def anna() -> Customer:
    return Customer.get(Customer.last_name == "Müller")


async def test_the_counter_story_takes_five_keys_and_shows_what_to_charge(app_factory, ui_shop):
    """`5678` Enter `p` `89,90` F4 Enter Enter: five keys besides the digits and the amount;
    what to charge stays in big figures after saving; then an empty search box."""
    app = app_factory("de")
    keys: list[str] = []

    async with app.run_test(size=SIZE) as pilot:

        async def press(key: str) -> None:
            keys.append(key)
            await pilot.press(key)
            await settle(pilot)

        await settle(pilot)
        await type_text(pilot, "5678")  # the last four digits of Anna's phone
        await settle(pilot)
        await press("enter")
        assert isinstance(app.screen, CardScreen)
        await press("p")
        assert isinstance(app.screen, PurchaseScreen)
        # an amount as it is typed and shown: with its cents (was `z. B. 89,9`)
        assert app.screen.query_one("#amount", Input).placeholder == "z. B. 89,90"
        await type_text(pilot, "89,90")
        await settle(pilot)
        assert app.screen.query_one("#to-pay", Digits).value == "89,90\xa0€"
        await press("f4")  # from the amount field: the most points allowed, her 570
        assert app.screen.query_one("#redeem", Input).value == "570"
        assert app.screen.query_one("#to-pay", Digits).value == "61,40\xa0€"
        await press("enter")  # saved; the dialog stays with what to charge
        assert isinstance(app.screen, PurchaseScreen)
        assert app.screen.query_one("#to-pay", Digits).value == "61,40\xa0€"
        shown = text_of(app.screen.query_one("#preview", Static)).replace("\xa0", " ")
        assert "Zu zahlen: 61,40 € · 570 Punkte eingelöst · 92 Punkte gesammelt" in shown
        assert "Neuer Punktestand: 92 Punkte" in shown
        assert "Enter: nächste Kundin · Esc: zurück zur Karte" in shown
        await press("enter")  # the next customer
        assert isinstance(app.screen, SearchScreen)
        box = app.screen.query_one("#search", Input)
        assert box.value == ""
        assert app.focused is box
        status = text_of(app.screen.query_one("#status", Label)).replace("\xa0", " ")
        assert status == "Letzter Einkauf: Anna Müller · zu zahlen 61,40 €"
        await type_text(pilot, "1234")  # the next customer's digits, not 56781234
        await settle(pilot)
        assert box.value == "1234"

    assert keys == ["enter", "p", "f4", "enter", "enter"]
    purchase = Purchase.select().order_by(Purchase.id.desc()).get()
    assert (purchase.amount, purchase.redeemed_points, purchase.paid) == (
        Decimal("89.90"),
        570,
        Decimal("61.40"),
    )
    assert purchase.earned_points == 92
    assert ledger.balance(anna().id, ui_shop.today()) == 92


async def test_enter_on_an_empty_search_opens_nothing(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count > 0  # today's list is there
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert len(app.screen_stack) == 2
        # ↓ chooses the top row of the list; then Enter opens it
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)


async def test_one_redemption_is_one_history_line_with_its_lots_in_the_detail(app_factory):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(anna().id)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await type_text(pilot, "89,90")
        await pilot.press("f4", "enter")
        await settle(pilot)
        await pilot.press("escape")  # back to the card
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        table = app.screen.query_one("#history", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)[1:3]] for i in range(3)]
        # one line for the redemption, not one per lot
        assert rows == [["Einkauf", ""], ["Punkte gesammelt", "+92"], ["Punkte eingelöst", "-570"]]
        table.move_cursor(row=2)
        await settle(pilot)
        detail = text_of(app.screen.query_one("#detail", Static))
        assert detail == (
            "23.11.2026 10:00 · Punkte eingelöst · -570 Punkte · #4 — aus 2 Losen: "
            "-400 gültig bis 10.03.2027; -170 gültig bis 01.09.2027"
        )
    # the ledger still holds one entry per lot (the books are unchanged)
    redeemed = LedgerEntry.select().where(
        (LedgerEntry.customer == anna().id) & (LedgerEntry.kind == "redeem")
    )
    assert sorted(e.points for e in redeemed) == [-400, -200, -170]


async def test_keys_pressed_while_a_dialog_closes_are_not_passed_to_the_card(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(anna().id)
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "10")
        await pilot.press("tab")
        await type_text(pilot, "Goodwill")
        app.key_guard = 30.0  # a slow machine: the guard lasts until the test lifts it
        await pilot.press("enter")
        await settle(pilot)  # saved: the dialog closed on its own
        assert isinstance(app.screen, CardScreen)
        await pilot.press("e")  # meant for the dialog that was there a moment ago
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        app.keys_quiet_until = 0.0  # the moment is over
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)


# -- nothing by accident -----------------------------------------------------------------


async def open_refund(pilot, app) -> None:
    await settle(pilot)
    app.open_card(anna().id)
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(app.screen, RefundScreen)


async def test_refund_keeps_the_typed_digits_and_refunds_exactly_them(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_refund(pilot, app)
        await type_text(pilot, "60")
        await pilot.press("tab", "down", "up")  # the list never takes the typed digits
        await type_text(pilot, ",00")
        await settle(pilot)
        assert app.screen.query_one("#amount", Input).value == "60,00"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
    refund = Refund.get()
    assert (refund.purchase_id, refund.amount) == (
        Purchase.get(Purchase.amount == Decimal("123.45")).id,
        Decimal("60.00"),
    )


async def test_refund_asks_once_before_all_that_is_left_and_lists_only_what_is_left(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_refund(pilot, app)
        assert app.screen.query_one(DataTable).row_count == 2
        await pilot.press("enter")  # the field empty: all that is left, asked first
        await settle(pilot)
        assert isinstance(app.screen, Question)
        assert "€123.45" in text_of(app.screen.query_one(Static))
        await pilot.press("escape")  # no
        await settle(pilot)
        assert isinstance(app.screen, RefundScreen)
        assert Refund.select().count() == 0
        await type_text(pilot, "123,45")  # all of it typed: asked too
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, Question)
        await pilot.press("enter")  # yes
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert [r.amount for r in Refund.select()] == [Decimal("123.45")]
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1  # the refunded purchase is not offered again
        assert str(table.get_row_at(0)[2]) == "€600.00"


async def test_refund_of_more_than_is_left_is_refused_in_words(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_refund(pilot, app)
        await type_text(pilot, "200")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RefundScreen)
        assert app.screen.query_one("#amount", Input).value == "200"
    assert Refund.select().count() == 0


async def test_esc_on_a_form_with_typed_data_asks_discard(app_factory):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await type_text(pilot, "Eva")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, Question)
        assert app.screen.query_one("#question-dialog").border_title == "Verwerfen?"
        await pilot.press("escape")  # go on typing: what was typed is still there
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert "Eva" in [box.value for box in app.screen.query(Input)]
        await pilot.press("escape", "enter")  # discard
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
    assert Customer.select().count() == 3


async def test_esc_on_the_purchase_form_with_an_amount_asks_discard(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(anna().id)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await type_text(pilot, "12")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, Question)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#amount", Input).value == "12"
    assert Purchase.select().count() == 3


async def open_consents(pilot, app) -> None:
    await settle(pilot)
    app.open_card(anna().id)
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(app.screen, ConsentsScreen)


async def test_withdrawing_a_consent_asks_how_and_confirms_in_words(app_factory):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await open_consents(pilot, app)
        await pilot.press("down", "w")  # the email newsletter
        await settle(pilot)
        assert isinstance(app.screen, ConsentChangeScreen)
        methods = app.screen.query_one(OptionList)
        assert methods.highlighted is None  # nothing chosen in advance
        await pilot.press("enter")  # Enter with nothing chosen withdraws nothing
        await settle(pilot)
        assert isinstance(app.screen, ConsentChangeScreen)
        assert Consent.select().where(Consent.purpose == "email").count() == 1
        await pilot.press("down", "down", "enter")  # "Said at the till"
        await settle(pilot)
        assert isinstance(app.screen, ConsentsScreen)
        messages = [n.message for n in app._notifications]
        assert messages == [
            "Anna Müller: Einwilligung widerrufen, E-Mail-Newsletter "
            "(Mündlich an der Kasse, 23.11.2026)."
        ]
    (row,) = Consent.select().where(Consent.purpose == "email")
    assert (row.method, row.withdrawn_method) == ("verbal", "verbal")
    assert row.withdrawn_at is not None


async def test_erasure_by_withdrawal_ends_on_an_empty_search_with_one_message(app_factory):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "5678")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("w")  # data processing: erasing her
        await settle(pilot)
        assert isinstance(app.screen, ConsentChangeScreen)
        await pilot.press("down", "enter")
        await type_text(pilot, "LÖSCHEN")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_one("#search", Input).value == ""
        assert [n.message for n in app._notifications] == ["Die Kundin wurde gelöscht."]
        assert "5678" not in text_of(app.screen.query_one("#status", Label))
    assert Customer.select().where(Customer.last_name == "Müller").count() == 0


async def her_purchase_form(pilot) -> Customer:
    """Anna's card, then `p`: her purchase form, as a till opens it."""
    her = anna()
    await settle(pilot)
    pilot.app.open_card(her.id)
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    return her


async def test_a_customer_erased_at_another_till_leaves_this_till_s_screen(app_factory, ui_shop):
    """A tester (two tills): her purchase form open here, she was erased there; Enter said
    "No customer found for '1'", a number nobody had typed, and after Esc her card still
    showed her name, phone, email and birthday, and `e` opened them for editing."""
    from olga_loyalty.services import customers

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        her = await her_purchase_form(pilot)
        await type_text(pilot, "45.50")
        customers.erase(ui_shop, her.id)  # at the other till
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen) and app.screen.result is None
        said = [text_of(e) for e in app.screen.query("FieldError") if text_of(e)]
        assert said == [f"Customer #{her.id} has been erased; nothing was saved."]
        await pilot.press("escape")  # Discard? the amount typed
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)  # her card closed on its own
        status = text_of(app.screen.query_one("#status", Label))
        assert status == f"Customer #{her.id} has been erased: her personal data is gone."
        assert "Müller" not in "\n".join(str(w.render()) for w in app.screen.query(Static))
    assert Purchase.select().count() == 3


async def test_points_spent_at_another_till_meanwhile_update_the_form_s_f4(app_factory, ui_shop):
    """A tester (two tills): both opened her purchase with F4; the other till saved first.
    Here Enter was refused ("535 asked, the balance is 146") but F4 still offered 535 and
    the form still said balance 535, so every Enter was refused again."""
    from olga_loyalty.services import points

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        her = await her_purchase_form(pilot)
        await type_text(pilot, "100")
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#redeem", Input).value == "570"
        points.record_purchase(ui_shop, her.id, "100", redeem=500, staff="Eva")  # the other
        await pilot.press("enter")
        await settle(pilot)
        said = [text_of(e) for e in app.screen.query("FieldError") if text_of(e)]
        assert said == ["Not enough points: 570 asked, the balance is 182."]
        assert "(balance 182 points)" in text_of(app.screen.query_one("#redeem-label", Label))
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#redeem", Input).value == "182"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.result is not None and app.screen.result.plan.redeemed_points == 182
