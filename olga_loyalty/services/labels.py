"""The words for the codes the database holds (consent purposes and methods, kinds of ledger
entry): what the access export, the command line and the service messages show instead of
the codes. The English texts are the ones the screens use (ui/screens/consents.py,
register.py, card.py), so they share their translations. `--json` keeps the codes."""

from __future__ import annotations

PURPOSE_LABELS = {
    "data_processing": "Data processing",
    "email": "Email newsletter",
    "sms": "SMS / messenger",
}
METHOD_LABELS = {
    "paper_signed": "Signed on paper",
    "verbal": "Said at the till",
    "digital": "Digitally",
}
LEDGER_LABELS = {
    "earn": "Points earned",
    "welcome": "Welcome bonus",
    "birthday": "Birthday bonus",
    "referral": "Referral bonus",
    "redeem": "Points redeemed",
    "expire": "Points expired",
    "refund": "Points taken back",
    "restore": "Points given back",
    "adjust": "Adjustment",
    "forfeit": "Points forfeited",
    "opening": "Opening balance",
    "bonus": "Bonus campaign",
}
#: A customer's fields as the registration form names them (`customer edit` says what
#: changed in these words; `--json` keeps the field names).
FIELD_LABELS = {
    "salutation": "Salutation",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "email": "Email",
    "birthday": "Birthday",
    "notes": "Notes",
    "referred_by": "Referred by",
    "staff": "Staff",
}
#: The rows of a customer's history: her purchases and cash refunds besides the ledger.
HISTORY_LABELS = {"purchase": "Purchase", "refund_money": "Refund", **LEDGER_LABELS}
#: Why a backup was taken (its file name says it: `…-daily.db`); the settings' backups tab
#: shows the same words.
BACKUP_REASON_NAMES = {
    "daily": "daily",
    "manual": "by hand",
    "import": "import",
    "restore": "restore",
    "migration": "update",
}
