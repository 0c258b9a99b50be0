"""The product catalogue: add, update, list, show, and import a whole catalogue from CSV."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from ordercli.db.queries import catalog, stock
from ordercli.db.sql import is_unique_violation
from ordercli.domain.errors import InvalidData, MissingFields, NotFound, Refused, RowProblems
from ordercli.domain.money import Money, normalize_currency, parse_amount, parse_money, parse_percent
from ordercli.domain.orders import PRODUCT_KINDS
from ordercli.domain.validation import Problems, clean_text, named, normalize_gtin, normalize_sku, shown
from ordercli.io.csv import unguard_cell
from ordercli.domain.stock import Totals
from ordercli.services.inventory.reads import LevelView
from ordercli.services.views import Stamp


@dataclass(frozen=True)
class ProductView(Totals):
    sku: str
    name: str
    price: Money
    tax_rate_bp: int
    kind: str
    gtin: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
    levels: tuple[LevelView, ...] = ()


@dataclass(frozen=True)
class ProductFields:
    """A validated product as given (None: not given). The price stays text until the currency
    it is in is known: the one given, else the product's own, else the default."""

    sku: str
    name: str | None = None
    price: str | None = None
    currency: str | None = None
    tax_rate_bp: int | None = None
    kind: str | None = None
    gtin: str | None = None
    active: bool | None = None

    def money(self, fallback_currency: str) -> Money | None:
        """The price in its currency; raises InvalidData if it does not fit that currency."""
        if self.price is None:
            return None
        return parse_money(self.price, self.currency or fallback_currency, "price")


def _kind(value: str) -> str:
    kind = value.strip().lower()
    if kind not in PRODUCT_KINDS:
        raise InvalidData(f"kind {shown(value)} is not one of {', '.join(PRODUCT_KINDS)}")
    return kind


def validate_product(sku: str, *, name: str | None = None, price: str | None = None, currency: str | None = None,
                     tax_rate: str | None = None, kind: str | None = None, gtin: str | None = None,
                     active: bool | None = None) -> ProductFields:
    """Every field that is given, checked and normalized; all problems in one error."""
    problems = Problems()
    code = problems.check(normalize_sku, sku)
    clean_name = problems.check(clean_text, name, "name", required=True) if name is not None else None
    cur = problems.check(normalize_currency, currency) if currency not in (None, "") else None
    if price not in (None, ""):
        problems.check(parse_amount, price, "price")  # its decimals once its currency is known
    tax = problems.check(parse_percent, tax_rate, "tax rate") if tax_rate not in (None, "") else None
    kind_value = problems.check(_kind, kind) if kind not in (None, "") else None
    gtin_value = problems.check(normalize_gtin, gtin) if gtin not in (None, "") else None
    problems.raise_if_any()
    return ProductFields(code, clean_name, price if price not in (None, "") else None, cur, tax, kind_value,
                         gtin_value, active)


def _view(row, levels=()) -> ProductView:
    return ProductView(row.sku, row.name, Money(row.unit_price_minor, row.currency), row.tax_rate_bp, row.kind,
                       row.gtin, row.active, row.created_at, row.updated_at, tuple(levels))


def _refuse_taken_gtin(connection, gtin: str | None, sku: str) -> None:
    if gtin is None:
        return
    owner = catalog.gtin_owner(connection, gtin, sku)
    if owner is not None:
        raise Refused(f"GTIN {gtin} is already used by {owner}")


def _row_of(fields: "ProductFields", price: Money) -> dict:
    """The columns of a new product."""
    return {"sku": fields.sku, "name": fields.name, "unit_price_minor": price.minor, "currency": price.currency,
            "tax_rate_bp": fields.tax_rate_bp or 0, "kind": fields.kind or "physical", "gtin": fields.gtin,
            "active": True if fields.active is None else fields.active}


def add_product(db, fields: ProductFields, stamp: Stamp, *, default_currency: str = "EUR") -> ProductView:
    """A new product; a name and a price are required."""
    missing = [field for field, value in (("name", fields.name), ("price", fields.price)) if value is None]
    if missing:
        raise MissingFields(missing)
    price = fields.money(default_currency)
    with db.write() as connection:
        if catalog.by_sku(connection, fields.sku):
            raise Refused(f"product {fields.sku} already exists (change it with `ordercli product update`)")
        _refuse_taken_gtin(connection, fields.gtin, fields.sku)
        try:
            catalog.add(connection, [_row_of(fields, price)], stamp.at)
        except Exception as error:  # another process added the same SKU or GTIN a moment ago
            if is_unique_violation(error, "uq_products_sku", "uq_products_gtin"):
                raise Refused(f"product {fields.sku} (or GTIN {fields.gtin}) was just added by someone else") from None
            raise
        return _load(connection, fields.sku)


def update_product(db, fields: ProductFields, stamp: Stamp) -> tuple[ProductView, bool]:
    """Change what is given; a product with stock or promises cannot stop being physical. A
    new price without a currency is in the product's own currency. Returns the product and
    whether anything changed (values equal to the current ones change nothing, not even
    updated_at)."""
    with db.write() as connection:
        current = catalog.by_sku(connection, fields.sku, lock=True)
        if current is None:
            raise NotFound(f"product {fields.sku} does not exist")
        _check_kind_change(connection, current.id, current.kind, fields.kind, fields.sku)
        _refuse_taken_gtin(connection, fields.gtin, fields.sku)
        changes = {column: value for column, value in _changes(fields, fields.money(current.currency)).items()
                   if value != getattr(current, column)}
        if changes:
            catalog.change(connection, [{**changes, "sku": fields.sku}], stamp.at)
        return _load(connection, fields.sku), bool(changes)


def _changes(fields: ProductFields, price: Money | None) -> dict:
    changes = {}
    if fields.name is not None:
        changes["name"] = fields.name
    if price is not None:
        changes["unit_price_minor"] = price.minor
        changes["currency"] = price.currency
    if fields.tax_rate_bp is not None:
        changes["tax_rate_bp"] = fields.tax_rate_bp
    if fields.kind is not None:
        changes["kind"] = fields.kind
    if fields.gtin is not None:
        changes["gtin"] = fields.gtin
    if fields.active is not None:
        changes["active"] = fields.active
    return changes


def _check_kind_change(connection, product_id: int, current: str, new: str | None, sku: str) -> None:
    if new is None or new == current or current != "physical":
        return
    held = catalog.stock_held(connection, product_id)
    if held.on_hand or held.reserved or held.waiting:
        raise Refused(f"{sku} has stock ({held.on_hand} on hand, {held.reserved} promised) or backorders: "
                      f"it stays physical until they are gone")


def _load(connection, sku: str) -> ProductView:
    row = catalog.by_sku(connection, sku)
    if row is None:
        raise NotFound(f"product {sku} does not exist")
    levels = stock.levels_of_product(connection, row.id) if row.kind == "physical" else []
    return _view(row, (LevelView(r.location, r.on_hand, r.reserved) for r in levels))


def get_product(db, sku: str) -> ProductView:
    with db.read() as connection:
        return _load(connection, normalize_sku(sku))


def list_products(db, *, search: str | None = None, kind: str | None = None,
                  include_inactive: bool = True) -> list[ProductView]:
    """Products by SKU, each physical one with its stock at every location (as `get_product`)."""
    where = {"search": search, "kind": _kind(kind) if kind else None, "active_only": not include_inactive}
    levels: dict[str, list[LevelView]] = defaultdict(list)
    with db.read() as connection:
        found = catalog.listing(connection, **where)
        for r in catalog.listing_levels(connection, **where):
            levels[r.sku].append(LevelView(r.location, r.on_hand, r.reserved))
    return [_view(r, levels.get(r.sku, ())) for r in found]


# -- import ----------------------------------------------------------------------------------------

IMPORT_COLUMNS = ("sku", "name", "price", "currency", "tax_rate", "kind", "gtin", "active")
REQUIRED_COLUMNS = ("sku", "name", "price")
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n"}


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    dry_run: bool


def _active(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidData(f"active {shown(value)} is not one of yes, no, true, false, 1, 0")


def import_products(db, stream: TextIO, stamp: Stamp, *, default_currency: str = "EUR",
                    dry_run: bool = False) -> ImportResult:
    """Add or update products from CSV: every row is checked first, and every bad row is
    reported; if any row is bad, nothing is imported (one transaction)."""
    reader = csv.DictReader(stream)
    try:
        return _import_rows(db, reader, stamp, default_currency=default_currency, dry_run=dry_run)
    except csv.Error as error:  # a cell longer than the csv module's limit, say
        raise InvalidData(f"the CSV cannot be read after line {reader.line_num}: {error}") from None


def _import_rows(db, reader: csv.DictReader, stamp: Stamp, *, default_currency: str, dry_run: bool) -> ImportResult:
    header = [h.strip().lower() for h in reader.fieldnames or []]
    unknown = [named(h) for h in header if h not in IMPORT_COLUMNS]
    absent = [c for c in REQUIRED_COLUMNS if c not in header]
    twice = [c for c, n in Counter(header).items() if n > 1 and c in IMPORT_COLUMNS]
    if unknown or absent or twice:
        unknown_text = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else "")
        parts = ([f"unknown columns: {unknown_text}"] if unknown else []) + (
            [f"missing columns: {', '.join(absent)}"] if absent else []) + (
            [f"columns named twice: {', '.join(twice)}"] if twice else [])
        raise InvalidData(f"the CSV header must name {', '.join(IMPORT_COLUMNS)} (sku, name and price required): "
                          + "; ".join(parts))
    reader.fieldnames = header
    problems: list[str] = []
    products: list[ProductFields] = []
    seen_sku: dict[str, int] = {}
    seen_gtin: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        record = {k: (unguard_cell(v).strip() if isinstance(v, str) else v) for k, v in raw.items() if k is not None}
        if None in raw:
            problems.append(f"row {number}: more cells than columns")
            continue
        try:
            if not record.get("name"):
                raise InvalidData("name is required")
            if not record.get("price"):
                raise InvalidData("price is required")
            fields = validate_product(
                record.get("sku") or "", name=record.get("name"), price=record.get("price"),
                currency=record.get("currency"), tax_rate=record.get("tax_rate"), kind=record.get("kind"),
                gtin=record.get("gtin"), active=_active(record.get("active")),
            )
        except InvalidData as error:
            sku = record.get("sku") or ""
            label = f" ({named(sku)})" if sku else ""
            problems.extend(f"row {number}{label}: {p}" for p in error.problems)
            continue
        if fields.sku in seen_sku:
            problems.append(f"row {number}: SKU {fields.sku} is also on row {seen_sku[fields.sku]}")
            continue
        seen_sku[fields.sku] = number
        if fields.gtin:
            if fields.gtin in seen_gtin:
                problems.append(f"row {number}: GTIN {fields.gtin} is also on row {seen_gtin[fields.gtin]}")
                continue
            seen_gtin[fields.gtin] = number
        products.append(fields)
    if not products and not problems:
        raise InvalidData("the file has no product rows")
    with db.write() as transaction:
        result = _store_import(transaction, products, problems, seen_sku, stamp, default_currency)
        if dry_run:
            transaction.rollback()
    return ImportResult(result.added, result.updated, dry_run)


def _store_import(connection, products: list[ProductFields], problems: list[str], rows_of: dict[str, int],
                  stamp: Stamp, default_currency: str) -> ImportResult:
    existing = {r.sku: r for r in catalog.all_for_update(connection)}
    in_file = {f.sku: f for f in products}
    owner_now = {r.gtin: r.sku for r in existing.values() if r.gtin}
    prices: dict[str, Money] = {}
    for fields in products:
        where = f"row {rows_of[fields.sku]}"
        current = existing.get(fields.sku)
        try:
            prices[fields.sku] = fields.money(current.currency if current else default_currency)
        except InvalidData as error:
            problems.extend(f"{where} ({fields.sku}): {p}" for p in error.problems)
        owner = owner_now.get(fields.gtin) if fields.gtin else None
        if owner and owner != fields.sku:
            # the GTIN may move only if its owner is in the file with another GTIN
            mover = in_file.get(owner)
            if mover is None or mover.gtin in (None, fields.gtin):
                problems.append(f"{where}: GTIN {fields.gtin} is already used by {owner}")
        if current is not None:
            try:
                _check_kind_change(connection, current.id, current.kind, fields.kind, fields.sku)
            except Refused as error:
                problems.append(f"{where}: {error}")
    if problems:
        problems.sort(key=lambda p: int(p.split()[1].rstrip(":")) if p.startswith("row ") else 0)
        raise RowProblems(problems)
    new = [f for f in products if f.sku not in existing]
    old = [f for f in products if f.sku in existing]
    # GTINs that change owner are cleared first, so the unique index holds at every statement.
    catalog.clear_gtins(connection, [f.sku for f in old if f.gtin and existing[f.sku].gtin != f.gtin])
    catalog.add(connection, [_row_of(f, prices[f.sku]) for f in new], stamp.at)
    catalog.change(connection, [{**_changes(f, prices[f.sku]), "sku": f.sku} for f in old], stamp.at)
    return ImportResult(len(new), len(old), False)
