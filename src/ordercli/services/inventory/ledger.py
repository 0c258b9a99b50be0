"""Finding what stock work is about, locking it, and changing counters with their ledger rows.

Every change of a counter is written in the same transaction as its ledger row (through
`move`), so on hand and reserved always equal the sums of the ledger. On PostgreSQL the
product rows are locked first (by id), so that all stock work on one SKU is serialized; on
SQLite the write lock taken by BEGIN IMMEDIATE does the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordercli.db import dialect
from ordercli.db.queries import catalog, locations, stock
from ordercli.domain.errors import NotFound, Refused
from ordercli.domain.stock import normalize_location_name
from ordercli.domain.validation import normalize_sku


@dataclass(frozen=True)
class StockProduct:
    id: int
    sku: str
    name: str
    kind: str


def find_product(connection, sku: str) -> StockProduct:
    code = normalize_sku(sku)
    row = catalog.by_sku(connection, code)
    if row is None:
        raise NotFound(f"product {code} does not exist")
    return StockProduct(row.id, row.sku, row.name, row.kind)


def stocked_product(connection, sku: str) -> StockProduct:
    product = find_product(connection, sku)
    if product.kind != "physical":
        raise Refused(f"{product.sku} is a {product.kind} product: it has no stock")
    return product


def find_location(connection, name: str | None) -> tuple[int, str]:
    """A location by name, or the default location when no name is given."""
    if name is None:
        row = locations.default(connection)
        if row is None:
            raise NotFound("there is no location yet: add one with `ordercli location add NAME --kind warehouse`")
        return row.id, row.name
    key = normalize_location_name(name)
    row = locations.by_name(connection, key)
    if row is None:
        raise NotFound(f"location {key} does not exist")
    return row.id, row.name


def lock_products(connection, product_ids) -> None:
    """Serialize stock work per SKU (see the module docstring)."""
    dialect.lock_ids(connection, "products", product_ids)


def move(connection, stamp, kind: str, product_id: int, location_id: int, on_hand: int,
         reason: str | None) -> None:
    """Change on hand at a location and write its ledger row (received, adjusted, transferred)."""
    stock.ensure_level(connection, product_id, location_id)
    stock.move_on_hand(connection, product_id, location_id, on_hand)
    stock.record(connection, stamp, [{"kind": kind, "product": product_id, "location": location_id,
                                      "on_hand": on_hand, "reason": reason}])
