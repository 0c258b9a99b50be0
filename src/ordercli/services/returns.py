"""Returns (RMA) and exchanges: opening a return, receiving the goods (credit notes for what
was invoiced), inspecting them (restock or write off, with the ledger), settling the refund,
and an exchange's replacement order.

Every step locks the order's row first (the lock order of every order change), so a return
and a shipment deletion of the same units, or two returns of the last unit, never both pass.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from ordercli.db import dialect
from ordercli.db.queries import history, returns, stock
from ordercli.db.sql import first, rows, scalar
from ordercli.domain.errors import Field, InvalidData, NotFound, OrderCliError, Problem, Refused
from ordercli.domain.money import Money
from ordercli.domain.returns import (
    BACK, SETTLE_STAGES, Disposition, ReturnableLine, ReturnStage, ReturnTake, ReturnWant, check_stage, check_window,
    plan_inspection, plan_return, worth,
)
from ordercli.domain.statuses import Status, Trigger, check_transition
from ordercli.domain.validation import clean_text, parse_order_number
from ordercli.services.inventory.ledger import find_location, lock_products
from ordercli.services.inventory.promising import fill_backorders
from ordercli.services.views import Stamp


@dataclass(frozen=True)
class ReturnLineView:
    line_no: int
    sku: str
    description: str
    quantity: int
    restocked: int
    written_off: int
    location: str | None  # where restocked units went


@dataclass(frozen=True)
class StageView:
    stage: str
    at: datetime
    by: str


@dataclass(frozen=True)
class ReturnView:
    number: int
    order_number: int
    order_status: str
    kind: str
    stage: str
    reason: str
    lines: tuple[ReturnLineView, ...]
    refund: Money
    refund_shipping: bool
    window_override: str | None
    replacement_order: int | None
    credit_notes: tuple[str, ...]
    stages: tuple[StageView, ...]
    settled_as: str | None
    reference: str | None
    cancel_reason: str | None
    requested_at: datetime

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def _views(connection, headers: list) -> list[ReturnView]:
    ids = [h.id for h in headers]
    lines: dict[int, list[ReturnLineView]] = defaultdict(list)
    for r in returns.lines_of(connection, ids):
        lines[r.return_id].append(ReturnLineView(r.line_no, r.sku, r.description, r.quantity, r.restocked,
                                                 r.written_off, r.location))
    notes: dict[int, list[str]] = defaultdict(list)
    for r in returns.credit_notes_of(connection, ids):
        notes[r.return_id].append(r.number)
    out = []
    for h in headers:
        stages = [StageView("requested", h.requested_at, h.requested_by)]
        for stage in ("received", "inspected", "settled", "canceled"):
            at = getattr(h, f"{stage}_at")
            if at is not None:
                name = h.stage if stage == "settled" else stage
                stages.append(StageView(name, at, getattr(h, f"{stage}_by")))
        out.append(ReturnView(
            h.id, h.order_id, h.order_status, h.kind, h.stage, h.reason, tuple(lines[h.id]),
            Money(h.refund_minor or 0, h.currency), bool(h.refund_shipping), h.window_override,
            h.replacement_order_id, tuple(notes[h.id]), tuple(stages), h.settled_as, h.settle_reference,
            h.cancel_reason, h.requested_at))
    return out


def _view(connection, return_id: int) -> ReturnView:
    return _views(connection, [returns.get(connection, return_id)])[0]


def _lock_order(connection, number: int):
    dialect.lock_ids(connection, "orders", [number])
    row = first(connection, "SELECT id, status, currency, shipping_minor, shipping_tax_minor FROM orders "
                            "WHERE id = :id", {"id": number})
    if row is None:
        raise NotFound(f"order {number} does not exist")
    return row


def _locked_return(connection, return_id: int):
    """The return, its order's row locked first."""
    number = returns.order_of(connection, return_id)
    if number is None:
        raise NotFound(f"return {return_id} does not exist")
    dialect.lock_ids(connection, "orders", [number])
    return returns.get(connection, return_id)


def _lines(connection, number: int) -> list[ReturnableLine]:
    return [ReturnableLine(r.id, r.line_no, r.sku, r.description, r.kind, r.delivery_method, r.product_id,
                           r.quantity, r.net_minor, r.tax_minor, int(r.fulfilled), int(r.coming_back), r.reached_at)
            for r in returns.returnable_lines(connection, number)]


def _reason(reason: str | None) -> str:
    reason = clean_text(reason, Field("reason"), max_length=500)
    if not reason:
        raise InvalidData(Problem("say why the goods come back (", Field("reason"), ")"))
    return reason


def _parts(takes: list[ReturnTake]) -> str:
    return ", ".join(f"{take.line.sku} {take.quantity}" for take in takes)


# -- opening a return -----------------------------------------------------------------------------


def open_return(db, number: int, wants: list[ReturnWant] | None, reason: str | None, stamp: Stamp, *,
                force: str | None = None, refund_shipping: bool = False) -> ReturnView:
    """Authorise a return of fulfilled units (`wants` None: everything returnable): it is
    `requested` until the goods arrive (`receive_return`)."""
    reason = _reason(reason)
    force = clean_text(force, Field("force"), max_length=500)
    with db.write() as connection:
        order = _lock_order(connection, number)
        return_id, _ = _open(connection, order, wants, reason, stamp, force=force, refund_shipping=refund_shipping)
        return _view(connection, return_id)


def _open(connection, order, wants, reason: str, stamp: Stamp, *, force: str | None, refund_shipping: bool,
          kind: str = "return", window: bool = True) -> tuple[int, list[ReturnTake]]:
    from ordercli.services.profile import load_profile

    lines = _lines(connection, order.id)
    takes = plan_return(order.id, Status(order.status), lines, wants)
    if window:
        check_window(order.id, takes, stamp.at, load_profile(connection).return_days, force)
    value = sum(worth(take.line, take.line.returning, take.quantity).total_minor for take in takes)
    if refund_shipping:
        if not order.shipping_minor:
            raise Refused(f"order {order.id} charged nothing for delivery: there is no shipping to refund")
        taken = scalar(connection, "SELECT id FROM returns WHERE order_id = :o AND refund_shipping AND stage <> "
                                   "'canceled' ORDER BY id LIMIT 1", {"o": order.id})
        if taken is not None:
            raise Refused(f"return {taken} refunds the shipping of order {order.id} already")
        value += order.shipping_minor + order.shipping_tax_minor
    return_id = returns.add(connection, {
        "order_id": order.id, "kind": kind, "stage": ReturnStage.REQUESTED.value, "reason": reason,
        "refund_shipping": refund_shipping, "window_override": force, "refund_minor": value,
        "currency": order.currency, "requested_at": stamp.at, "requested_by": stamp.actor, "updated_at": stamp.at})
    returns.add_lines(connection, return_id, [(take.line.id, take.quantity) for take in takes])
    text = f"return {return_id} requested: {_parts(takes)}; {reason}"
    if force:
        text += f" (return window overridden: {force})"
    history.append(connection, stamp, [(order.id, "return_requested", None, None, text)])
    return return_id, takes


# -- receiving: the goods are back ---------------------------------------------------------------------


def receive_return(db, return_id: int, stamp: Stamp, *, by: str | None = None, check=None) -> ReturnView:
    """The goods arrived (`by`: who took them in; the actor by default). What was invoiced of
    them is credited (one credit note per invoice), and the order becomes `returned` when
    everything fulfilled is back."""
    by = clean_text(by, Field("by"), max_length=200) or stamp.actor
    with db.write() as connection:
        row = _locked_return(connection, return_id)
        check_stage(return_id, ReturnStage(row.stage), "receive")
        _receive(connection, row, stamp, by, check=check)
        return _view(connection, return_id)


def _receive(connection, row, stamp: Stamp, by: str, *, check=None) -> list[str]:
    from ordercli.db.queries import documents
    from ordercli.services.invoicing import credit_return
    from ordercli.services.profile import load_profile

    returns.update(connection, row.id, {"stage": ReturnStage.RECEIVED.value, "received_at": stamp.at,
                                        "received_by": by, "updated_at": stamp.at})
    lines = {line.id: line for line in _lines(connection, row.order_id)}
    back = returns.back_per_line(connection, [row.order_id])
    mine = {r.order_line_id: r.quantity for r in returns.lines_of(connection, [row.id])}
    policy = load_profile(connection).invoice_policy
    invoiced = {r.order_line_id: int(r.units) for r in documents.invoiced_per_line(connection, [row.order_id])}
    ever_invoiced = returns.invoiced_units(connection, row.order_id)
    excess = {}
    for line_id in mine:
        line = lines[line_id]
        kept = (line.quantity if policy == "ordered" else min(line.fulfilled, line.quantity)) - back.get(line_id, 0)
        excess[line_id] = max(invoiced.get(line_id, 0) - max(kept, 0), 0)
    shipping_invoiced = any(r.kind == "invoice" and r.shipping_minor
                            for r in documents.invoices_of_orders(connection, [row.order_id]))
    with_shipping = bool(row.refund_shipping) and shipping_invoiced
    docs = credit_return(connection, row.order_id, excess, stamp, with_shipping=with_shipping,
                         reason=f"return {row.id}: {row.reason}", return_id=row.id, check=check)
    text = f"return {row.id} received by {by}"
    if docs:
        text += "; credited by " + ", ".join(doc.number for doc in docs)
    # The refund follows the documents: what the credit notes credit, and for lines never
    # invoiced (and a shipping charge never invoiced) what they are worth by the refund rule.
    # Units a credit note credited before are not paid back twice.
    refund = -sum(doc.total_minor for doc in docs)
    for line_id, units in mine.items():
        if not ever_invoiced.get(line_id):  # its place in the line's shares: after the units back before it
            refund += worth(lines[line_id], back.get(line_id, 0) - units, units).total_minor
    if row.refund_shipping and not shipping_invoiced:
        order = first(connection, "SELECT shipping_minor, shipping_tax_minor FROM orders WHERE id = :id",
                      {"id": row.order_id})
        refund += order.shipping_minor + order.shipping_tax_minor
    if refund != row.refund_minor:
        returns.update(connection, row.id, {"refund_minor": refund})
        text += f"; refund {Money(refund, row.currency)} (as credited)"
    entries = [(row.order_id, "return_received", None, None, text)]
    status = Status(row.order_status)
    services_done = bool(returns.services_done(connection, row.order_id))  # a service done does not come back
    everything_back = not services_done and all(back.get(line.id, 0) >= line.fulfilled for line in lines.values()
                                                if line.delivery_method != "service")
    if everything_back and status in (Status.CLOSED, Status.PARTIALLY_CLOSED):
        check_transition(status, Status.RETURNED, Trigger.RETURN)
        entries.append((row.order_id, "status", status.value, Status.RETURNED.value,
                        f"everything fulfilled came back (return {row.id})"))
        dialect.update_where_in(connection, "orders", {"status": Status.RETURNED.value, "updated_at": stamp.at},
                                "id", [row.order_id])
    history.append(connection, stamp, entries)
    if everything_back and status in (Status.CLOSED, Status.PARTIALLY_CLOSED):
        from ordercli.services.appointments import cancel_booked

        cancel_booked(connection, [row.order_id], stamp, "order returned")
    return [doc.number for doc in docs]


# -- inspecting: restock or write off --------------------------------------------------------------------


def inspect_return(db, return_id: int, dispositions: list[Disposition], stamp: Stamp, *,
                   restock_at: str | None = None) -> ReturnView:
    """Each unit back is restocked (at its disposition's location, `restock_at`, or where it
    shipped from) or written off as damaged, with a ledger entry either way; restocked units
    are promised to waiting backorders, oldest first."""
    with db.write() as connection:
        row = _locked_return(connection, return_id)
        check_stage(return_id, ReturnStage(row.stage), "inspect")
        _inspect(connection, row, dispositions, stamp, restock_at=restock_at)
        return _view(connection, return_id)


def _inspect(connection, row, dispositions: list[Disposition], stamp: Stamp, *, restock_at: str | None) -> None:
    lines = returns.lines_of(connection, [row.id])
    if restock_at is not None:
        find_location(connection, restock_at)  # an unknown location is refused even when no unit goes there
    for item in dispositions:  # naming a download or a service: nothing of it goes on a shelf
        found = [r for r in lines if r.sku == item.sku]
        if found and all(r.kind != "physical" or r.product_id is None for r in found):
            raise Refused(f"{item.sku} on return {row.id} is not goods on a shelf ({found[0].kind}): it is neither "
                          "restocked nor written off")
    takes = plan_inspection(row.id, [(r.id, r.order_line_id, r.sku, r.quantity) for r in lines], dispositions,
                            restock_at)
    order_lines = {line.id: line for line in returns.returnable_lines(connection, row.order_id)}
    by_id = {r.id: r for r in lines}
    names: dict[str | None, tuple[int, str]] = {}

    def place(name: str | None, order_line_id: int) -> tuple[int, str]:
        if name is None:
            shipped_from = order_lines[order_line_id].location_id
            if shipped_from is not None:
                return shipped_from, scalar(connection, "SELECT name FROM locations WHERE id = :id",
                                            {"id": shipped_from})
        if name not in names:
            names[name] = find_location(connection, name)
        return names[name]

    done: dict[int, dict] = {r.id: {"id": r.id, "restocked": 0, "written_off": 0, "location": None} for r in lines}
    movements: list[dict] = []
    restocked: dict[tuple[int, int], int] = defaultdict(int)
    said: list[str] = []
    products: set[int] = set()
    for take in takes:
        line = by_id[take.return_line_id]
        physical = line.kind == "physical" and line.product_id is not None
        if not physical:
            said.append(f"{line.sku} {take.quantity} back (nothing to stock)")
            continue
        location_id, location_name = place(take.location, take.order_line_id)
        products.add(line.product_id)
        reason = f"return {row.id}"
        if take.write_off:
            done[line.id]["written_off"] += take.quantity
            movements += [
                {"kind": "returned", "product": line.product_id, "location": location_id, "on_hand": take.quantity,
                 "order_id": row.order_id, "line_id": take.order_line_id, "reason": f"{reason}: back"},
                {"kind": "adjusted", "product": line.product_id, "location": location_id, "on_hand": -take.quantity,
                 "order_id": row.order_id, "line_id": take.order_line_id, "reason": f"{reason}: written off, damaged"},
            ]
            said.append(f"{line.sku} {take.quantity} written off")
        else:
            previous = done[line.id]["location"]
            if previous is not None and previous != location_id:
                raise InvalidData(f"the units of {line.sku} on return {row.id} are restocked at one location")
            done[line.id]["restocked"] += take.quantity
            done[line.id]["location"] = location_id
            restocked[(line.product_id, location_id)] += take.quantity
            movements.append({"kind": "returned", "product": line.product_id, "location": location_id,
                              "on_hand": take.quantity, "order_id": row.order_id, "line_id": take.order_line_id,
                              "reason": f"{reason}: back on the shelf"})
            said.append(f"{line.sku} {take.quantity} restocked at {location_name}")
    lock_products(connection, products)
    for product_id, location_id in sorted(restocked):
        stock.ensure_level(connection, product_id, location_id)
        stock.move_on_hand(connection, product_id, location_id, restocked[(product_id, location_id)])
    stock.record(connection, stamp, movements)
    returns.set_inspected(connection, list(done.values()))
    returns.update(connection, row.id, {"stage": ReturnStage.INSPECTED.value, "inspected_at": stamp.at,
                                        "inspected_by": stamp.actor, "updated_at": stamp.at})
    history.append(connection, stamp, [(row.order_id, "return_inspected", None, None,
                                        f"return {row.id} inspected: " + ", ".join(said))])
    if restocked:
        fill_backorders(connection, {product for product, _ in restocked}, stamp)


# -- settling and canceling ---------------------------------------------------------------------------------


def settle_return(db, return_id: int, how: str, stamp: Stamp, *, reference: str | None = None) -> ReturnView:
    """The customer got the money back (`refund`) or keeps it as credit (`credit`)."""
    if how not in SETTLE_STAGES:
        raise InvalidData(f"settle a return as {' or '.join(SETTLE_STAGES)}, not {how!r}")
    reference = clean_text(reference, Field("reference"), max_length=200)
    with db.write() as connection:
        row = _locked_return(connection, return_id)
        check_stage(return_id, ReturnStage(row.stage), "settle")
        stage = SETTLE_STAGES[how]
        returns.update(connection, return_id, {"stage": stage.value, "settled_as": how, "settle_reference": reference,
                                               "settled_at": stamp.at, "settled_by": stamp.actor,
                                               "updated_at": stamp.at})
        amount = Money(row.refund_minor or 0, row.currency)
        history.append(connection, stamp, [(row.order_id, "return_settled", None, None,
                                            f"return {return_id} {stage.value}: {amount}"
                                            + (f" ({reference})" if reference else ""))])
        return _view(connection, return_id)


def cancel_return(db, return_id: int, reason: str | None, stamp: Stamp) -> ReturnView:
    """A requested return whose goods never came: its units can be returned again."""
    reason = _reason(reason)
    with db.write() as connection:
        row = _locked_return(connection, return_id)
        check_stage(return_id, ReturnStage(row.stage), "cancel")
        returns.update(connection, return_id, {"stage": ReturnStage.CANCELED.value, "canceled_at": stamp.at,
                                               "canceled_by": stamp.actor, "cancel_reason": reason,
                                               "updated_at": stamp.at})
        entries = [(row.order_id, "return_canceled", None, None, f"return {return_id} canceled: {reason}")]
        if row.replacement_order_id is not None:  # the exchange's replacement stays: someone decides
            entries.append((row.replacement_order_id, "return_canceled", None, None,
                            f"return {return_id} of order {row.order_id}, which this order replaces, was canceled: "
                            f"{reason}"))
        history.append(connection, stamp, entries)
        return _view(connection, return_id)


# -- reading ------------------------------------------------------------------------------------------------


def get_return(db, return_id: int) -> ReturnView:
    with db.read() as connection:
        row = returns.get(connection, return_id)
        if row is None:
            raise NotFound(f"return {return_id} does not exist")
        return _views(connection, [row])[0]


def returns_of_order(connection, number: int) -> list[ReturnView]:
    """The returns of an order, and those it is the replacement of, oldest first."""
    return _views(connection, returns.of_orders(connection, [number]))


@dataclass(frozen=True)
class ReturnFilter:
    stages: tuple[str, ...] = ()
    reason: str | None = None  # text the reason contains (any case)
    order: int | None = None
    kinds: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None


def list_returns(db, where: ReturnFilter) -> list[ReturnView]:
    """Returns matching every filter, newest first."""
    from ordercli.db.queries.orders import _like

    conditions: list[str] = []
    params: dict = {}
    if where.stages:
        conditions.append("t.stage IN :stages")
        params["stages"] = list(where.stages)
    if where.kinds:
        conditions.append("t.kind IN :kinds")
        params["kinds"] = list(where.kinds)
    if where.reason:
        conditions.append("lower(t.reason) LIKE :reason ESCAPE '\\'")
        params["reason"] = _like(where.reason)
    if where.order is not None:
        conditions.append("t.order_id = :order")
        params["order"] = where.order
    if where.since is not None:
        conditions.append("t.requested_at >= :since")
        params["since"] = where.since
    if where.until is not None:
        conditions.append("t.requested_at < :until")
        params["until"] = where.until
    with db.read() as connection:
        return _views(connection, returns.list_(connection, conditions, params, where.limit))


# -- exchanges ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeView:
    """An exchange: the return and the replacement order, and what the customer pays (positive)
    or gets back (negative) for the difference."""

    returned: ReturnView
    replacement: object  # OrderView of the replacement order
    difference: Money


def exchange(db, number: int, returning: list[ReturnWant], replacements: list[tuple[str, int]], reason: str | None,
             stamp: Stamp, *, backorder: bool = False, force: str | None = None) -> ExchangeView:
    """Return units and send replacements: a return (kind exchange) and a new order for the
    replacement, linked both ways, in one transaction. The replacement is priced as sold when
    it is the same SKU (a defect: the difference is nothing), at the catalogue price when it is
    another; it is promised like any order (refused when short, unless `backorder`), verified
    (automatic: the customer's data are the order's) and ready to ship when fully promised."""
    from ordercli.domain.invoicing import share
    from ordercli.domain.orders import Address, ValidLine, ValidOrder
    from ordercli.domain.money import apply_rate, rate_of
    from ordercli.domain.pricing import Discount
    from ordercli.services.orders import load_order, place_order, record_verification
    from ordercli.services.status import move_orders

    reason = _reason(reason)
    force = clean_text(force, Field("force"), max_length=500)
    if not returning:
        raise InvalidData(Problem("say what comes back (", Field("return"), " SKU:QTY)"))
    if not replacements:
        raise InvalidData(Problem("say what goes out instead (", Field("for"), " SKU:QTY)"))
    skus = [sku for sku, _ in replacements]
    if len(set(skus)) != len(skus):
        raise InvalidData("a replacement SKU is named twice")
    with db.write() as connection:
        order = _lock_order(connection, number)
        return_id, takes = _open(connection, order, returning, reason, stamp, force=force, refund_shipping=False,
                                 kind="exchange")
        original = load_order(connection, number)
        sold: dict[str, list[ReturnTake]] = defaultdict(list)
        for take in takes:
            sold[take.line.sku].append(take)
        lines = []
        for sku, quantity in replacements:
            if sku not in sold:  # another SKU: the catalogue's price
                lines.append(ValidLine(sku, quantity, None, None, None, None, None, None))
                continue
            left = quantity
            for i, take in enumerate(sold[sku]):  # the same SKU: priced as each returned line was sold
                last = i == len(sold[sku]) - 1
                units = left if last else min(left, take.quantity)
                if units <= 0:
                    break
                row = first(connection, "SELECT unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp "
                                        "FROM order_lines WHERE id = :id", {"id": take.line.id})
                back = min(units, take.quantity)
                # the units that replace returned ones cost what those were worth, net and tax
                replaced = worth(take.line, take.line.returning, back)
                off = row.unit_price_minor * back - replaced.net_minor
                tax = replaced.tax_minor
                if units > back:  # more than came back: at the line's price and discount per unit
                    extra = share(row.discount_minor + row.order_discount_minor, min(units - back, take.line.quantity),
                                  take.line.quantity)
                    off += extra
                    tax += apply_rate(row.unit_price_minor * (units - back) - extra, rate_of(row.tax_rate_bp))
                lines.append(ValidLine(sku, units, Money(row.unit_price_minor, order.currency), None,
                                       Discount(amount_minor=off) if off > 0 else None, row.tax_rate_bp,
                                       take.line.delivery_method, None, tax))
                left -= units

        def address(a) -> Address:
            return Address(a.name, a.line1, a.line2, a.city, a.region, a.postal_code, a.country)

        replacement = ValidOrder(
            name=original.customer.name, email=original.customer.email, phone=original.customer.phone,
            billing=address(original.billing), shipping=address(original.shipping), channel=original.channel,
            channel_ref=None, lines=tuple(lines), promo_code=None,
            note=f"replacement for return {return_id} of order {number}", currency=original.currency,
            delivery_method=None, backorder=backorder)
        new_number = place_order(connection, replacement, stamp)
        returns.update(connection, return_id, {"replacement_order_id": new_number})
        record_verification(connection, new_number, stamp.actor, "automatic",
                            f"replacement for return {return_id} of order {number}", stamp)
        history.append(connection, stamp, [
            (number, "exchange", None, None, f"return {return_id} is an exchange: replacement order {new_number}"),
            (new_number, "exchange", None, None, f"replacement for return {return_id} of order {number}")])
        if not stock.waiting_units(connection, new_number):
            move_orders(connection, [(new_number, 0)], [], [str(new_number)], Status.READY_TO_SHIP, stamp,
                        reason=f"replacement for return {return_id}", skip_invalid=False, dry_run=False, detail=False,
                        trigger=Trigger.BY_HAND)
        view = _view(connection, return_id)
        placed = load_order(connection, new_number)
        return ExchangeView(view, placed, Money(placed.total.minor - view.refund.minor, order.currency))


# -- `status --to returned` by hand -------------------------------------------------------------------------


@dataclass(frozen=True)
class HandOutcome:
    input: str
    number: int | None
    from_status: str | None
    error: OrderCliError | None
    return_number: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class HandResult:
    applied: bool
    outcomes: list[HandOutcome] = field(default_factory=list)


def return_by_hand(connection, texts: list[str], stamp: Stamp, *, reason: str | None, restock: str | None,
                   skip_invalid: bool, dry_run: bool, check=None, refund_shipping: bool = False) -> HandResult:
    """`status --to returned` by hand, in the caller's transaction: for each order, a return of
    everything fulfilled and not back yet, received and inspected at once (the goods are back:
    restocked where they shipped from, or at `restock`); the order becomes returned. The
    return window does not apply: the goods came back already. An order with nothing recorded
    as fulfilled (closed before ordercli kept shipments) just changes its status. With
    `refund_shipping`, each order's shipping charge is refunded too, where it charged one that
    no return refunds already."""
    reason = clean_text(reason, Field("reason"), max_length=500)
    if not reason:
        raise InvalidData(Problem("moving orders to returned by hand records that the goods came back: say why (",
                                  Field("reason"), ")"))
    if restock is not None:
        find_location(connection, restock)  # an unknown location fails the whole call, before anything
    outcomes: list[HandOutcome] = []
    seen: set[int] = set()
    parsed: list[tuple[str, int | None, OrderCliError | None]] = []
    for text_ in texts:
        try:
            number = parse_order_number(text_)
        except InvalidData as error:
            parsed.append((text_, None, error))
            continue
        if number in seen:
            continue
        seen.add(number)
        parsed.append((text_, number, None))
    numbers = sorted(n for _, n, e in parsed if n is not None)
    dialect.lock_ids(connection, "orders", numbers)
    statuses = {r.id: r.status for r in rows(connection, "SELECT id, status FROM orders WHERE id IN :ids",
                                             {"ids": numbers or [0]})}
    planned: list[tuple[int, str, HandOutcome]] = []
    plain: list[int] = []
    for text_, number, error in parsed:
        if error is not None:
            outcomes.append(HandOutcome(text_, None, None, error))
            continue
        if number not in statuses:
            outcomes.append(HandOutcome(text_, number, None, NotFound(f"order {number} does not exist")))
            continue
        status = Status(statuses[number])
        try:
            if status != Status.RETURNED:
                check_transition(status, Status.RETURNED, Trigger.BY_HAND)
                waiting = scalar(connection, "SELECT id FROM returns WHERE order_id = :o AND stage = 'requested' "
                                             "ORDER BY id LIMIT 1", {"o": number})
                if waiting is not None:
                    raise Refused(f"return {waiting} of order {number} is still requested: receive it "
                                  f"(ordercli rma receive {waiting}) or cancel it first")
                lines = _lines(connection, number)
                if any(line.returnable for line in lines if line.delivery_method != "service"):
                    plan_return(number, status, lines, None)
                else:  # nothing recorded as fulfilled (an order closed before shipments were kept)
                    plain.append(number)
        except OrderCliError as refusal:
            outcomes.append(HandOutcome(text_, number, status.value, refusal))
            continue
        outcome = HandOutcome(text_, number, status.value, None)
        outcomes.append(outcome)
        if status != Status.RETURNED and number not in plain:
            planned.append((number, text_, outcome))
    failed = any(not o.ok for o in outcomes)
    applied = not dry_run and not (failed and not skip_invalid)
    if not applied:
        return HandResult(False, outcomes)
    # every product the returns restock, locked at once after the orders (the lock order)
    lock_products(connection, {line.product_id for number, _, _ in planned for line in _lines(connection, number)
                               if line.kind == "physical" and line.product_id is not None and line.returnable})
    if plain:  # a status change, nothing else to record
        from ordercli.services.appointments import cancel_booked

        history.append(connection, stamp, [(number, "status", statuses[number], Status.RETURNED.value, reason)
                                           for number in plain])
        dialect.update_where_in(connection, "orders", {"status": Status.RETURNED.value, "updated_at": stamp.at},
                                "id", plain)
        cancel_booked(connection, plain, stamp, "order returned")
    made: dict[int, int] = {}
    for number, _, _ in planned:
        order = _lock_order(connection, number)
        refund = refund_shipping and bool(order.shipping_minor) and scalar(
            connection, "SELECT count(*) FROM returns WHERE order_id = :o AND refund_shipping AND stage <> 'canceled'",
            {"o": number}) == 0
        return_id, _ = _open(connection, order, None, reason, stamp, force=None, refund_shipping=refund, window=False)
        row = returns.get(connection, return_id)
        _receive(connection, row, stamp, stamp.actor, check=check)
        _inspect(connection, returns.get(connection, return_id), [], stamp, restock_at=restock)
        made[number] = return_id
        now = Status(returns.get(connection, return_id).order_status)
        if now != Status.RETURNED:  # a service was done and cannot come back: returned, as said by hand
            from ordercli.services.appointments import cancel_booked

            history.append(connection, stamp, [(number, "status", now.value, Status.RETURNED.value, reason)])
            dialect.update_where_in(connection, "orders", {"status": Status.RETURNED.value,
                                                           "updated_at": stamp.at}, "id", [number])
            cancel_booked(connection, [number], stamp, "order returned")
    outcomes = [HandOutcome(o.input, o.number, o.from_status, o.error, made.get(o.number)) if o.ok else o
                for o in outcomes]
    return HandResult(True, outcomes)


# -- a delete-shipment against returns ------------------------------------------------------------------------


def refuse_unreturned_removal(connection, order_id: int, removed: dict[int, int], what: str) -> None:
    """Refuse taking `removed` (order line -> units) off what was fulfilled when live returns
    take more of a line back than would stay fulfilled."""
    returning = returns.returning_per_line(connection, order_id)
    if not any(returning.get(line, 0) for line in removed):
        return
    lines = {line.id: line for line in _lines(connection, order_id)}
    for line_id, units in removed.items():
        line = lines.get(line_id)
        if line is not None and returning.get(line_id, 0) > line.fulfilled - units:
            numbers = [r.id for r in rows(connection, "SELECT DISTINCT t.id FROM returns t JOIN return_lines rl "
                                                      "ON rl.return_id = t.id WHERE t.order_id = :o AND "
                                                      "rl.order_line_id = :l AND t.stage <> 'canceled' ORDER BY t.id",
                                          {"o": order_id, "l": line_id})]
            requested = scalar(connection, "SELECT count(*) FROM returns WHERE id IN :ids AND stage = 'requested'",
                               {"ids": numbers})
            hint = ("cancel the return first (ordercli rma cancel)" if requested == len(numbers)
                    else "the goods came back: the return stands")
            raise Refused(f"{what}: {line.sku} units of it are in return {', '.join(map(str, numbers))}; {hint}")


__all__ = ["ReturnView", "ReturnFilter", "ExchangeView", "exchange", "open_return", "receive_return", "inspect_return", "settle_return",
           "cancel_return", "get_return", "list_returns", "returns_of_order", "return_by_hand", "BACK"]
