"""Fulfillment: which units of an order a shipment takes, the stages a shipment goes through,
and the status the order's quantities call for.

A shipment is a set of (line, quantity) from one location by one method. It is picked,
packed, handed over (to a carrier, to the customer at a store or at the counter, or issued as
a download) and delivered. Stock is consumed at the hand-over; until then the units stay
promised to the order. A deleted shipment, or one returned to sender, no longer counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from ordercli.domain.errors import InvalidData, Refused
from ordercli.domain.statuses import Status
from ordercli.domain.validation import MAX_QUANTITY, normalize_sku, shown


class Method(StrEnum):
    """How a shipment reaches the customer. `external`: the goods left outside ordercli (a
    status set by hand); `ship` is from a warehouse or a store, as its location's kind says."""

    SHIP = "ship"
    PICKUP = "pickup"
    HAND_OVER = "hand_over"
    DOWNLOAD = "download"
    EXTERNAL = "external"


class Stage(StrEnum):
    PICKED = "picked"
    PACKED = "packed"
    HANDED_OVER = "handed_over"
    DELIVERED = "delivered"
    RETURNED_TO_SENDER = "returned_to_sender"


STAGE_ORDER = (Stage.PICKED, Stage.PACKED, Stage.HANDED_OVER, Stage.DELIVERED)
# Stages a shipment counts in: a shipment returned to sender (or deleted) gives its units back.
COUNTING = frozenset({Stage.PICKED, Stage.PACKED, Stage.HANDED_OVER, Stage.DELIVERED})
# Stages in which the goods have left: the stock is consumed.
LEFT = frozenset({Stage.HANDED_OVER, Stage.DELIVERED})

# Methods whose hand-over is the delivery itself: the customer takes the goods there and then.
DELIVERED_AT_HAND_OVER = frozenset({Method.PICKUP, Method.HAND_OVER, Method.DOWNLOAD, Method.EXTERNAL})
# Methods that take stock from a location (a download takes none; external takes what is held).
TAKES_STOCK = frozenset({Method.SHIP, Method.PICKUP, Method.HAND_OVER})

# A line's delivery method -> the shipment method that fulfills it (service lines: appointments).
METHOD_OF_LINE = {"ship": Method.SHIP, "pickup": Method.PICKUP, "hand_over": Method.HAND_OVER,
                  "download": Method.DOWNLOAD}

# An order can ship while in these statuses.
SHIPPABLE = frozenset({Status.READY_TO_SHIP, Status.PARTIALLY_SHIPPED})


@dataclass(frozen=True)
class LineState:
    """What a line of an order is and where it stands: ordered, in shipments that count
    (`in_shipments`), of those handed over (`shipped`), what it holds per location id (`held`)
    and how much of that shipments not yet handed over have claimed (`pending`)."""

    id: int
    line_no: int
    sku: str
    kind: str
    product_id: int | None
    delivery_method: str
    quantity: int
    in_shipments: int
    shipped: int
    held: dict[int, int]
    pending: dict[int, int]

    @property
    def outstanding(self) -> int:
        """Units no shipment takes yet."""
        return self.quantity - self.in_shipments

    @property
    def fulfillable(self) -> bool:
        """Whether a shipment fulfills it (a service line is fulfilled by an appointment)."""
        return self.delivery_method in METHOD_OF_LINE

    def unclaimed(self) -> dict[int, int]:
        """Held units no shipment has claimed yet, per location."""
        return {loc: units - self.pending.get(loc, 0) for loc, units in self.held.items()
                if units - self.pending.get(loc, 0) > 0}


@dataclass(frozen=True)
class Want:
    """Part of a shipment request: `quantity` of a SKU (None: all that is outstanding)."""

    sku: str
    quantity: int | None = None


@dataclass(frozen=True)
class Take:
    """Units of a line a planned shipment takes, and from where (None: no stock is taken).
    Shipping from a location the line holds too few at moves the promise: `moved` says from
    where (location, units) it is released, `reserve` how many units are reserved at
    `location_id` first (the moved ones, and any the line was still waiting for)."""

    line_id: int
    quantity: int
    location_id: int | None
    moved: tuple[tuple[int, int], ...] = ()
    reserve: int = 0


@dataclass(frozen=True)
class Planned:
    """One shipment to make: an order's lines of one method from one location."""

    order_id: int
    method: Method
    location_id: int | None
    takes: tuple[Take, ...]


def parse_want(text: str) -> Want:
    """`SKU` or `SKU:QTY` (a whole number of units, at least 1); the SKU as the catalogue writes
    them (no colon, nothing invisible: what no order line can carry is refused here)."""
    sku, sep, quantity = text.partition(":")
    if not sku.strip() or ":" in quantity:
        raise InvalidData(f"{shown(text.strip())} is not SKU or SKU:QTY")
    sku = normalize_sku(sku)
    if not sep:
        return Want(sku)
    quantity = quantity.strip()
    if not quantity.isascii() or not quantity.isdigit():
        raise InvalidData(f"quantity {shown(quantity)} of {sku} is not a whole number of units")
    if len(quantity.lstrip("0")) > len(str(MAX_QUANTITY)) or int(quantity) > MAX_QUANTITY:
        raise InvalidData(f"quantity {shown(quantity)} of {sku} is more than {MAX_QUANTITY:,}")
    if int(quantity) < 1:
        raise InvalidData(f"quantity of {sku} must be at least 1")
    return Want(sku, int(quantity))


def plan_shipments(order_id: int, status: Status, lines: list[LineState], wants: list[Want] | None,
                   location_id: int | None, location_name: str | None,
                   available_at: dict[tuple[int, int], int], *, method: Method | None = None) -> list[Planned]:
    """The shipments that take what is asked of an order (`wants`; None: everything
    outstanding), one per method and location; refuses (Refused) what cannot ship.

    Units come from where the line holds them, or from `location_id` when given: where the
    line holds none there, that location's free stock (`available_at`: (product, location) ->
    units) must cover them, and the promise moves there.
    """
    if method != Method.EXTERNAL and status not in SHIPPABLE:
        if status == Status.OPEN:
            raise Refused(f"order {order_id} is open: verify it and mark it ready_to_ship first")
        raise Refused(f"order {order_id} is {status}: only ready_to_ship or partially_shipped orders can ship")
    by_sku: dict[str, list[LineState]] = defaultdict(list)
    for line in lines:
        by_sku[line.sku].append(line)
    wanted: list[tuple[LineState, int]] = []
    if wants is None:
        wanted = [(line, line.outstanding) for line in lines
                  if (line.fulfillable or method == Method.EXTERNAL) and line.outstanding > 0]
        if not wanted:
            raise Refused(f"order {order_id} has nothing left to ship")
    else:
        seen: set[str] = set()
        for want in wants:
            if want.sku in seen:
                raise InvalidData(f"{want.sku} is named twice")
            seen.add(want.sku)
            candidates = [line for line in by_sku.get(want.sku, []) if line.fulfillable or method == Method.EXTERNAL]
            if not by_sku.get(want.sku):
                raise Refused(f"{want.sku} is not on order {order_id}")
            if not candidates:
                raise Refused(f"{want.sku} on order {order_id} is a service: an appointment fulfills it")
            outstanding = sum(line.outstanding for line in candidates)
            quantity = outstanding if want.quantity is None else want.quantity
            if outstanding == 0:
                raise Refused(f"{want.sku} on order {order_id} has nothing left to ship (every unit is in a shipment)")
            if quantity > outstanding:
                raise Refused(f"cannot ship {quantity} of {want.sku} on order {order_id}: "
                              f"{outstanding} left to ship")
            for line in candidates:  # the same SKU on several lines: the first lines first
                part = min(quantity, line.outstanding)
                if part:
                    wanted.append((line, part))
                    quantity -= part
    groups: dict[tuple[Method, int | None], list[Take]] = defaultdict(list)
    free = dict(available_at)
    for line, quantity in wanted:
        line_method = method or METHOD_OF_LINE[line.delivery_method]
        if line_method == Method.EXTERNAL:  # one shipment; what the line holds is consumed where it is
            left = quantity
            for location, units in line.unclaimed().items():
                part = min(units, left)
                if part:
                    groups[(line_method, None)].append(Take(line.id, part, location))
                    left -= part
            if left:
                groups[(line_method, None)].append(Take(line.id, left, None))
            continue
        if line.kind != "physical" or line_method not in TAKES_STOCK:
            groups[(line_method, None)].append(Take(line.id, quantity, None))
            continue
        for take in _take(order_id, line, quantity, location_id, location_name, free):
            groups[(line_method, take.location_id)].append(take)
    return [Planned(order_id, m, loc, tuple(takes)) for (m, loc), takes in groups.items()]


def _take(order_id: int, line: LineState, quantity: int, location_id: int | None, location_name: str | None,
          free: dict[tuple[int, int], int]) -> list[Take]:
    """Where the units of a physical line come from. Without a location: from where the line
    holds them (the default location first, as promising fills it). With one: from there,
    its free stock covering what the line does not hold there (the promise moves)."""
    unclaimed = line.unclaimed()
    if location_id is None:
        takes, left = [], quantity
        for location, units in unclaimed.items():
            part = min(units, left)
            if part:
                takes.append(Take(line.id, part, location))
                left -= part
        if left:
            raise Refused(f"cannot ship {quantity} of {line.sku} on order {order_id}: only "
                          f"{quantity - left} promised and not in a shipment (the rest waits for stock; "
                          "--from a location with free stock ships it from there)")
        return takes
    here = unclaimed.get(location_id, 0)
    if here >= quantity:
        return [Take(line.id, quantity, location_id)]
    missing = quantity - here
    key = (line.product_id, location_id)
    if free.get(key, 0) < missing:
        raise Refused(f"cannot ship {quantity} of {line.sku} on order {order_id} from {location_name}: "
                      f"{here} promised there and {max(free.get(key, 0), 0)} free")
    free[key] = free.get(key, 0) - missing
    moved, left = [], missing
    for location, units in unclaimed.items():  # the promise moves from elsewhere
        if location == location_id or not left:
            continue
        part = min(units, left)
        moved.append((location, part))
        left -= part
    return [Take(line.id, quantity, location_id, tuple(moved), missing)]


def status_after(status: Status, lines: list[tuple[int, int]]) -> Status:
    """The status an order's quantities call for, (ordered, handed over) per line: nothing
    handed over, ready_to_ship (or where it was); some, partially_shipped; all, closed."""
    if sum(handed for _, handed in lines) == 0:
        return Status.READY_TO_SHIP if status in (Status.PARTIALLY_SHIPPED, Status.CLOSED) else status
    if all(handed >= ordered for ordered, handed in lines):
        return Status.CLOSED
    return Status.PARTIALLY_SHIPPED


def next_stages(method: Method, current: Stage | None, target: Stage) -> list[Stage]:
    """The stages a shipment passes from `current` (None: new) to `target`, in order; refuses
    going back or past the end. Methods delivered at hand-over are delivered there too."""
    if current == Stage.RETURNED_TO_SENDER:
        raise Refused("the shipment was returned to sender")
    start = 0 if current is None else STAGE_ORDER.index(current) + 1
    end = STAGE_ORDER.index(target) + 1
    if current is not None and STAGE_ORDER.index(current) >= STAGE_ORDER.index(target):
        raise Refused(f"the shipment is already {current}")
    if method in DELIVERED_AT_HAND_OVER and target == Stage.HANDED_OVER:
        end += 1
    return list(STAGE_ORDER[start:end])
