"""Goods in, corrections and moves between locations: each a use case in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from ordercli.db.queries import stock
from ordercli.domain.errors import Field, InvalidData, Problem
from ordercli.domain.stock import Counts, check_adjustment, check_transfer
from ordercli.domain.validation import clean_text, parse_quantity
from ordercli.services.inventory.ledger import find_location, lock_products, move, stocked_product
from ordercli.services.inventory.promising import fill_backorders


@dataclass(frozen=True)
class StockChange(Counts):
    """A product's stock at one location after a movement."""

    sku: str
    location: str
    on_hand: int
    reserved: int
    backorders_promised: int


def receive(db, sku: str, quantity: object, location: str | None, note: str | None, stamp) -> StockChange:
    """Goods arrived at a location: on hand goes up; waiting backorders are promised."""
    units = parse_quantity(quantity)
    note = clean_text(note, Field("note"), max_length=500)
    with db.write() as connection:
        product = stocked_product(connection, sku)
        location_id, location_name = find_location(connection, location)
        lock_products(connection, {product.id})
        move(connection, stamp, "received", product.id, location_id, units, note)
        promised = fill_backorders(connection, {product.id}, stamp)
        return StockChange(product.sku, location_name, *stock.level(connection, product.id, location_id),
                           len(promised))


def adjust(db, sku: str, delta: object, location: str | None, reason: str, stamp) -> StockChange:
    """A count correction, damage, loss: on hand goes up or down, never below what is promised."""
    units = parse_quantity(delta, "adjustment", allow_negative=True)
    reason = clean_text(reason, Field("reason"), required=True, max_length=500)
    with db.write() as connection:
        product = stocked_product(connection, sku)
        location_id, location_name = find_location(connection, location)
        lock_products(connection, {product.id})
        check_adjustment(product.sku, location_name, *stock.level(connection, product.id, location_id), units)
        move(connection, stamp, "adjusted", product.id, location_id, units, reason)
        promised = fill_backorders(connection, {product.id}, stamp) if units > 0 else {}
        return StockChange(product.sku, location_name, *stock.level(connection, product.id, location_id),
                           len(promised))


def transfer(db, sku: str, quantity: object, source: str, destination: str, note: str | None,
             stamp) -> tuple[StockChange, StockChange]:
    """Move available (unpromised) units from one location to another."""
    units = parse_quantity(quantity)
    note = clean_text(note, Field("note"), max_length=500)
    with db.write() as connection:
        product = stocked_product(connection, sku)
        from_id, from_name = find_location(connection, source)
        to_id, to_name = find_location(connection, destination)
        if from_id == to_id:
            raise InvalidData(Problem(Field("from"), " and ", Field("to"), f" are the same location ({from_name})"))
        lock_products(connection, {product.id})
        check_transfer(product.sku, from_name, *stock.level(connection, product.id, from_id), units)
        reason = note or f"transfer {from_name} -> {to_name}"
        move(connection, stamp, "transferred", product.id, from_id, -units, reason)
        move(connection, stamp, "transferred", product.id, to_id, units, reason)
        promised = fill_backorders(connection, {product.id}, stamp)
        return (StockChange(product.sku, from_name, *stock.level(connection, product.id, from_id), 0),
                StockChange(product.sku, to_name, *stock.level(connection, product.id, to_id), len(promised)))
