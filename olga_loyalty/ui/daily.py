"""The daily run while the app is open: at start and at each new day, the points that
expire and the birthday bonuses, then the reminder mails (sent in the background when
automatic, tried again in half an hour when the server cannot be reached); and the backup
of the day at start. A part of `LoyaltyApp`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from olga_loyalty.ui.workers import DbMixin, DbResult, result_of

if TYPE_CHECKING:
    from olga_loyalty.ui.interface import LoyaltyShell


class DailyBackupResult(DbResult[Path | None]):
    """The backup of the day: its file, or None when today's was written already."""


class DailyResult(DbResult[Any]):
    """The daily run: points expired, birthday bonuses given."""


class RemindersDailyResult(DbResult[Any]):
    """Reminder mails queued (and sent, when automatic) after the daily run."""


class DailyRun(DbMixin):
    """The daily run's part of the app (mixed in after Textual's App)."""

    last_daily: date | None = None
    reminders_retry_at: datetime | None = None

    @property
    def shell(self) -> LoyaltyShell:
        return cast("LoyaltyShell", self)

    # -- the daily run: at start and at each new day while the app runs -------------
    def check_new_day(self) -> None:
        # the services of the daily run and the reminders: after the first paint (start-up)
        from olga_loyalty.services import points

        today = self.shell.shop.today()
        if self.last_daily != today:
            self.last_daily = today
            self.db(DailyResult, points.daily, self.shell.shop)
        elif (
            self.reminders_retry_at is not None and self.shell.shop.now() >= self.reminders_retry_at
        ):
            self.reminders_after_daily()

    @result_of(DailyResult)
    def on_daily(self, result: Any) -> None:
        for completed in result.completed:  # an import a crash or Ctrl+C left decided
            self.app.notify(completed.text(self.shell.t), timeout=15)
        if result.expired_points or result.birthday_bonuses:
            self.app.notify(
                self.shell.t(
                    "Daily run: {points} expired; {bonuses} given.",
                    points=self.shell.t.points(result.expired_points),
                    bonuses=self.shell.t.ngettext(
                        "{count} birthday bonus",
                        "{count} birthday bonuses",
                        result.birthday_bonuses,
                        count=result.birthday_bonuses,
                    ),
                )
            )
        self.reminders_after_daily()

    # -- reminder mails: queued after the daily run, sent in the background when automatic

    def reminders_after_daily(self) -> None:
        from olga_loyalty.ui.screens.reminders import after_daily_in_background

        self.reminders_retry_at = None
        self.db(RemindersDailyResult, after_daily_in_background, self.shell.shop)

    @result_of(RemindersDailyResult)
    def on_reminders_daily(self, result: Any) -> None:
        from olga_loyalty.ui.screens.reminders import daily_reminders_notice

        text, retry = daily_reminders_notice(self.shell.t, result)
        if text:
            self.app.notify(
                text,
                severity="warning" if result.error else "information",
                timeout=10,
                markup=False,
            )
        if retry:  # the server could not be reached: try again in half an hour
            self.reminders_retry_at = self.shell.shop.now() + retry

    @result_of(DailyBackupResult)
    def on_daily_backup(self, path: Path | None) -> None:
        if path is not None:
            self.app.notify(
                self.shell.t("Backup of the day written: {path}", path=str(path)), markup=False
            )
