"""The settings' backups and audit tabs: back up now, restore a backup (PIN, the file's
checks, the question), and the audit log. A part of `SettingsScreen`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.widgets import DataTable, TabbedContent

from olga_loyalty.domain.errors import LoyaltyError
from olga_loyalty.services import safety
from olga_loyalty.ui.base import ScreenMixin
from olga_loyalty.ui.screens.confirm import TypedConfirm
from olga_loyalty.ui.text import lines, plain, wrapped
from olga_loyalty.ui.workers import DbResult, failure_of, result_of

if TYPE_CHECKING:
    from olga_loyalty.storage.backup import BackupFile

BACKUP_REASON_NAMES = {
    "daily": "daily",
    "manual": "by hand",
    "import": "import",
    "restore": "restore",
    "migration": "update",
}


#: The audit table's two columns that wrap (the others are short): 80 columns in all.
AUDIT_WIDTHS = {"action": 14, "detail": 32}


class AuditLoadedResult(DbResult[Any]):
    """What the worker of `audit_loaded` found or did."""


class BackedUpResult(DbResult[Any]):
    """What the worker of `backed_up` found or did."""


class BackupsLoadedResult(DbResult[Any]):
    """What the worker of `backups_loaded` found or did."""


class RestoreCheckedResult(DbResult[Any]):
    """What the worker of `restore_checked` found or did."""


class RestoredResult(DbResult[Any]):
    """What the worker of `restored` found or did."""


class BackupsTab(ScreenMixin):
    """The backups and audit tabs of the settings (mixed into `SettingsScreen`)."""

    backups: list[BackupFile]
    _restoring: tuple[Any, Any]

    def mount_backups(self) -> None:
        """The tables of the backups and audit tabs, and their rows."""
        t = self.t
        table = self.query_one("#backups", DataTable)
        table.add_column(t("Taken"), width=16)
        table.add_column(t("Why"), width=10)
        table.add_column(t("Size"), width=12)
        table.add_column(t("File"), width=30)
        audit = self.query_one("#audit", DataTable)
        audit.add_column(t("When"), width=16)
        audit.add_column(t("Staff"), width=10)
        audit.add_column(t("Action"), width=AUDIT_WIDTHS["action"])
        audit.add_column(t("Detail"), width=AUDIT_WIDTHS["detail"])
        self.load_backups()
        self.db(AuditLoadedResult, safety.audit_log)

    def load_backups(self) -> None:
        self.db(BackupsLoadedResult, safety.list_backups, self.shop)

    @result_of(BackupsLoadedResult)
    def on_backups_loaded(self, found) -> None:
        self.backups = found
        table = self.query_one("#backups", DataTable)
        table.clear()
        for b in found:
            table.add_row(
                plain(self.t.datetime(b.taken_at)),  # as every screen writes a time
                plain(self.t(BACKUP_REASON_NAMES.get(b.reason, b.reason))),
                plain(self.t.size(b.size)),
                plain(b.path.name),
            )

    @result_of(AuditLoadedResult)
    def on_audit_loaded(self, entries) -> None:
        table = self.query_one("#audit", DataTable)
        table.clear()
        for e in entries:
            name = safety.AUDIT_ACTION_NAMES.get(e.action)  # as the command line names it
            action = self.t(name) if name else e.action
            table.add_row(  # as high as the action's name or the detail needs: both whole
                plain(self.t.datetime(e.at)),
                plain(e.staff),
                wrapped(action, AUDIT_WIDTHS["action"]),
                wrapped(e.detail[:96], AUDIT_WIDTHS["detail"]),  # three lines or so
                height=None,
            )

    def action_backup_now(self) -> None:
        self.db(BackedUpResult, safety.backup, self.shop, "manual", staff=self.loyalty.staff)

    @result_of(BackedUpResult)
    def on_backed_up(self, path) -> None:
        if path is None:
            self.app.notify(
                self.t(
                    "Backups here are of the SQLite database; back up PostgreSQL with its own tools."
                )
            )
            return
        self.app.notify(self.t("Backup written to {path}.", path=path), markup=False)
        self.load_backups()
        self.db(AuditLoadedResult, safety.audit_log)

    def action_restore(self) -> None:
        """The owner PIN, then the file's checks, then the question (with a warning when the
        backup is another shop's or carries no shop id), then the restore."""
        table = self.query_one("#backups", DataTable)
        found = getattr(self, "backups", [])
        if self.query_one(TabbedContent).active != "tab-backups" or not found:
            return
        chosen = found[table.cursor_row]

        def checked(pin) -> None:
            self._restoring = (chosen.path, pin)
            self.db(RestoreCheckedResult, safety.check_restore, self.shop, chosen.path)

        self.loyalty.with_pin("restore", checked)

    @result_of(RestoreCheckedResult)
    def on_restore_checked(self, check: safety.RestoreCheck) -> None:
        """The file is sound: ask, with the warning about whose backup it is."""
        t = self.t
        path, pin = self._restoring
        text = t(
            "The database is replaced by this backup; everything recorded since then is gone from "
            "it (the current state is backed up first)."
        )
        question: str | Content = text
        warning = check.warning
        if warning is not None:  # it quotes the file's name: data, shown as it is
            question = lines(warning.render(t.gettext), "", text)

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.loyalty.protected(
                    self,
                    RestoredResult,
                    "restore",
                    pin,
                    safety.restore,
                    self.shop,
                    path,
                    staff=self.loyalty.staff,
                    other_shop=not check.this_shop,
                )

        self.app.push_screen(
            TypedConfirm(plain(t("Restore {file}", file=path.name)), question, t("RESTORE")),
            confirmed,
        )

    @failure_of(RestoreCheckedResult)
    def on_restore_checked_error(self, error: LoyaltyError) -> None:
        self.app.notify(error.render(self.t.gettext), severity="error", timeout=10)
        self.load_backups()  # a file deleted meanwhile leaves the list

    @result_of(RestoredResult)
    def on_restored(self, result: safety.RestoreResult) -> None:
        self.app.notify(
            self.t(
                "Restored. The database as it was before is in {backup}.",
                backup=result.safety_copy,
            ),
            timeout=10,
            markup=False,
        )
        self.loyalty.language_changed()
