"""Products: the catalogue's rows."""

from __future__ import annotations

from ordercli.db.dialect import for_update, import_turn
from ordercli.db.sql import execute, first, pipelined, rows

COLUMNS = "id, sku, name, unit_price_minor, currency, tax_rate_bp, kind, gtin, active, created_at, updated_at"


def by_sku(connection, sku: str, *, lock: bool = False):
    """The product row with this SKU (locked until commit if `lock`, after the import turn), or None."""
    with pipelined(connection):  # the turn goes with the read
        if lock:
            import_turn(connection)
        suffix = for_update(connection) if lock else ""
        return first(connection, f"SELECT {COLUMNS} FROM products WHERE sku = :sku{suffix}", {"sku": sku})


def by_skus(connection, skus) -> list:
    return rows(connection, f"SELECT {COLUMNS} FROM products WHERE sku IN :skus", {"skus": sorted(skus)})


def all_for_update(connection) -> list:
    """Every product's id, SKU, kind, GTIN and currency, locked after the import turn (for a
    whole-catalogue import)."""
    with pipelined(connection):  # the turn goes with the read
        import_turn(connection)
        return rows(connection, f"SELECT id, sku, kind, gtin, currency FROM products ORDER BY id"
                                f"{for_update(connection)}")


def gtin_owner(connection, gtin: str, other_than: str) -> str | None:
    row = first(connection, "SELECT sku FROM products WHERE gtin = :g AND sku <> :s", {"g": gtin, "s": other_than})
    return None if row is None else row.sku


def add(connection, products: list[dict], at) -> None:
    """Insert products: dicts of sku, name, unit_price_minor, currency, tax_rate_bp, kind, gtin, active."""
    execute(connection, "INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, gtin, "
                        "active, created_at, updated_at) VALUES (:sku, :name, :unit_price_minor, :currency, "
                        ":tax_rate_bp, :kind, :gtin, :active, :at, :at)",
            [{**product, "at": at} for product in products])


def change(connection, changes: list[dict], at) -> None:
    """Set the given columns of products by SKU (each dict: sku and the columns to set); one
    statement per set of columns."""
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for item in changes:
        columns = tuple(sorted(k for k in item if k != "sku"))
        by_columns.setdefault(columns, []).append({**item, "at": at})
    for columns, batch in by_columns.items():
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        execute(connection, f"UPDATE products SET {assignments}, updated_at = :at WHERE sku = :sku", batch)


def clear_gtins(connection, skus: list[str]) -> None:
    execute(connection, "UPDATE products SET gtin = NULL WHERE sku = :sku", [{"sku": sku} for sku in skus])


def stock_held(connection, product_id: int):
    """On hand and reserved over all locations, and lines waiting for the product."""
    return first(connection, """
        SELECT COALESCE((SELECT SUM(on_hand) FROM stock_levels WHERE product_id = :p), 0) AS on_hand,
               COALESCE((SELECT SUM(reserved) FROM stock_levels WHERE product_id = :p), 0) AS reserved,
               (SELECT count(*) FROM order_lines WHERE product_id = :p AND backordered) AS waiting""",
                 {"p": product_id})


def _listing_filter(search: str | None, kind: str | None, active_only: bool, *also: str) -> tuple[str, dict]:
    """The WHERE clause (on `products p`) and parameters of a catalogue listing, with `also`."""
    conditions, params = list(also), {}
    if search:
        conditions.append("(lower(p.sku) LIKE :q OR lower(p.name) LIKE :q OR p.gtin = :exact)")
        params["q"] = f"%{search.strip().lower()}%"
        params["exact"] = search.strip()
    if kind:
        conditions.append("p.kind = :kind")
        params["kind"] = kind
    if active_only:
        conditions.append("p.active")
    return ("WHERE " + " AND ".join(conditions)) if conditions else "", params


def listing(connection, *, search: str | None, kind: str | None, active_only: bool) -> list:
    """Products by SKU."""
    where, params = _listing_filter(search, kind, active_only)
    return rows(connection, f"SELECT {COLUMNS} FROM products p {where} ORDER BY p.sku", params)


def listing_levels(connection, *, search: str | None, kind: str | None, active_only: bool) -> list:
    """(sku, location, on_hand, reserved) of the listing's physical products at every location,
    by SKU, the default location first (as `stock.levels_of_product` orders one product's)."""
    where, params = _listing_filter(search, kind, active_only, "p.kind = 'physical'")
    return rows(connection, f"""
        SELECT p.sku, loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved
        FROM products p CROSS JOIN locations loc
        LEFT JOIN stock_levels s ON s.product_id = p.id AND s.location_id = loc.id
        {where}
        ORDER BY p.sku, loc.is_default DESC, loc.id""", params)
