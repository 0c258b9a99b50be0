"""Stock arithmetic: where to promise an order's lines from, and what a movement may do.

Promising rule (the one place it is decided), for the physical lines of one order:
1. one location that can serve the whole order, if there is one: the default location
   first, then the others in the order they were added;
2. otherwise line by line: each line from the first location (same order) that can serve
   the whole line;
3. otherwise the line is split: as much as each location has, in the same order;
4. what no location has is short: refused, or with --backorder promised later.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ordercli.domain.errors import InsufficientStock, InvalidData
from ordercli.domain.validation import shown

LOCATION_KINDS = ("warehouse", "store")
MOVEMENT_KINDS = ("received", "adjusted", "transferred", "reserved", "released", "shipped", "returned")

_LOCATION_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def normalize_location_name(text: str) -> str:
    """Location names are identifiers: lower case letters, digits, '.', '_' and '-'."""
    name = (text or "").strip()
    name = name.lower() if name.isascii() else ""  # the Kelvin sign would lower-case into 'k'
    if not _LOCATION_NAME.fullmatch(name):
        raise InvalidData(
            f"location name {shown(text)} is not valid (letters, digits, '.', '_' and '-', at most 64)"
        )
    return name


@dataclass(frozen=True)
class Need:
    """A line that wants stock: `key` identifies it to the caller."""

    key: int
    product_id: int
    quantity: int


@dataclass(frozen=True)
class Allocation:
    key: int
    product_id: int
    location_id: int
    quantity: int


@dataclass(frozen=True)
class Plan:
    allocations: tuple[Allocation, ...]
    short: dict[int, int]  # line key -> units no location has

    @property
    def complete(self) -> bool:
        return not self.short


def plan_promises(needs: Sequence[Need], available: dict[tuple[int, int], int],
                  locations: Sequence[int]) -> Plan:
    """Where each line is promised from, by the rule in this module's docstring.

    `available` maps (product, location) to units that can be promised there; `locations`
    lists location ids in preference order (the default first).
    """
    left = dict(available)

    def can_serve(location: int, wanted: dict[int, int]) -> bool:
        return all(left.get((product, location), 0) >= quantity for product, quantity in wanted.items())

    whole: dict[int, int] = {}
    for need in needs:
        whole[need.product_id] = whole.get(need.product_id, 0) + need.quantity
    for location in locations:
        if needs and can_serve(location, whole):
            return Plan(tuple(Allocation(n.key, n.product_id, location, n.quantity) for n in needs), {})

    allocations: list[Allocation] = []
    short: dict[int, int] = {}
    for need in needs:
        single = next((loc for loc in locations if left.get((need.product_id, loc), 0) >= need.quantity), None)
        if single is not None:
            left[(need.product_id, single)] -= need.quantity
            allocations.append(Allocation(need.key, need.product_id, single, need.quantity))
            continue
        missing = need.quantity
        for location in locations:
            take = min(missing, left.get((need.product_id, location), 0))
            if take > 0:
                left[(need.product_id, location)] -= take
                allocations.append(Allocation(need.key, need.product_id, location, take))
                missing -= take
            if missing == 0:
                break
        if missing:
            short[need.key] = missing
    return Plan(tuple(allocations), short)


class Counts:
    """On hand and reserved, and so available: the one place `available` is computed.

    Mixed into every view of stock (a level at one location, a product's totals, a location's
    totals, the result of a movement); a subclass provides `on_hand` and `reserved`.
    """

    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        """What can still be promised: on hand less what is promised to orders."""
        return self.on_hand - self.reserved


class Totals(Counts):
    """Counts summed over `levels` (a product's stock at each location)."""

    levels: tuple

    @property
    def on_hand(self) -> int:
        return sum(level.on_hand for level in self.levels)

    @property
    def reserved(self) -> int:
        return sum(level.reserved for level in self.levels)


def insufficient(sku: str, requested: int, available: int) -> InsufficientStock:
    return InsufficientStock(f"insufficient stock for {sku}: requested {requested}, available {available}")


def check_adjustment(sku: str, location: str, on_hand: int, reserved: int, delta: int) -> None:
    """An adjustment may not take on hand below zero or below what is promised to orders."""
    after = on_hand + delta
    if after < reserved:
        raise InsufficientStock(
            f"adjusting {sku} at {location} by {delta:+d} would leave {after} on hand, "
            f"below the {reserved} promised to orders"
        )


def check_transfer(sku: str, location: str, on_hand: int, reserved: int, quantity: int) -> None:
    """A transfer may take only what is available (not promised) at its source."""
    if on_hand - reserved < quantity:
        promised = f" ({reserved} of {on_hand} promised to orders)" if reserved else ""
        raise InsufficientStock(f"insufficient stock for {sku} at {location}: requested {quantity}, "
                                f"available {on_hand - reserved}{promised}")
