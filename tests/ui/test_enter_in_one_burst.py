"""What is typed and confirmed in one burst (a barcode scanner, a number pad, a paste, a fast
cashier typing ahead: `tmux send-keys "89.90" Enter`) is acted on whole: the counter's
dialogs confirm on a priority Enter, which Textual runs as soon as the app reads it, while
the keys before it may still wait in the field's queue; the search opened nothing, or the
first hit of the first digits (docs/ui.md, "Keys typed in one burst").

`in_one_burst` puts every key in the app's queue before the first is handled, as a terminal
delivers them; Pilot's `press` waits after each key and hides the race."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Digits, Input

from olga_loyalty.services import followups
from olga_loyalty.storage.models import Customer, Feedback, LedgerEntry, Purchase, Refund
from olga_loyalty.ui.screens.card import CardScreen
from olga_loyalty.ui.screens.confirm import Question, TypedConfirm
from olga_loyalty.ui.screens.followups import ApologyScreen, OutcomeScreen
from olga_loyalty.ui.screens.pin import PinScreen
from olga_loyalty.ui.screens.purchase import PurchaseScreen
from olga_loyalty.ui.screens.register import RegisterScreen
from olga_loyalty.ui.screens.search import SearchScreen
from tests.ui.conftest import settle
from tests.ui.test_typed_in_one_burst import in_one_burst

SIZE = (80, 24)
ANNA, BJORN = 1, 2


async def on_her_card(pilot, key: str, customer_id: int = ANNA) -> None:
    """Anna's card, then `key` (p purchase, r refund, a adjust), pressed on its own."""
    await settle(pilot)
    pilot.app.open_card(customer_id)
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)


def purchases_after_the_shops() -> list[tuple[Decimal, int, Decimal, int]]:
    """The purchases saved in the test (the shop holds three): amount, points redeemed,
    paid, points earned."""
    rows = Purchase.select().where(Purchase.id > 3).order_by(Purchase.id)
    return [(p.amount, p.redeemed_points, p.paid, p.earned_points) for p in rows]


def shown(widget) -> str:
    return str(widget.render()).replace("\xa0", " ")


# -- the purchase -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "to_pay"),
    [("en", "89.90", "€89.90"), ("de", "89,90", "89,90 €")],
)
async def test_an_amount_typed_and_confirmed_in_one_burst_is_saved_whole(
    app_factory, language, typed, to_pay
):
    """Before the fix: "Please enter an amount." with 89,90 in the field, nothing saved (a
    burst split otherwise could have saved 8 of 89.90)."""
    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "p")
        await in_one_burst(pilot, typed, "enter")
        screen = app.screen
        assert isinstance(screen, PurchaseScreen)
        assert screen.result is not None  # saved; what to charge stays
        assert screen.query_one("#to-pay", Digits).value.replace("\xa0", " ") == to_pay
        assert [shown(e) for e in screen.query("FieldError")] == ["", "", ""]
    # Anna is Silver (723.45 paid in the 365 days before): 1.5 points per euro
    assert purchases_after_the_shops() == [(Decimal("89.90"), 0, Decimal("89.90"), 134)]


async def test_f4_and_enter_in_the_same_burst_redeem_the_most_points(app_factory):
    """`89,90` F4 Enter: F4 takes the most points for the amount typed before it, Enter saves
    both (a priority Enter ran before the amount was in the field, or before F4's points)."""
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "p")
        await in_one_burst(pilot, "89,90", "f4", "enter")
        assert app.screen.query_one("#to-pay", Digits).value.replace("\xa0", " ") == "61,40 €"
    assert purchases_after_the_shops() == [(Decimal("89.90"), 570, Decimal("61.40"), 92)]


async def test_points_typed_and_confirmed_in_one_burst_are_all_redeemed(app_factory):
    """The points field typed last: before the fix the empty field counted as 0 and the
    purchase was saved without the points she wanted to redeem (she paid 10 € too much)."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "p")
        screen = app.screen
        screen.query_one("#amount", Input).value = "89.90"
        redeem = screen.query_one("#redeem", Input)
        redeem.value = ""
        redeem.focus()
        await settle(pilot)
        await in_one_burst(pilot, "200", "enter")
        assert screen.result is not None
    assert purchases_after_the_shops() == [(Decimal("89.90"), 200, Decimal("79.90"), 119)]


async def test_enter_twice_in_one_burst_saves_one_purchase(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "p")
        await in_one_burst(pilot, "89.90", "enter", "enter")
        assert isinstance(app.screen, PurchaseScreen)
    assert purchases_after_the_shops() == [(Decimal("89.90"), 0, Decimal("89.90"), 134)]


@pytest.mark.parametrize("language", ["en", "de"])
async def test_amount_tab_points_enter_in_one_burst_go_each_to_their_field(app_factory, language):
    """`89` Tab `200` Enter: Textual moved the focus only when Tab came back up from the
    amount, and passed the keys read meanwhile to the amount: 89200 in the amount, and an
    Enter that waited for the keys would have saved 89,200.00."""
    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "p")
        await in_one_burst(pilot, "89", "tab", "2", "0", "0", "enter")
        screen = app.screen
        assert isinstance(screen, PurchaseScreen)
        values = [screen.query_one(f"#{name}", Input).value for name in ("amount", "redeem")]
        assert values == ["89", "200"]
        assert screen.result is not None
    assert purchases_after_the_shops() == [(Decimal("89.00"), 200, Decimal("79.00"), 118)]


async def test_shift_tab_in_a_burst_goes_back_a_field(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "a")
        # back in the points field, its text is chosen (Textual's way): typed over
        await in_one_burst(pilot, "+20", "tab", *"Kulanz", "shift+tab", *"+200", "enter")
        assert isinstance(app.screen, CardScreen)
    adjusted = LedgerEntry.select().where(LedgerEntry.kind == "adjust")
    assert [(e.points, e.reason) for e in adjusted] == [(200, "Kulanz")]


# -- refund and adjustment ------------------------------------------------------------------------


async def test_a_part_refund_typed_and_confirmed_in_one_burst_refunds_that_part(app_factory):
    """Before the fix the field was still empty: "Refund all that is left?" (123.45)."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "r")
        await in_one_burst(pilot, "10", "enter")
        assert isinstance(app.screen, CardScreen)
    assert [(r.purchase_id, r.amount) for r in Refund.select()] == [(2, Decimal("10.00"))]


async def test_enter_twice_on_an_empty_refund_asks_once_and_refunds_nothing(app_factory):
    """The second Enter was meant for the refund dialog, not for the question it opens:
    before the fix it answered "Refund all" at once."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "r")
        await in_one_burst(pilot, "", "enter", "enter")
        assert isinstance(app.screen, Question)
        assert sum(isinstance(s, Question) for s in app.screen_stack) == 1
    assert Refund.select().count() == 0


@pytest.mark.parametrize("language", ["en", "de"])
async def test_points_adjusted_in_one_burst_are_adjusted_whole(app_factory, language):
    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "a")
        app.screen.query_one("#reason", Input).value = "Kulanz"
        await in_one_burst(pilot, "+150", "enter")
        assert isinstance(app.screen, CardScreen)
    adjusted = LedgerEntry.select().where(LedgerEntry.kind == "adjust")
    assert [(e.customer_id, e.points, e.reason) for e in adjusted] == [(ANNA, 150, "Kulanz")]


# -- follow-ups ----------------------------------------------------------------------------------


async def test_an_outcome_and_an_apology_typed_in_one_burst_are_saved_whole(app_factory, ui_shop):
    call = followups.record(ui_shop, ANNA, "call", "Ask about the linen dress", follow_up="0")
    complaint = followups.record(ui_shop, BJORN, "complaint", "Zip broke", follow_up="0")
    items = {item.id: item for item in followups.due(ui_shop)}
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(OutcomeScreen(items[call.id]))
        await settle(pilot)
        await in_one_burst(pilot, "Comes on Friday", "enter")
        assert isinstance(app.screen, SearchScreen)
        app.push_screen(ApologyScreen(items[complaint.id]))
        await settle(pilot)
        app.screen.query_one(Input).value = ""
        await in_one_burst(pilot, "150", "enter")
        assert isinstance(app.screen, SearchScreen)
    assert Feedback.get_by_id(call.id).outcome == "Comes on Friday"
    apology = Feedback.get_by_id(complaint.id).apology_entry
    assert (apology.customer_id, apology.points) == (BJORN, 150)


# -- the dialogs that take Enter through their field (they were right before; kept so) -----------


async def test_a_pin_typed_and_entered_in_one_burst_opens_the_adjustment(app_factory, ui_shop):
    from olga_loyalty.services import safety
    from olga_loyalty.ui.screens.adjust import AdjustScreen

    safety.set_pin(ui_shop, "246810")
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "a")
        assert isinstance(app.screen, PinScreen)
        await in_one_burst(pilot, "246810", "enter")
        assert isinstance(app.screen, AdjustScreen)


async def test_keys_typed_after_the_pin_s_enter_do_not_count_as_a_wrong_pin(app_factory, ui_shop):
    """`246810` Enter `ERASE` Enter (the PIN, then the word the next dialog would ask for):
    the second Enter checked `246810ERASE` while the right PIN was still being checked,
    whose answer was then dropped: "Wrong PIN (2 tries left)", a failure counted towards
    the lock-out, and the action never opened (a tester, 5 of 5)."""
    from olga_loyalty.services import safety
    from olga_loyalty.ui.screens.adjust import AdjustScreen

    safety.set_pin(ui_shop, "246810")
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "a")
        assert isinstance(app.screen, PinScreen)
        await typed_with_enters(pilot, "246810", "ERASE")
        await settle(pilot)
        assert isinstance(app.screen, AdjustScreen)
    from olga_loyalty.services.shop import read_setting

    assert (read_setting("pin_failures") or {}).get("count", 0) == 0


async def test_the_typed_word_and_enter_twice_in_one_burst_erase_once(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "ctrl+delete")
        assert isinstance(app.screen, TypedConfirm)
        await in_one_burst(pilot, "ERASE", "enter", "enter")
        assert isinstance(app.screen, SearchScreen)
        assert len(app.screen_stack) == 2  # the default screen and the search
    assert Customer.get_by_id(ANNA).erased_at is not None
    assert Customer.get_by_id(BJORN).erased_at is None


# -- the search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0160 9876 1234", "Lindqvist", "1234"])
async def test_a_query_typed_and_entered_in_one_burst_opens_its_customer(app_factory, typed):
    """Before the fix Enter found the list of the first keys (or today's list) and opened
    nothing; with another timing it opened the first hit of a partial query."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await in_one_burst(pilot, typed, "enter")
        assert isinstance(app.screen, CardScreen)
        assert app.screen.card.customer.id == BJORN


async def test_enter_opens_the_customer_typed_not_the_one_the_list_still_shows(app_factory):
    """`M` shows Hans Mueller first; `Anna M` typed over it and Enter in one burst open Anna
    (before the fix: Hans, the top hit of the list still on the screen)."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await in_one_burst(pilot, "M")
        assert app.screen.hits[0].last_name == "Mueller"
        app.screen.query_one("#search", Input).select_all()  # as after Esc from a card
        await in_one_burst(pilot, "Anna M", "enter")
        assert isinstance(app.screen, CardScreen)
        assert app.screen.card.customer.id == ANNA


@pytest.mark.parametrize("language", ["en", "de"])
async def test_an_unknown_phone_typed_and_entered_in_one_burst_is_registered(app_factory, language):
    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await in_one_burst(pilot, "0170 5551 2345", "enter")
        assert isinstance(app.screen, RegisterScreen)
        assert app.screen.query_one("#phone", Input).value == "0170 5551 2345"


async def test_the_search_s_enter_ignores_what_is_typed_after_it(app_factory):
    """`5678` Enter `p` (the card, then its purchase, typed ahead): before the fix the Enter
    looked up `5678p` and opened the registration with the surname `5678P`, since Textual ran
    the field's Enter only after the field had taken the `p` (a tester, 3 of 3)."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await in_one_burst(pilot, "5678", "enter", "p")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        assert app.screen.card.customer.id == ANNA


async def test_a_name_typed_and_ctrl_n_in_one_burst_fill_in_the_registration(app_factory):
    """ctrl+n (a priority key: it works in dialogs too) took the name before it was typed."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await in_one_burst(pilot, "Clara Schmidt", "ctrl+n")
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        names = [screen.query_one(f"#{name}", Input).value for name in ("first_name", "last_name")]
        assert names == ["Clara", "Schmidt"]


async def test_a_test_mail_address_typed_and_sent_in_one_burst_is_used_whole(
    app_factory, monkeypatch
):
    from olga_loyalty.services import reminders
    from olga_loyalty.ui.screens.reminders import TestMailDialog

    sent_to: list[str] = []

    def send_test(shop, address):
        sent_to.append(address)
        return "250 OK"

    monkeypatch.setattr(reminders, "send_test", send_test)
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(TestMailDialog())
        await settle(pilot)
        await in_one_burst(pilot, "olga@example.com", "enter")
    assert sent_to == ["olga@example.com"]


async def test_new_customer_from_the_palette_still_opens_the_registration(app_factory):
    """ctrl+n's action waits for the keys before it; chosen in the palette it runs once the
    palette has closed, on the search screen, with the box's text."""
    from tests.ui.conftest import palette_answered

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await in_one_burst(pilot, "Clara Schmidt")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"new", "space", *"customer")
        await palette_answered(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        assert screen.query_one("#last_name", Input).value == "Schmidt"


# -- Enter as "next field" ----------------------------------------------------------------------


async def typed_with_enters(pilot, *texts: str) -> None:
    """Each text typed and followed by Enter, all in one burst (as `tmux send-keys "Berta"
    Enter "Brenner" Enter …`): every key in the app's queue before the first is handled."""
    from textual import events

    from tests.ui.test_typed_in_one_burst import KEY_NAMES

    app = pilot.app
    for text in texts:
        for key, character in [(KEY_NAMES.get(ch, ch), ch) for ch in text] + [("enter", None)]:
            event = events.Key(key, character)
            event.set_sender(app)
            app._driver.send_message(event)
    await settle(pilot)


@pytest.mark.parametrize("language", ["en", "de"])
async def test_a_registration_typed_field_by_field_in_one_burst_fills_each_field(
    app_factory, language
):
    """Before the fix every text landed in the first name, `BertaBrenner0151 2222 3333…`:
    the field moved the focus on only once it had taken the Enter, after the keys behind it."""
    app = app_factory(language)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        screen.query_one("#first_name", Input).focus()
        await settle(pilot)
        await typed_with_enters(
            pilot, "Berta", "Brenner", "0151 2222 3333", "berta@example.org", "1.2.1990", "Stamm"
        )
        values = [
            screen.query_one(f"#{name}", Input).value
            for name in ("first_name", "last_name", "phone", "email", "birthday", "notes")
        ]
        assert values == [
            "Berta", "Brenner", "0151 2222 3333", "berta@example.org", "1.2.1990", "Stamm"
        ]  # fmt: skip
        assert app.focused is screen.query_one("#referred_by", Input)


async def test_enter_in_a_dialog_s_field_still_confirms(app_factory):
    """Only the forms whose Enter means "next field" move on at once: the PIN's, the typed
    word's and the counter's Enter still confirm (the tests above)."""
    from olga_loyalty.ui.typed_keys import tab_moved_the_focus

    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from textual import events

        assert not tab_moved_the_focus(app, events.Key("enter", None))  # the search box


async def keys_in_one_burst(pilot, *keys: str) -> None:
    """Each of `keys` (a key name, or text of printable characters) in the app's queue
    before the first is handled, in this order (see `in_one_burst`)."""
    from textual import events

    from tests.ui.test_typed_in_one_burst import KEY_NAMES

    app = pilot.app
    for key in keys:
        named = key in ("backspace", "delete", "left", "right", "home", "end", "enter")
        for name, character in [(key, None)] if named else [(KEY_NAMES.get(c, c), c) for c in key]:
            event = events.Key(name, character)
            event.set_sender(app)
            app._driver.send_message(event)
    await settle(pilot)


@pytest.mark.parametrize(
    ("keys", "amount"),
    [
        (("89,99", "backspace", "0", "enter"), Decimal("89.90")),
        (("98", "left", "left", "1", "end", ",5", "enter"), Decimal("198.50")),
        (("45", "home", "delete", "7", "enter"), Decimal("75")),
    ],
)
async def test_a_correction_in_the_same_burst_is_made_where_it_was_typed(app_factory, keys, amount):
    """A tester: `"89,99" BSpace "0" Enter` saved 89,99 €: Textual puts a printable key into
    the field when it reads it, but runs Backspace (the field's binding) once the key has come
    back up to the app, so the Backspace deleted the `0` typed after it (`Wagnet` Backspace
    `r` stayed `Wagnet` in the search box too)."""
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await on_her_card(pilot, "p")
        await keys_in_one_burst(pilot, *keys)
        assert isinstance(app.screen, PurchaseScreen) and app.screen.result is not None
    assert [row[0] for row in purchases_after_the_shops()] == [amount]


async def test_a_correction_in_the_search_box_in_the_same_burst(app_factory):
    app = app_factory("de")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await keys_in_one_burst(pilot, "Wagnet", "backspace", "r")
        assert app.screen.query_one("#search", Input).value == "Wagner"
