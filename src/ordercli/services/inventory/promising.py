"""Promising stock to orders, releasing it, and promising backorders as stock arrives.

A reservation is one conditional UPDATE (available >= quantity) per product and location,
with a ledger row per line; the domain decides where from (`plan_promises`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ordercli.db import dialect
from ordercli.db.queries import history, locations, stock
from ordercli.domain.errors import InsufficientStock
from ordercli.domain.statuses import HOLDS_STOCK
from ordercli.domain.stock import Allocation, Need, insufficient, plan_promises
from ordercli.services.inventory.ledger import lock_products

HOLDING = sorted(s.value for s in HOLDS_STOCK)
HOLDING_SQL = ", ".join(f"'{status}'" for status in HOLDING)


@dataclass(frozen=True)
class PromiseLine:
    """A line that wants stock, as the caller knows it."""

    line_id: int
    order_id: int
    product_id: int
    sku: str
    quantity: int


def reserve(connection, allocations, lines: dict[int, PromiseLine], stamp, reason: str | None) -> None:
    """Take the allocations from available stock, one conditional UPDATE per product and
    location (however many lines share it), and record each allocation in the ledger."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for allocation in allocations:
        totals[(allocation.product_id, allocation.location_id)] += allocation.quantity
    for (product_id, location_id), quantity in totals.items():
        if not stock.take_available(connection, product_id, location_id, quantity):
            # cannot happen under the lock; the guard stays for safety
            sku = next(lines[a.key].sku for a in allocations if a.product_id == product_id)
            raise insufficient(sku, quantity, 0)
    stock.record(connection, stamp, [
        {"kind": "reserved", "product": a.product_id, "location": a.location_id, "reserved": a.quantity,
         "order_id": lines[a.key].order_id, "line_id": a.key, "reason": reason}
        for a in allocations
    ])


def promise_new_order(connection, lines: list[PromiseLine], stamp, *, backorder: bool) -> dict[int, int]:
    """Promise a new order's physical lines by the domain's rule; returns units short per line.

    Without `backorder`, any shortfall refuses the order ("insufficient stock for SKU:
    requested N, available M", per SKU). With it, what is there is promised and the rest
    waits (the line is marked backordered).
    """
    if not lines:
        return {}
    products = {line.product_id for line in lines}
    lock_products(connection, products)
    available = stock.available(connection, products)
    plan = plan_promises([Need(l.line_id, l.product_id, l.quantity) for l in lines], available,
                         locations.promising_order(connection))
    if plan.short and not backorder:
        by_line = {l.line_id: l for l in lines}
        wanted: dict[str, int] = defaultdict(int)
        for line in lines:
            wanted[line.sku] += line.quantity
        problems = []
        for sku in dict.fromkeys(by_line[key].sku for key in plan.short):
            product = next(l.product_id for l in lines if l.sku == sku)
            have = sum(v for (p, _), v in available.items() if p == product)
            problems.append(str(insufficient(sku, wanted[sku], have)))
        raise InsufficientStock("; ".join(problems))
    reserve(connection, plan.allocations, {l.line_id: l for l in lines}, stamp, None)
    stock.set_backordered(connection, plan.short, True)
    return plan.short


def held_by_batch(connection, batch: str) -> int:
    """Units the orders of the batch table `batch` hold (what moving them out would release)."""
    return stock.units_held(connection, stock.held_by_orders(batch, HOLDING_SQL))


def release_batch(connection, batch: str, stamp, reason: str | None) -> tuple[set[int], int]:
    """Release every reservation held by the orders of the batch table `batch` that are moving
    out of a stock-holding status; returns the products that got stock back, and the units."""
    # Lock the products first: a backorder fill running now (it holds them) may be adding a
    # reservation for one of these orders; once it commits, the query below sees it.
    dialect.lock_rows(connection, "SELECT id FROM products WHERE id IN (SELECT DISTINCT l.product_id FROM order_lines l "
                                  f"JOIN {batch} b ON b.number = l.order_id WHERE b.skip = 0) ORDER BY id")
    with dialect.temp_table_as(connection, "releasing", stock.held_by_orders(batch, HOLDING_SQL),
                               index="product_id, location_id") as releasing:
        products = stock.products_in(connection, releasing)
        units = stock.units_held(connection, f"SELECT held FROM {releasing}")
        lock_products(connection, products)
        stock.record_releases(connection, stamp, releasing, reason)
        stock.give_back(connection, releasing)
    stock.clear_waiting_of_batch(connection, batch, HOLDING)
    return products, units


def fill_backorders(connection, product_ids, stamp) -> dict[int, list[str]]:
    """Promise available stock to lines waiting for it, oldest order first.

    Called in the same transaction as whatever made stock available: receiving, adjusting
    up, transferring, and orders releasing theirs. A line gets what there is (all of it, or
    part: the rest keeps waiting). Returns, per order, what was promised (for the history).
    """
    if not product_ids:
        return {}
    waiting = stock.waiting_lines(connection, product_ids, HOLDING)
    if not waiting:
        return {}
    lock_products(connection, {w.product_id for w in waiting})
    available = stock.available(connection, {w.product_id for w in waiting})
    order = locations.promising_order(connection)
    names = locations.names(connection)
    promised: dict[int, list[str]] = defaultdict(list)
    statuses = {line.order_id: line.status for line in waiting}
    allocations: list[Allocation] = []
    complete: list[int] = []
    lines: dict[int, PromiseLine] = {}
    for line in waiting:
        if line.missing <= 0:
            complete.append(line.id)
            continue
        if not any(available.get((line.product_id, loc), 0) > 0 for loc in order):
            continue
        here = {(line.product_id, loc): available.get((line.product_id, loc), 0) for loc in order}
        plan = plan_promises([Need(line.id, line.product_id, line.missing)], here, order)
        for allocation in plan.allocations:
            available[(allocation.product_id, allocation.location_id)] -= allocation.quantity
            promised[line.order_id].append(f"{line.sku} {allocation.quantity} at {names[allocation.location_id]}")
        allocations.extend(plan.allocations)
        lines[line.id] = PromiseLine(line.id, line.order_id, line.product_id, line.sku, line.missing)
        if plan.complete:
            complete.append(line.id)
    reserve(connection, allocations, lines, stamp, "backorder: stock became available")
    stock.set_backordered(connection, complete, False)
    history.append(connection, stamp, [(order_id, "promised", statuses[order_id], statuses[order_id],
                                        "backorder promised: " + ", ".join(parts))
                                       for order_id, parts in promised.items()])
    return dict(promised)
