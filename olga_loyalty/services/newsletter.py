"""The newsletter export (SPEC §7, shared/EXPORT_COLUMNS.md): who may be written to, and the file.

Only customers with active marketing consent for the channel (and an email for `email`),
never erased ones, never anyone on the suppression list. Segments pick customers first;
the consent rules then say who is written and who is left out, and why.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import NamedTuple, cast

from olga_loyalty import logs, paths
from olga_loyalty.domain.errors import Count, InvalidInput
from olga_loyalty.domain.money import ZERO, from_cents
from olga_loyalty.domain.text import is_digits, visible
from olga_loyalty.exports.cells import CsvWriter, XlsxWriter, free_path
from olga_loyalty.files import make_private, new_output_file
from olga_loyalty.services.erasure import keyed_digest
from olga_loyalty.services.newsletter_columns import CHANNELS as CHANNELS
from olga_loyalty.services.newsletter_columns import CSV_ONLY as CSV_ONLY
from olga_loyalty.services.newsletter_columns import DEFAULT_FORMAT as DEFAULT_FORMAT
from olga_loyalty.services.newsletter_columns import EMAIL_ONLY as EMAIL_ONLY
from olga_loyalty.services.newsletter_columns import FORMATS as FORMATS
from olga_loyalty.services.newsletter_columns import GENERIC, preset_columns
from olga_loyalty.services.newsletter_columns import PRESETS as PRESETS
from olga_loyalty.services.newsletter_columns import check_choice as check_choice
from olga_loyalty.services.shop import Shop
from olga_loyalty.storage.db import fetch_rows
from olga_loyalty.storage.models import Consent, Customer, Lot, Purchase


def digest(kind: str, value: str) -> str:
    """The suppression list keeps only this keyed hash of a normalised email or phone
    (HMAC with the shop's secret, services/erasure.py)."""
    return keyed_digest(kind, value)


@dataclass(frozen=True)
class Segment:
    kind: str  # all, birthday, expiring, lapsed, tier, top
    value: str = ""

    @property
    def label(self) -> str:
        return self.kind if self.kind == "all" else f"{self.kind}-{self.value}"


def parse_segment(text: str, shop: Shop) -> Segment:
    """`all`, `birthday:MONTH`, `expiring:DAYS`, `lapsed:DAYS`, `tier:NAME`, `top:PERCENT`."""
    raw = (text or "all").strip()
    kind, _, value = raw.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind == "all" and not value:
        return Segment("all")
    # each with the example its refusal gives: typed as it stands (not `expiring:3.650`,
    # the highest number as a German screen writes it, which is refused itself)
    limits = {
        "birthday": (1, 12, 5),
        "expiring": (1, 3650, 30),
        "lapsed": (1, 3650, 90),
        "top": (1, 100, 20),
    }
    if kind in limits:
        low, high, example = limits[kind]
        if not is_digits(value) or not low <= int(value) <= high:
            raise InvalidInput(
                "The segment {kind} needs a whole number from {low} to {high}, like {example}.",
                field="segment",
                kind=kind,
                low=Count(low),
                high=Count(high),
                example=f"{kind}:{example}",
            )
        return Segment(kind, str(int(value)))
    if kind == "tier":
        tier = shop.programme.tier_named(value)
        if tier is None:
            names = ", ".join(t.name for t in shop.programme.tiers)
            raise InvalidInput(
                "There is no tier '{name}'. Tiers: {names}.",
                field="segment",
                name=value[:40],
                names=names,
            )
        return Segment("tier", tier.name)
    raise InvalidInput(
        "Unknown segment '{text}'. Use all, birthday:MONTH, expiring:DAYS, lapsed:DAYS, "
        "tier:NAME or top:PERCENT.",
        field="segment",
        text=raw[:40],
    )


class Person(NamedTuple):
    id: int
    first_name: str
    last_name: str
    salutation: str
    phone: str
    email: str | None
    birthday: date | None
    language: str
    registered_at: object  # as stored; only the lapsed segment reads it


class ConsentFacts(NamedTuple):
    given_at: datetime
    method: str
    text_version: int


@dataclass
class Recipient:
    customer: Person
    points: int = 0
    expiring: int = 0
    soonest: date | None = None
    tier: str = ""
    consent: ConsentFacts | None = None


@dataclass
class Selection:
    channel: str
    segment: Segment
    recipients: list[Recipient] = field(default_factory=list)
    left_out: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.recipients)


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def segment_members(shop: Shop, segment: Segment) -> list[int]:
    """Every customer (not erased) of a segment, consent or not: for a bulk bonus."""
    return _segment(shop, segment)[3]


def _segment(shop: Shop, segment: Segment):
    today, now, programme = shop.today(), shop.now(), shop.programme
    # Plain SQL written once: the whole shop is read here, and peewee's per-row model
    # building was most of the export's own time (docs/benchmarks.md).
    people = {
        row[0]: Person(
            row[0], row[1], row[2], row[3], row[4], row[5], _as_date(row[6]), row[7], row[8]
        )
        for row in fetch_rows(
            "SELECT id, first_name, last_name, salutation, phone, email, birthday, language, "
            "registered_at FROM customer WHERE erased_at IS NULL ORDER BY id",
            (),
        )
    }
    ids = list(people)
    soon = today + timedelta(days=30)
    window = today + timedelta(days=int(segment.value) if segment.kind == "expiring" else 30)
    lots = fetch_rows(
        "SELECT customer_id, SUM(remaining), "
        "SUM(CASE WHEN expires_on <= ? THEN remaining ELSE 0 END), "
        "SUM(CASE WHEN expires_on <= ? THEN remaining ELSE 0 END), MIN(expires_on) "
        "FROM lot WHERE remaining > 0 AND expires_on >= ? GROUP BY customer_id",
        (
            Lot.expires_on.db_value(soon),
            Lot.expires_on.db_value(window),
            Lot.expires_on.db_value(today),
        ),
    )
    points = {cid: (int(p or 0), int(e or 0), int(w or 0), _as_date(s)) for cid, p, e, w, s in lots}
    start = now - timedelta(days=programme.tier_window_days)
    spent = _spent_since(start, now)
    selected = _segment_ids(segment, ids, people, points, spent, shop)
    return people, points, spent, selected


def select(shop: Shop, channel: str, segment: Segment) -> Selection:
    """Who the export writes and who it leaves out (no consent, no email, suppressed)."""
    if channel not in CHANNELS:
        raise InvalidInput("The channel must be email or sms.", field="channel")
    people, points, spent, selected = _segment(shop, segment)
    programme = shop.programme
    consents = {
        cid: (given_at, method, version)
        for cid, given_at, method, version in fetch_rows(
            "SELECT customer_id, given_at, method, text_version FROM consent "
            "WHERE purpose = ? AND withdrawn_at IS NULL ORDER BY given_at",
            (channel,),
        )
    }
    suppressed = {digest for (digest,) in fetch_rows("SELECT digest FROM suppression", ())}
    result = Selection(channel, segment)
    given_at = Consent.given_at.python_value
    for cid in selected:
        customer = people[cid]
        consent = consents.get(cid)
        if consent is None:
            result.left_out["no consent"] += 1
            continue
        contact = customer.email if channel == "email" else customer.phone
        if not contact:
            result.left_out["no email"] += 1
            continue
        kind = "email" if channel == "email" else "phone"
        if suppressed and digest(kind, contact) in suppressed:
            result.left_out["suppressed"] += 1
            continue
        total, expiring, _, soonest = points.get(cid, (0, 0, 0, None))
        result.recipients.append(
            Recipient(
                customer,
                total,
                expiring,
                soonest,
                programme.tier_for(spent.get(cid, ZERO)).name,
                ConsentFacts(given_at(consent[0]), consent[1], consent[2]),
            )
        )
    return result


def _spent_since(start: datetime, end: datetime) -> dict[int, Decimal]:
    low, high = Purchase.created_at.db_value(start), Purchase.created_at.db_value(end)
    # "customer_id > 0" steers the planner to the covering (customer_id, created_at, paid)
    # index: one pass in customer order, no table reads and no sort for the GROUP BY.
    paid = fetch_rows(
        "SELECT customer_id, SUM(paid) FROM purchase "
        "WHERE customer_id > 0 AND created_at > ? AND created_at <= ? GROUP BY customer_id",
        (low, high),
    )
    back = dict(
        fetch_rows(
            "SELECT r.customer_id, SUM(r.paid_back) FROM refund r "
            "JOIN purchase p ON p.id = r.purchase_id "
            "WHERE p.created_at > ? AND p.created_at <= ? AND r.created_at <= ? "
            "GROUP BY r.customer_id",
            (low, high, high),
        )
    )
    return {cid: from_cents(int(c or 0) - int(back.get(cid) or 0)) for cid, c in paid}


def _segment_ids(segment, ids, people, points, spent, shop) -> list[int]:
    kind = segment.kind
    if kind == "all":
        return ids
    if kind == "birthday":
        month = int(segment.value)
        return [i for i in ids if people[i].birthday and people[i].birthday.month == month]
    if kind == "expiring":
        return [i for i in ids if points.get(i, (0, 0, 0, None))[2] > 0]
    if kind == "tier":
        programme = shop.programme
        return [i for i in ids if programme.tier_for(spent.get(i, ZERO)).name == segment.value]
    if kind == "top":
        spenders = sorted((i for i in ids if spent.get(i, ZERO) > 0), key=lambda i: (-spent[i], i))
        return spenders[: math.ceil(len(spenders) * int(segment.value) / 100)]
    if kind == "lapsed":
        since = shop.now() - timedelta(days=int(segment.value))
        recent = {
            cid
            for (cid,) in fetch_rows(
                "SELECT DISTINCT customer_id FROM purchase WHERE created_at > ?",
                (Purchase.created_at.db_value(since),),
            )
        }
        registered = Customer.registered_at.python_value
        return [i for i in ids if i not in recent and registered(people[i].registered_at) <= since]
    raise ValueError(kind)


def rows(selection: Selection, shop: Shop) -> Iterator[list]:
    """One list per recipient, the values in the order of COLUMNS (the generic columns)."""
    tags_segment = "" if selection.segment.kind == "all" else selection.segment.label
    for r in selection.recipients:
        c = r.customer
        yield [
            c.email if selection.channel == "email" else None,
            visible(c.first_name),
            visible(c.last_name),
            c.salutation or None,
            c.phone if selection.channel == "sms" or _has_sms(c.id, selection) else None,
            c.birthday,
            c.language,
            visible(r.tier),
            r.points,
            shop.programme.value_of(r.points),
            r.expiring,
            r.soonest,
            c.id,
            r.consent.given_at.isoformat(timespec="seconds") if r.consent else None,
            r.consent.method if r.consent else None,
            r.consent.text_version if r.consent else None,
            visible(",".join(t for t in (r.tier, tags_segment) if t)),
        ]


def _has_sms(customer_id: int, selection: Selection) -> bool:
    """The phone column is filled only with sms consent (EXPORT_COLUMNS.md)."""
    sms = getattr(selection, "_sms", None)
    if sms is None:
        query = (
            Consent.select(Consent.customer_id)
            .where((Consent.purpose == "sms") & Consent.withdrawn_at.is_null())
            .tuples()
        )
        # peewee's stubs type the rows of `.tuples()` as models; they are tuples
        sms = {cid for (cid,) in cast("list[tuple[int]]", list(query))}
        selection._sms = sms  # type: ignore[attr-defined]
    return customer_id in sms


def _dialled(e164: str | None, region: str) -> str | None:
    """A phone as dialled from the shop's country (`01511 1111111`, `00 43 664 1234567`):
    text that Excel and LibreOffice keep as it is."""
    if not e164:
        return None
    import phonenumbers

    return phonenumbers.format_out_of_country_calling_number(phonenumbers.parse(e164), region)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    written: int
    left_out: dict[str, int]


def export(
    shop: Shop,
    channel: str,
    segment: str = "all",
    *,
    preset: str = "generic",
    file_format: str | None = None,
    out: Path | None = None,
    folder: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the file; `file_format` None is the preset's own (xlsx, or CSV for the tools that
    want CSV)."""
    file_format = check_choice(channel, preset, file_format)
    parsed = parse_segment(segment, shop)
    selection = select(shop, channel, parsed)
    suffix = ".xlsx" if file_format == "xlsx" else ".csv"
    if out is not None:
        path = new_output_file(out)
    else:
        tool = preset + ("-excel" if file_format == "csv-excel" else "")
        stem = f"newsletter-{channel}-{parsed.label}-{tool}-{shop.today().isoformat()}"
        path = free_path(folder or paths.exports_folder(), stem, suffix)
    columns = preset_columns(preset)
    writer: XlsxWriter | CsvWriter
    if file_format == "xlsx":
        writer = XlsxWriter(path, [c.column for c in columns], title=f"newsletter {channel}")
    else:
        writer = CsvWriter(path, [c.column for c in columns], excel=file_format == "csv-excel")
    picks = [(c.source, c.convert) for c in columns]
    if file_format == "csv-excel":  # Excel would read +4915... as a number: as dialled here
        phone = GENERIC.index("phone")
        picks = [(i, partial(_dialled, region=shop.region) if i == phone else f) for i, f in picks]
    as_is = picks == [(i, None) for i in range(len(GENERIC))]  # generic, brevo: no reordering
    written = 0
    total = selection.count
    for row in rows(selection, shop):
        writer.write(row if as_is else [f(row[i]) if f else row[i] for i, f in picks])
        written += 1
        if progress and written % 1000 == 0:
            progress(written, total)
    writer.close()
    make_private(path)
    if progress:
        progress(written, total)
    logs.action("newsletter.export", written=written, left_out=sum(selection.left_out.values()))
    return ExportResult(path, written, dict(selection.left_out))
