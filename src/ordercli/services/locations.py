"""Locations: warehouses and stores. The first one added is the default; exactly one is."""

from __future__ import annotations

from dataclasses import dataclass

from ordercli.db import dialect
from ordercli.db.queries import addresses, locations
from ordercli.domain.errors import Field, InvalidData, Refused
from ordercli.domain.orders import Address, AddressRequest
from ordercli.domain.stock import LOCATION_KINDS, Counts, normalize_location_name
from ordercli.domain.validation import Problems, clean_text, normalize_country, shown
from ordercli.services.inventory.ledger import find_location
from ordercli.services.views import AddressView, Stamp


@dataclass(frozen=True)
class LocationView(Counts):
    name: str
    kind: str
    is_default: bool
    address: AddressView | None
    on_hand: int
    reserved: int


def _address(request: AddressRequest) -> Address | None:
    """An optional address: nothing given is fine, something given must be complete."""
    if request.is_empty():
        return None
    problems = Problems()
    line1 = problems.check(clean_text, request.line1, Field("address.line1"), required=True)
    city = problems.check(clean_text, request.city, Field("address.city"), required=True, max_length=100)
    country = problems.check(normalize_country, request.country or "")
    postal = problems.check(clean_text, request.postal_code, Field("address.postal_code"), max_length=20)
    line2 = problems.check(clean_text, request.line2, Field("address.line2"))
    region = problems.check(clean_text, request.region, Field("address.region"), max_length=100)
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
        dialect.lock_table(connection, "locations")  # one default, unique names: changes take turns
        if locations.by_name(connection, key):
            raise Refused(f"location {key} already exists")
        first_one = locations.count(connection) == 0
        address_id = addresses.add(connection, postal) if postal is not None else None
        if make_default and not first_one:
            locations.make_default(connection, None)
        locations.add(connection, key, kind, address_id, first_one or make_default, stamp.at)
        return _load(connection, key)


def set_default(db, name: str) -> LocationView:
    """Make a location the default: promised from first, and used when --at is left out."""
    with db.write() as connection:
        dialect.lock_table(connection, "locations")
        location_id, key = find_location(connection, name)
        locations.make_default(connection, location_id)
        return _load(connection, key)


def _view(row) -> LocationView:
    address = None
    if row.line1 is not None:
        address = AddressView(row.a_name, row.line1, row.line2, row.city, row.region, row.postal_code, row.country)
    return LocationView(row.name, row.kind, row.is_default, address, row.on_hand, row.reserved)


def _load(connection, key: str) -> LocationView:
    return _view(locations.view(connection, key))


def list_locations(db) -> list[LocationView]:
    with db.read() as connection:
        return [_view(r) for r in locations.views(connection)]
