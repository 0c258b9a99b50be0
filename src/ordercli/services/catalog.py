"""The product catalogue: add, update, list, show, and import a whole catalogue from CSV."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from ordercli.db.sql import as_utc, dialect_of, execute, first, is_unique_violation, rows
from ordercli.domain.errors import InvalidData, NotFound, Refused
from ordercli.domain.money import Money, normalize_currency, parse_amount, parse_money, parse_percent
from ordercli.domain.orders import PRODUCT_KINDS
from ordercli.domain.validation import Problems, clean_text, named, normalize_gtin, normalize_sku, shown
from ordercli.io.csv import unguard_cell
from ordercli.services.stock import LevelView, StockTotals
from ordercli.services.views import Stamp


@dataclass(frozen=True)
class ProductView(StockTotals):
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
                       row.gtin, bool(row.active), as_utc(row.created_at), as_utc(row.updated_at), tuple(levels))


_PRODUCT_COLUMNS = "id, sku, name, unit_price_minor, currency, tax_rate_bp, kind, gtin, active, created_at, updated_at"


def _refuse_taken_gtin(connection, gtin: str | None, sku: str) -> None:
    if gtin is None:
        return
    owner = first(connection, "SELECT sku FROM products WHERE gtin = :g AND sku <> :s", {"g": gtin, "s": sku})
    if owner is not None:
        raise Refused(f"GTIN {gtin} is already used by {owner.sku}")


def add_product(db, fields: ProductFields, stamp: Stamp, *, default_currency: str = "EUR") -> ProductView:
    """A new product; a name and a price are required."""
    missing = [flag for flag, value in (("--name", fields.name), ("--price", fields.price)) if value is None]
    if missing:
        raise InvalidData(f"missing required fields: {', '.join(missing)}")
    price = fields.money(default_currency)
    with db.write() as connection:
        if first(connection, "SELECT 1 FROM products WHERE sku = :s", {"s": fields.sku}):
            raise Refused(f"product {fields.sku} already exists (change it with `ordercli product update`)")
        _refuse_taken_gtin(connection, fields.gtin, fields.sku)
        try:
            execute(connection, "INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, "
                                "gtin, active, created_at, updated_at) VALUES (:sku, :name, :price, :currency, :tax, "
                                ":kind, :gtin, :active, :at, :at)",
                    {"sku": fields.sku, "name": fields.name, "price": price.minor, "currency": price.currency,
                     "tax": fields.tax_rate_bp or 0, "kind": fields.kind or "physical", "gtin": fields.gtin,
                     "active": True if fields.active is None else fields.active, "at": stamp.at})
        except Exception as error:  # another process added the same SKU or GTIN a moment ago
            if is_unique_violation(error, "products"):
                raise Refused(f"product {fields.sku} (or GTIN {fields.gtin}) was just added by someone else") from None
            raise
        return _load(connection, fields.sku)


def update_product(db, fields: ProductFields, stamp: Stamp) -> tuple[ProductView, bool]:
    """Change what is given; a product with stock or promises cannot stop being physical. A
    new price without a currency is in the product's own currency. Returns the product and
    whether anything changed (values equal to the current ones change nothing, not even
    updated_at)."""
    with db.write() as connection:
        lock = "" if dialect_of(connection) == "sqlite" else " FOR NO KEY UPDATE"
        current = first(connection, f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE sku = :s{lock}", {"s": fields.sku})
        if current is None:
            raise NotFound(f"product {fields.sku} does not exist")
        _check_kind_change(connection, current.id, current.kind, fields.kind, fields.sku)
        _refuse_taken_gtin(connection, fields.gtin, fields.sku)
        changes = {column: value for column, value in _changes(fields, fields.money(current.currency)).items()
                   if value != getattr(current, column)}
        if changes:
            assignments = ", ".join(f"{column} = :{column}" for column in changes)
            execute(connection, f"UPDATE products SET {assignments}, updated_at = :at WHERE id = :id",
                    {**changes, "at": stamp.at, "id": current.id})
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
    held = first(connection, "SELECT COALESCE(SUM(on_hand), 0) AS on_hand, COALESCE(SUM(reserved), 0) AS reserved "
                             "FROM stock_levels WHERE product_id = :p", {"p": product_id})
    waiting = first(connection, "SELECT count(*) AS n FROM order_lines WHERE product_id = :p AND backordered",
                    {"p": product_id})
    if held.on_hand or held.reserved or waiting.n:
        raise Refused(f"{sku} has stock ({held.on_hand} on hand, {held.reserved} promised) or backorders: "
                      f"it stays physical until they are gone")


def _load(connection, sku: str) -> ProductView:
    row = first(connection, f"SELECT {_PRODUCT_COLUMNS} FROM products WHERE sku = :s", {"s": sku})
    if row is None:
        raise NotFound(f"product {sku} does not exist")
    levels = rows(connection, """
        SELECT loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved
        FROM locations loc LEFT JOIN stock_levels s ON s.location_id = loc.id AND s.product_id = :p
        ORDER BY loc.is_default DESC, loc.id""", {"p": row.id}) if row.kind == "physical" else []
    return _view(row, (LevelView(r.location, r.on_hand, r.reserved) for r in levels))


def get_product(db, sku: str) -> ProductView:
    with db.read() as connection:
        return _load(connection, normalize_sku(sku))


def list_products(db, *, search: str | None = None, kind: str | None = None,
                  include_inactive: bool = True) -> list[ProductView]:
    """Products by SKU, with their stock totals (physical products)."""
    conditions, params = [], {}
    if search:
        conditions.append("(lower(p.sku) LIKE :q OR lower(p.name) LIKE :q OR p.gtin = :exact)")
        params["q"] = f"%{search.strip().lower()}%"
        params["exact"] = search.strip()
    if kind:
        conditions.append("p.kind = :kind")
        params["kind"] = _kind(kind)
    if not include_inactive:
        conditions.append("p.active")
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    with db.read() as connection:
        found = rows(connection, f"""
            SELECT p.sku, p.name, p.unit_price_minor, p.currency, p.tax_rate_bp, p.kind, p.gtin, p.active,
                   p.created_at, p.updated_at,
                   COALESCE(SUM(s.on_hand), 0) AS on_hand, COALESCE(SUM(s.reserved), 0) AS reserved
            FROM products p LEFT JOIN stock_levels s ON s.product_id = p.id
            {where}
            GROUP BY p.id, p.sku, p.name, p.unit_price_minor, p.currency, p.tax_rate_bp, p.kind, p.gtin, p.active,
                     p.created_at, p.updated_at
            ORDER BY p.sku""", params)
    return [_view(r, [LevelView("(all)", r.on_hand, r.reserved)] if r.kind == "physical" else []) for r in found]


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
    result = None
    try:
        with db.write() as connection:
            result = _store_import(connection, products, problems, seen_sku, stamp, default_currency)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return ImportResult(result.added, result.updated, dry_run)


class _Rollback(Exception):
    pass


def _store_import(connection, products: list[ProductFields], problems: list[str], rows_of: dict[str, int],
                  stamp: Stamp, default_currency: str) -> ImportResult:
    lock = "" if dialect_of(connection) == "sqlite" else " FOR NO KEY UPDATE"
    existing = {r.sku: r for r in rows(connection, f"SELECT id, sku, kind, gtin, currency FROM products ORDER BY id{lock}")}
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
        raise InvalidData([f"nothing imported: {len(problems)} problem(s)"] + problems)
    new = [f for f in products if f.sku not in existing]
    old = [f for f in products if f.sku in existing]
    # GTINs that change owner are cleared first, so the unique index holds at every statement.
    changing = [f.sku for f in old if f.gtin and existing[f.sku].gtin != f.gtin]
    execute(connection, "UPDATE products SET gtin = NULL WHERE sku = :sku", [{"sku": sku} for sku in changing])
    execute(connection, "INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, gtin, "
                        "active, created_at, updated_at) VALUES (:sku, :name, :price, :currency, :tax, :kind, "
                        ":gtin, :active, :at, :at)",
            [{"sku": f.sku, "name": f.name, "price": prices[f.sku].minor, "currency": prices[f.sku].currency,
              "tax": f.tax_rate_bp or 0, "kind": f.kind or "physical", "gtin": f.gtin,
              "active": True if f.active is None else f.active, "at": stamp.at} for f in new])
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for f in old:
        changes = _changes(f, prices[f.sku])
        by_columns.setdefault(tuple(changes), []).append({**changes, "at": stamp.at, "sku": f.sku})
    for columns, batch in by_columns.items():
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        execute(connection, f"UPDATE products SET {assignments}, updated_at = :at WHERE sku = :sku", batch)
    return ImportResult(len(new), len(old), False)
