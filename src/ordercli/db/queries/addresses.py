"""Postal addresses: rows that never change, so whatever points at one keeps what it was."""

from __future__ import annotations

from ordercli.db.sql import first, insert

FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")


def add(connection, address) -> int:
    """A new address row (any object with the address fields); returns its id."""
    return insert(connection, f"INSERT INTO addresses ({', '.join(FIELDS)}) "
                              f"VALUES ({', '.join(':' + f for f in FIELDS)})",
                  {f: getattr(address, f) for f in FIELDS})


def get(connection, address_id: int):
    return first(connection, f"SELECT {', '.join(FIELDS)} FROM addresses WHERE id = :id", {"id": address_id})
