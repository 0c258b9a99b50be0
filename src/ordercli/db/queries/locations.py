"""Locations: warehouses and stores (the order stock is promised from them: stock.availability)."""

from __future__ import annotations

from ordercli.db.sql import execute, first, rows, scalar

_VIEW = """
SELECT loc.name, loc.kind, loc.is_default, a.name AS a_name, a.line1, a.line2, a.city, a.region, a.postal_code,
       a.country, COALESCE((SELECT SUM(on_hand) FROM stock_levels s WHERE s.location_id = loc.id), 0) AS on_hand,
       COALESCE((SELECT SUM(reserved) FROM stock_levels s WHERE s.location_id = loc.id), 0) AS reserved
FROM locations loc LEFT JOIN addresses a ON a.id = loc.address_id
"""


def by_name(connection, name: str):
    return first(connection, "SELECT id, name FROM locations WHERE name = :name", {"name": name})


def default(connection):
    return first(connection, "SELECT id, name FROM locations WHERE is_default")


def count(connection) -> int:
    return scalar(connection, "SELECT count(*) FROM locations")


def add(connection, name: str, kind: str, address_id: int | None, is_default: bool, at) -> None:
    execute(connection, "INSERT INTO locations (name, kind, address_id, is_default, created_at) "
                        "VALUES (:name, :kind, :address, :default, :at)",
            {"name": name, "kind": kind, "address": address_id, "default": is_default, "at": at})


def make_default(connection, location_id: int | None) -> None:
    """`location_id` becomes the default (None: no location is, until one is set in the same transaction)."""
    execute(connection, "UPDATE locations SET is_default = false WHERE is_default AND id <> :id",
            {"id": location_id or 0})
    if location_id is not None:
        execute(connection, "UPDATE locations SET is_default = true WHERE id = :id", {"id": location_id})


def view(connection, name: str):
    return first(connection, _VIEW + " WHERE loc.name = :n", {"n": name})


def views(connection) -> list:
    return rows(connection, _VIEW + " ORDER BY loc.is_default DESC, loc.id")
