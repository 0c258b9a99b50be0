"""Locations: warehouses and stores. The first one added is the default; exactly one is."""

from __future__ import annotations

from dataclasses import dataclass

from ordercli.db.sql import dialect_of, execute, first, insert, rows, scalar
from ordercli.domain.errors import InvalidData, Refused
from ordercli.domain.orders import Address, AddressRequest
from ordercli.domain.stock import LOCATION_KINDS, normalize_location_name
from ordercli.domain.validation import Problems, clean_text, normalize_country, shown
from ordercli.services.stock import find_location
from ordercli.services.views import AddressView, Stamp


@dataclass(frozen=True)
class LocationView:
    name: str
    kind: str
    is_default: bool
    address: AddressView | None
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def _address(request: AddressRequest) -> Address | None:
    """An optional address: nothing given is fine, something given must be complete."""
    if request.is_empty():
        return None
    problems = Problems()
    line1 = problems.check(clean_text, request.line1, "--address", required=True)
    city = problems.check(clean_text, request.city, "--city", required=True, max_length=100)
    country = problems.check(normalize_country, request.country or "")
    postal = problems.check(clean_text, request.postal_code, "--postal-code", max_length=20)
    line2 = problems.check(clean_text, request.line2, "--address2")
    region = problems.check(clean_text, request.region, "--region", max_length=100)
    problems.raise_if_any()
    return Address(None, line1, line2, city, region, postal, country)


def add_location(db, name: str, kind: str, address: AddressRequest, stamp: Stamp, *,
                 make_default: bool = False) -> LocationView:
    key = normalize_location_name(name)
    kind = (kind or "").strip().lower()
    if kind not in LOCATION_KINDS:
        raise InvalidData(f"kind {shown(kind)} is not one of {', '.join(LOCATION_KINDS)}")
    postal = _address(address)
    with db.write() as connection:
        _lock_locations(connection)
        if first(connection, "SELECT 1 FROM locations WHERE name = :n", {"n": key}):
            raise Refused(f"location {key} already exists")
        first_one = scalar(connection, "SELECT count(*) FROM locations") == 0
        address_id = None
        if postal is not None:
            address_id = insert(connection, "INSERT INTO addresses (name, line1, line2, city, region, postal_code, "
                                            "country) VALUES (:name, :line1, :line2, :city, :region, :postal_code, "
                                            ":country)", vars(postal))
        if make_default and not first_one:
            execute(connection, "UPDATE locations SET is_default = false WHERE is_default")
        execute(connection, "INSERT INTO locations (name, kind, address_id, is_default, created_at) "
                            "VALUES (:name, :kind, :address, :default, :at)",
                {"name": key, "kind": kind, "address": address_id, "default": first_one or make_default,
                 "at": stamp.at})
        return _load(connection, key)


def set_default(db, name: str) -> LocationView:
    """Make a location the default: promised from first, and used when --at is left out."""
    with db.write() as connection:
        _lock_locations(connection)
        location_id, key = find_location(connection, name)
        execute(connection, "UPDATE locations SET is_default = false WHERE is_default AND id <> :id", {"id": location_id})
        execute(connection, "UPDATE locations SET is_default = true WHERE id = :id", {"id": location_id})
        return _load(connection, key)


def _lock_locations(connection) -> None:
    """Location changes are rare: on PostgreSQL they take turns (one default, unique names)."""
    if dialect_of(connection) != "sqlite":
        execute(connection, "LOCK TABLE locations IN SHARE ROW EXCLUSIVE MODE")


_SELECT = """
SELECT loc.name, loc.kind, loc.is_default, a.name AS a_name, a.line1, a.line2, a.city, a.region, a.postal_code,
       a.country, COALESCE((SELECT SUM(on_hand) FROM stock_levels s WHERE s.location_id = loc.id), 0) AS on_hand,
       COALESCE((SELECT SUM(reserved) FROM stock_levels s WHERE s.location_id = loc.id), 0) AS reserved
FROM locations loc LEFT JOIN addresses a ON a.id = loc.address_id
"""


def _view(row) -> LocationView:
    address = None
    if row.line1 is not None:
        address = AddressView(row.a_name, row.line1, row.line2, row.city, row.region, row.postal_code, row.country)
    return LocationView(row.name, row.kind, bool(row.is_default), address, row.on_hand, row.reserved)


def _load(connection, key: str) -> LocationView:
    return _view(first(connection, _SELECT + " WHERE loc.name = :n", {"n": key}))


def list_locations(db) -> list[LocationView]:
    with db.read() as connection:
        return [_view(r) for r in rows(connection, _SELECT + " ORDER BY loc.is_default DESC, loc.id")]
