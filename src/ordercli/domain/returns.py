"""Returns (RMA) and exchanges: which units of an order may come back, what they are worth,
and the stages a return goes through.

A return takes back units that were fulfilled (handed over by a shipment that counts), never
more than were fulfilled minus what live returns (not canceled) already take back. It goes
requested -> received -> inspected -> refunded or credited; a requested return may be
canceled. Service lines are not returned: an appointment fulfills them.

What a return is worth (the refund rule, docs/commands.md "ordercli return"):
- each returned unit at its share of the line as sold: the line's net (after the line's
  discount and its share of order discounts) and its tax, as a cumulative share: after k of
  Q units have come back the returns of the line add up to round(net x k / Q) (half up), so
  returning everything gives back exactly what the line cost;
- the shipping charge (and its tax) only when the return says so (--refund-shipping), once;
- receiving the return credits what invoices cover of the returned units (the credit notes
  compute the same shares on the invoice lines); for invoiced lines the refund becomes what those
  credit notes credit (units a credit note credited before are not paid back twice), lines and
  a shipping charge never invoiced count at their worth; refunded shipping is never invoiced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ordercli.domain.errors import InvalidData, Refused
from ordercli.domain.invoicing import share
from ordercli.domain.statuses import Status
from ordercli.domain.validation import shown


RETURN_KINDS = ("return", "exchange")
# How a return ended: money back, credit kept, or (the migration allows it) an exchange.
SETTLEMENTS = ("refund", "credit", "exchange")


class ReturnStage(StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    INSPECTED = "inspected"
    REFUNDED = "refunded"
    CREDITED = "credited"
    CANCELED = "canceled"


# The stages in which the goods are back (received, or later): they count as returned.
BACK = frozenset({ReturnStage.RECEIVED, ReturnStage.INSPECTED, ReturnStage.REFUNDED, ReturnStage.CREDITED})
LIVE = frozenset(ReturnStage) - {ReturnStage.CANCELED}
# How a return is settled: money back (refunded), or credit kept for the customer (credited).
SETTLE_STAGES = {"refund": ReturnStage.REFUNDED, "credit": ReturnStage.CREDITED}

# Orders nothing can be returned from: nothing was sold.
NOT_RETURNABLE = frozenset({Status.CANCELED, Status.ABANDONED, Status.FAILED})


def check_stage(number: int, stage: ReturnStage, doing: str) -> None:
    """Refuse a step that does not follow the return's stage."""
    before = {"receive": {ReturnStage.REQUESTED}, "inspect": {ReturnStage.RECEIVED},
              "settle": {ReturnStage.INSPECTED}, "cancel": {ReturnStage.REQUESTED}}[doing]
    if stage in before:
        return
    if stage == ReturnStage.CANCELED:
        raise Refused(f"return {number} was canceled")
    hints = {"receive": "it was received already", "inspect": "it must be received first (ordercli rma receive)"
             if stage == ReturnStage.REQUESTED else "it was inspected already",
             "settle": "it must be received and inspected first" if stage == ReturnStage.REQUESTED
             else "it must be inspected first (ordercli rma inspect)" if stage == ReturnStage.RECEIVED
             else f"it was {stage} already",
             "cancel": "the goods are back: inspect and settle it instead"}
    raise Refused(f"return {number} is {stage}: {hints[doing]}")


@dataclass(frozen=True)
class ReturnableLine:
    """An order line as a return sees it: what was fulfilled of it, what live returns take
    back already (`returning`), and when its goods last reached the customer."""

    id: int
    line_no: int
    sku: str
    description: str
    kind: str
    delivery_method: str
    product_id: int | None
    quantity: int
    net_minor: int
    tax_minor: int
    fulfilled: int
    returning: int
    delivered_at: datetime | None = None

    @property
    def returnable(self) -> int:
        return max(self.fulfilled - self.returning, 0)


@dataclass(frozen=True)
class ReturnWant:
    sku: str
    quantity: int | None = None  # None: every returnable unit


@dataclass(frozen=True)
class ReturnTake:
    line: ReturnableLine
    quantity: int


def plan_return(order_id: int, status: Status, lines: list[ReturnableLine], wants: list[ReturnWant] | None,
                ) -> list[ReturnTake]:
    """The units a return takes back (`wants` None: everything returnable); refuses what
    cannot come back (Refused, as `ship` refuses a SKU that is not on the order)."""
    if status in NOT_RETURNABLE:
        raise Refused(f"order {order_id} is {status}: nothing was sold, so nothing can be returned")
    if status == Status.RETURNED:
        raise Refused(f"order {order_id} is returned: everything fulfilled has come back already")
    takes: list[ReturnTake] = []
    if wants is None:
        takes = [ReturnTake(line, line.returnable) for line in lines
                 if line.returnable > 0 and line.delivery_method != "service"]
        if not takes:
            raise Refused(f"order {order_id} has nothing to return: nothing fulfilled that is not back already")
        return takes
    seen: set[str] = set()
    for want in wants:
        if want.sku in seen:
            raise InvalidData(f"{want.sku} is named twice")
        seen.add(want.sku)
        candidates = [line for line in lines if line.sku == want.sku]
        if not candidates:
            raise Refused(f"{want.sku} is not on order {order_id}")
        if all(line.delivery_method == "service" for line in candidates):
            raise Refused(f"{want.sku} on order {order_id} is a service: it is not returned (an appointment "
                          "is canceled; an invoiced service is credited: ordercli credit-note)")
        candidates = [line for line in candidates if line.delivery_method != "service"]
        fulfilled = sum(line.fulfilled for line in candidates)
        returning = sum(line.returning for line in candidates)
        left = sum(line.returnable for line in candidates)
        quantity = left if want.quantity is None else want.quantity
        if fulfilled == 0:
            raise Refused(f"{want.sku} on order {order_id} was never fulfilled: there is nothing to return "
                          "(an order that has not shipped is canceled, or its lines left to ship)")
        if quantity > left or quantity == 0:
            raise Refused(f"cannot return {quantity} of {want.sku} on order {order_id}: {fulfilled} fulfilled"
                          + (f", {returning} returned or being returned already" if returning else "")
                          + (f", so {left} can come back" if left else ", so none can come back"))
        for line in candidates:
            part = min(quantity, line.returnable)
            if part:
                takes.append(ReturnTake(line, part))
                quantity -= part
    return takes


def check_window(order_id: int, takes: list[ReturnTake], now: datetime, days: int | None,
                 force: str | None) -> None:
    """Refuse a return after the window (`days` after the goods last reached the customer),
    unless forced with a reason."""
    if days is None or force:
        return
    reached = [take.line.delivered_at for take in takes if take.line.delivered_at is not None]
    if not reached:
        return
    ends = max(reached) + timedelta(days=days)
    if now > ends:
        raise Refused(f"the return window of order {order_id} ended on {ends:%Y-%m-%d} ({days} days after the goods "
                      f"reached the customer on {max(reached):%Y-%m-%d}): --force REASON overrides it")


@dataclass(frozen=True)
class Worth:
    net_minor: int
    tax_minor: int

    @property
    def total_minor(self) -> int:
        return self.net_minor + self.tax_minor


def worth(line: ReturnableLine, before: int, units: int) -> Worth:
    """What `units` coming back are worth when `before` units of the line came back already:
    the cumulative share of the line's net and tax (this module's docstring)."""
    done = before + units
    return Worth(share(line.net_minor, done, line.quantity) - share(line.net_minor, before, line.quantity),
                 share(line.tax_minor, done, line.quantity) - share(line.tax_minor, before, line.quantity))


def parse_return_want(text: str) -> ReturnWant:
    """`SKU` (every returnable unit) or `SKU:QTY`, as `return --line` takes it."""
    from ordercli.domain.fulfillment import parse_want

    want = parse_want(text)
    return ReturnWant(want.sku, want.quantity)


@dataclass(frozen=True)
class Disposition:
    """What the inspection does with units of a SKU: restock them (at `location`, None: where
    they shipped from) or write them off as damaged."""

    sku: str
    quantity: int | None  # None: all the return's units of the SKU not otherwise disposed of
    location: str | None = None
    write_off: bool = False


def parse_restock(text: str) -> Disposition:
    """`SKU[:QTY][@LOCATION]`: restock units (at LOCATION; default where they shipped from)."""
    body, at, location = text.partition("@") if "@" in text else (text, "", "")
    if at and not location.strip():
        raise InvalidData(f"{shown(text)}: name the location after @ (SKU:QTY@LOCATION)")
    if at and not body.strip():
        raise InvalidData(f"{shown(text)}: name the SKU before @ (SKU:QTY@LOCATION)")
    if "@" in location:
        raise InvalidData(f"{shown(text)}: one location after @ (SKU:QTY@LOCATION)")
    want = parse_return_want(body)
    return Disposition(want.sku, want.quantity, location.strip() or None)


def parse_write_off(text: str) -> Disposition:
    """`SKU[:QTY]`: units written off as damaged."""
    if "@" in text:
        raise InvalidData(f"{shown(text)}: written-off units go nowhere (SKU or SKU:QTY, no @LOCATION)")
    want = parse_return_want(text)
    return Disposition(want.sku, want.quantity, write_off=True)


@dataclass(frozen=True)
class InspectTake:
    return_line_id: int
    order_line_id: int
    quantity: int
    location: str | None  # None: where the units shipped from
    write_off: bool


def plan_inspection(number: int, lines: list[tuple[int, int, str, int]], dispositions: list[Disposition],
                    everything_else: str | None) -> list[InspectTake]:
    """Every unit of the return gets one fate. `lines`: (return line, order line, SKU,
    quantity). Units no disposition names are restocked (at `everything_else`, None: where they
    shipped from)."""
    left = {line_id: quantity for line_id, _, _, quantity in lines}
    by_sku: dict[str, list[tuple[int, int]]] = {}
    for line_id, order_line_id, sku, _ in lines:
        by_sku.setdefault(sku, []).append((line_id, order_line_id))
    takes: list[InspectTake] = []
    for item in dispositions:
        if item.sku not in by_sku:
            raise Refused(f"return {number} has no {item.sku}")
        available = sum(left[line_id] for line_id, _ in by_sku[item.sku])
        wanted = available if item.quantity is None else item.quantity
        if wanted > available or wanted == 0:
            raise Refused(f"return {number} has {available} of {item.sku} not yet disposed of, not {wanted}")
        for line_id, order_line_id in by_sku[item.sku]:
            part = min(wanted, left[line_id])
            if part:
                takes.append(InspectTake(line_id, order_line_id, part, item.location, item.write_off))
                left[line_id] -= part
                wanted -= part
    for line_id, order_line_id, _, _ in lines:
        if left[line_id]:
            takes.append(InspectTake(line_id, order_line_id, left[line_id], everything_else, False))
    return takes
