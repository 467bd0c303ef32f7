"""Reports (F6): key figures, monthly charts, and the lists to act on (SPEC §11, issue 8).

The report is computed in a worker; `+`/`-` change the number of months. On the lists tab,
1–4 choose a list and `x` exports it as the matching newsletter segment (email).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_symbol
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Label, TabbedContent, TabPane

from olga_loyalty.domain.customers import phone_for_display
from olga_loyalty.i18n import N_
from olga_loyalty.services import newsletter, reports
from olga_loyalty.ui.base import BaseScreen
from olga_loyalty.ui.chart import BarChart, Series
from olga_loyalty.ui.text import plain
from olga_loyalty.ui.workers import DbResult, failure_of, result_of


class ExportedResult(DbResult[Any]):
    """What the worker of `exported` found or did."""


class ReportResult(DbResult[Any]):
    """What the worker of `report` found or did."""


#: The lists, the newsletter segment each one is, and the heading of its detail column.
LIST_LABELS = {
    "lapsed": "No purchase for 90+ days",
    "birthdays": "Birthdays this month",
    "expiring": "Points expiring in 30 days",
    "top": "Top 20 % by revenue",
}
DETAIL_NAMES = {
    "lapsed": "Last visit",
    "birthdays": "Birthday",
    "expiring": "Points · soonest",
    "top": "Revenue",
}
ORDER = ["lapsed", "birthdays", "expiring", "top"]
LIST_NAMES = {
    "lapsed": "Lapsed",
    "birthdays": "Birthdays",
    "expiring": "Expiring",
    "top": "Top 20 %",
}


class ReportsScreen(BaseScreen):
    BINDINGS = [
        Binding("plus", "months(1)", "More months", group=Binding.Group(N_("Period"))),
        Binding("minus", "months(-1)", "Fewer months", group=Binding.Group(N_("Period"))),
        Binding("1", "show_list('lapsed')", "Lapsed", show=False),
        Binding("2", "show_list('birthdays')", "Birthdays", show=False),
        Binding("3", "show_list('expiring')", "Expiring", show=False),
        Binding("4", "show_list('top')", "Top 20 %", show=False),
        Binding("x", "export_list", "Export list"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, months: int = 12) -> None:
        super().__init__()
        self.months = months
        self.report: reports.Report | None = None
        self.current = "lapsed"

    def compose(self) -> ComposeResult:
        t = self.t
        yield Header(show_clock=False)
        yield Label(t("Calculating…"), id="period")
        with TabbedContent(id="tabs"):
            with TabPane(t("Overview"), id="tab-overview"):
                yield DataTable(id="figures", cursor_type="none", show_header=False)
            with TabPane(t("Months"), id="tab-months"), Vertical():
                yield BarChart(id="revenue-chart")
                yield DataTable(id="monthly", cursor_type="row", zebra_stripes=True)
            with TabPane(t("Points"), id="tab-points"), Vertical():
                yield BarChart(id="points-chart")
                yield DataTable(id="points-table", cursor_type="row", zebra_stripes=True)
            with TabPane(t("Lists"), id="tab-lists"), Vertical():
                yield Label("", id="list-title")
                yield Label("", id="list-keys")
                yield DataTable(id="people", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.query_one("#period", Label).update(self.t("Calculating…"))
        self.db(ReportResult, reports.compute, self.shop, self.months)

    @result_of(ReportResult)
    def on_report(self, report: reports.Report) -> None:
        self.report = report
        t = self.t
        self.query_one("#period", Label).update(
            plain(
                t.ngettext(
                    "{start} to {end} ({months} month) · + and - change the period",
                    "{start} to {end} ({months} months) · + and - change the period",
                    len(report.months),
                    start=t.date(report.start),
                    end=t.date(report.end),
                    months=len(report.months),
                )
            )
        )
        self.fill_figures(report)
        self.fill_months(report)
        self.draw_charts(report)
        self.fill_list()

    @failure_of(ReportResult)
    def on_report_error(self, error) -> None:
        self.query_one("#period", Label).update(plain(error.render(self.t.gettext)))

    def fill_figures(self, r: reports.Report) -> None:
        t = self.t
        table = self.query_one("#figures", DataTable)
        table.clear(columns=True)
        table.add_column("", width=34)
        table.add_column("", width=38)
        pct = lambda share: t.percent(share)  # noqa: E731
        rows = [
            (t("Members"), t.number(r.members)),
            (t("New members"), t.number(r.new_members)),
            (t("Revenue from members"), t.money(r.revenue)),
            (t("Buyers · purchases"), f"{t.number(r.buyers)} · {t.number(r.purchases)}"),
            (t("Repeat-purchase rate"), pct(r.repeat_rate)),
            (t("Visits per buyer"), t.decimal(r.visits_per_buyer)),
            (
                t("Days between visits"),
                t.decimal(r.days_between_visits) if r.days_between_visits is not None else "–",
            ),
            (t("Revenue from the top 20 %"), pct(r.top_share)),
            (t("Open points (liability)"), f"{t.number(r.open_points)} = {t.money(r.open_value)}"),
            (
                t("Expiring in 30 days"),
                f"{t.points(r.expiring_points)}, {t.customers(r.expiring_customers)}",
            ),
            (t("No purchase for 90+ days"), t.number(r.lapsed)),
            (t("Birthdays this month"), t.number(r.birthdays)),
        ]
        for label, value in rows:
            table.add_row(plain(label), plain(value))

    def fill_months(self, r: reports.Report) -> None:
        t = self.t
        self._table(
            "#monthly",
            [
                (t("Month"), 8),
                (t("Members"), 10),
                (t("New"), 8),
                (t("Visits"), 9),
                (t("Revenue"), 16),
            ],
            [
                (
                    self.month_name(m.month),
                    t.number(m.members),
                    t.number(m.new_members),
                    t.number(m.purchases),
                    t.money(m.revenue),
                )
                for m in r.months
            ],
        )
        self._table(
            "#points-table",
            [
                (t("Month"), 8),
                (t("Issued"), 10),
                (t("Redeemed"), 10),
                (t("Expired"), 10),
                (t("Taken back"), 15),
            ],
            [
                (
                    self.month_name(m.month),
                    t.number(m.points_issued),
                    t.number(m.points_redeemed),
                    t.number(m.points_expired),
                    t.number(m.points_taken_back),
                )
                for m in r.months
            ],
        )

    def _table(self, selector: str, columns: list[tuple[str, int]], rows: list[tuple]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear(columns=True)
        for label, width in columns:
            table.add_column(label, width=width)
        for row in rows:
            table.add_row(*(plain(cell) for cell in row))

    def month_name(self, month: str, pattern: str = "MMM yy") -> str:
        """`2025-12` → `Dez. 25` / `Dec 25` (`MMM`: `Dez.` / `Dec`)."""
        year, number = (int(part) for part in month.split("-"))
        return format_date(date(year, number, 1), pattern, locale=self.t.locale)

    def whole_money(self, value: float) -> str:
        """An axis label with its unit: `1.200 €` / `€1,200`."""
        return format_currency(
            Decimal(round(value)),
            self.t.currency,
            format="#,##0\xa0¤" if self.t.language == "de" else "¤#,##0",
            currency_digits=False,
            locale=self.t.locale,
        )

    def draw_charts(self, r: reports.Report) -> None:
        t = self.t
        labels = [self.month_name(m.month) for m in r.months]
        short = [self.month_name(m.month, "MMM") for m in r.months]
        self.query_one("#revenue-chart", BarChart).show(
            t(
                "Revenue from members per month ({currency})",
                currency=get_currency_symbol(t.currency, locale=t.locale),
            ),
            labels,
            [Series(t("Revenue"), [float(m.revenue) for m in r.months])],
            self.whole_money,
            short,
        )
        self.query_one("#points-chart", BarChart).show(
            t("Points per month"),
            labels,
            [
                Series(t("Issued"), [m.points_issued for m in r.months]),
                Series(t("Redeemed"), [m.points_redeemed for m in r.months]),
                Series(t("Expired"), [m.points_expired for m in r.months]),
            ],
            lambda value: t.number(round(value)),
            short,
        )

    # -- the lists -----------------------------------------------------------------------
    def people(self, name: str) -> list[reports.Person]:
        r = self.report
        if r is None:
            return []
        return {
            "lapsed": r.lapsed_list,
            "birthdays": r.birthday_list,
            "expiring": r.expiring_list,
            "top": r.top_list,
        }[name]

    def total(self, name: str) -> int:
        r = self.report
        if r is None:
            return 0
        return {
            "lapsed": r.lapsed,
            "birthdays": r.birthdays,
            "expiring": r.expiring_customers,
            "top": r.top_buyers,
        }[name]

    def fill_list(self) -> None:
        t = self.t
        found = self.people(self.current)
        title, total = t(LIST_LABELS[self.current]), self.total(self.current)
        if not total:  # not "0 (the first 0)"
            text = t("{title}: nobody", title=title)
        elif len(found) < total:
            text = t(
                "{title}: {count} (first {shown}) · x exports it",
                title=title,
                count=t.number(total),
                shown=len(found),
            )
        else:
            text = t("{title}: {count} · x exports it", title=title, count=t.number(total))
        self.query_one("#list-title", Label).update(plain(text))
        self.query_one("#list-keys", Label).update(
            plain("  ".join(f"{n} {t(LIST_NAMES[k])}" for n, k in enumerate(ORDER, start=1)))
        )
        table = self.query_one("#people", DataTable)
        table.clear(columns=True)
        table.add_column(t("Name"), width=24)
        table.add_column(t("Phone"), width=18)
        table.add_column(t(DETAIL_NAMES[self.current]), width=20)
        for person in found:
            table.add_row(
                plain(person.name[:24]),
                plain(phone_for_display(person.phone, self.shop.region)),
                plain(self._detail(person)),
                key=str(person.id),
            )

    def _detail(self, person) -> str:
        t = self.t
        if self.current == "top":
            return t.money(person.revenue)
        if self.current == "expiring":
            return f"{t.number(person.points)} · {t.date(person.day)}"
        return t.date(person.day) if person.day else "–"

    def action_show_list(self, name: str) -> None:
        self.current = name
        self.query_one(TabbedContent).active = "tab-lists"
        self.fill_list()

    def action_months(self, step: int) -> None:
        choices = [3, 6, 12, 24, 36]
        index = choices.index(self.months) if self.months in choices else 2
        self.months = choices[max(0, min(len(choices) - 1, index + step))]
        self.load()

    def segment(self) -> str:
        today = self.shop.today()
        return {
            "lapsed": f"lapsed:{reports.LAPSED_DAYS}",
            "birthdays": f"birthday:{today.month}",
            "expiring": f"expiring:{reports.EXPIRING_DAYS}",
            "top": f"top:{reports.TOP_PERCENT}",
        }[self.current]

    def action_export_list(self) -> None:
        segment = self.segment()
        self.loyalty.with_pin(
            "export",
            lambda pin: self.loyalty.protected(
                self,
                ExportedResult,
                "export",
                pin,
                newsletter.export,
                self.shop,
                "email",
                segment,
                detail=lambda r: f"newsletter email {segment}: {r.written}",
            ),
        )

    @result_of(ExportedResult)
    def on_exported(self, result) -> None:
        text = self.t.ngettext(
            "Written: {path} ({count} customer with email consent)",
            "Written: {path} ({count} customers with email consent)",
            result.written,
            path=result.path,
            count=result.written,
        )
        self.loyalty.announce_file(text, result.path)

    def action_back(self) -> None:
        self.app.pop_screen()
