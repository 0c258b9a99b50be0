"""What people and scripts look at: stock per product and location, the ledger, availability,
the ledger check, and where an order's lines are promised."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ordercli.db.queries import stock
from ordercli.domain.stock import Counts, Totals
from ordercli.services.inventory.ledger import find_location, find_product


@dataclass(frozen=True)
class LevelView(Counts):
    location: str
    on_hand: int
    reserved: int


@dataclass(frozen=True)
class ProductStock(Totals):
    sku: str
    name: str
    levels: tuple[LevelView, ...]


def list_stock(db, *, sku: str | None = None, location: str | None = None, below: int | None = None) -> list[ProductStock]:
    """Stock of physical products per location (every location, zero included), with totals.

    `below` keeps the products whose available stock (at `location`, or in total) is under it.
    """
    with db.read() as connection:
        product_id = find_product(connection, sku).id if sku else None
        location_id = find_location(connection, location)[0] if location else None
        found = stock.levels(connection, product_id=product_id, location_id=location_id)
        if found:
            levels: dict[str, list[LevelView]] = defaultdict(list)
            names = {}
            for r in found:
                levels[r.sku].append(LevelView(r.location, r.on_hand, r.reserved))
                names[r.sku] = r.name
            result = [ProductStock(k, names[k], tuple(v)) for k, v in levels.items()]
        else:  # no location yet: the products, with nothing anywhere
            result = [ProductStock(r.sku, r.name, ()) for r in stock.physical_products(connection, product_id)]
    if below is not None:
        result = [p for p in result if p.available < below]
    return result


@dataclass(frozen=True)
class MovementView:
    at: datetime
    kind: str
    location: str
    on_hand_delta: int
    reserved_delta: int
    order: int | None
    actor: str
    command: str
    reason: str | None


def stock_history(db, sku: str, *, location: str | None = None, limit: int | None = None) -> list[MovementView]:
    """The ledger of one SKU, oldest first (the last `limit` movements)."""
    with db.read() as connection:
        product = find_product(connection, sku)
        location_id = find_location(connection, location)[0] if location else None
        found = stock.movements(connection, product.id, location_id, limit)
    return [MovementView(r.at, r.kind, r.location, r.on_hand_delta, r.reserved_delta, r.order_id, r.actor,
                         r.command, r.reason) for r in found]


@dataclass(frozen=True)
class Availability(Totals):
    sku: str
    kind: str
    levels: tuple[LevelView, ...]
    location: str | None  # the one asked about, if any

    @property
    def stocked(self) -> bool:
        return self.kind == "physical"

    def can_promise(self, quantity: int) -> bool:
        return not self.stocked or self.available >= quantity


def check_availability(db, sku: str, location: str | None = None) -> Availability:
    """What can be promised of a SKU where (digital and service products are always available)."""
    with db.read() as connection:
        product = find_product(connection, sku)
        if product.kind != "physical":
            return Availability(product.sku, product.kind, (), None)
        location_id, name = find_location(connection, location) if location else (None, None)
        found = stock.levels_of_product(connection, product.id, location_id)
    return Availability(product.sku, product.kind, tuple(LevelView(r.location, r.on_hand, r.reserved) for r in found),
                        name)


@dataclass(frozen=True)
class LedgerDifference:
    sku: str
    location: str
    on_hand: int
    ledger_on_hand: int
    reserved: int
    ledger_reserved: int


def check_ledger(db) -> list[LedgerDifference]:
    """Every counter against the sum of its ledger; an empty list means they all agree."""
    with db.read() as connection:
        found = stock.counters_against_ledger(connection)
    return [LedgerDifference(r.sku, r.location, r.on_hand, r.ledger_on_hand, r.reserved, r.ledger_reserved)
            for r in found if (r.on_hand, r.reserved) != (r.ledger_on_hand, r.ledger_reserved)]


def order_promises(connection, order_id: int) -> dict[int, list[tuple[str, int]]]:
    """Where each line of an order is promised: line number -> [(location, units)]."""
    promises: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for r in stock.promises_of_order(connection, order_id):
        promises[r.line_no].append((r.location, r.held))
    return dict(promises)
