"""Promising stock to orders, releasing it, and promising backorders as stock arrives.

A reservation takes units from a product at a location only if that many are available
there (a conditional UPDATE), with a ledger row per line; the domain decides where from
(`plan_promises`). However many lines, that is one statement on PostgreSQL (db/queries/stock.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ordercli.db import dialect
from ordercli.db.queries import history, stock
from ordercli.db.sql import pipelined
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
    """Take the allocations from available stock, each product and location only if that many
    are available there (however many lines share it), and record each allocation in the ledger."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for allocation in allocations:
        totals[(allocation.product_id, allocation.location_id)] += allocation.quantity
    short = stock.reserve(connection, stamp, totals, [
        {"kind": "reserved", "product": a.product_id, "location": a.location_id, "reserved": a.quantity,
         "order_id": lines[a.key].order_id, "line_id": a.key, "reason": reason}
        for a in allocations
    ])
    if short:
        # cannot happen under the lock; the guard stays for safety (raising rolls the transaction back)
        product_id, location_id = short[0]
        sku = next(lines[a.key].sku for a in allocations if a.product_id == product_id)
        raise insufficient(sku, totals[(product_id, location_id)], 0)


def promise_new_order(connection, lines: list[PromiseLine], stamp, *, backorder: bool) -> dict[int, int]:
    """Promise a new order's physical lines by the domain's rule; returns units short per line.

    Without `backorder`, any shortfall refuses the order ("insufficient stock for SKU:
    requested N, available M", per SKU). With it, what is there is promised and the rest
    waits (the line is marked backordered).
    """
    if not lines:
        return {}
    products = {line.product_id for line in lines}
    with pipelined(connection):
        lock_products(connection, products)
        available, names = stock.availability(connection, products)
    plan = plan_promises([Need(l.line_id, l.product_id, l.quantity) for l in lines], available, list(names))
    if plan.short and not backorder:
        _refuse_short(lines, available, plan.short)
    with pipelined(connection):  # reserve reads its result: the waiting lines go with it
        stock.set_backordered(connection, plan.short, True)
        reserve(connection, plan.allocations, {l.line_id: l for l in lines}, stamp, None)
    return plan.short


def check_promisable(connection, lines: list[PromiseLine]) -> None:
    """Refuse, as `promise_new_order` without backorder would, lines the stock cannot cover
    now; nothing is locked or written (what a terminal checks before it asks "create?")."""
    if not lines:
        return
    available, names = stock.availability(connection, {line.product_id for line in lines})
    plan = plan_promises([Need(l.line_id, l.product_id, l.quantity) for l in lines], available, list(names))
    if plan.short:
        _refuse_short(lines, available, plan.short)


def _refuse_short(lines: list[PromiseLine], available: dict[tuple[int, int], int], short) -> None:
    """Raise InsufficientStock for each SKU of the `short` lines: requested (all its lines), available."""
    by_line = {l.line_id: l for l in lines}
    wanted: dict[str, int] = defaultdict(int)
    for line in lines:
        wanted[line.sku] += line.quantity
    problems = []
    for sku in dict.fromkeys(by_line[key].sku for key in short):
        product = next(l.product_id for l in lines if l.sku == sku)
        have = sum(v for (p, _), v in available.items() if p == product)
        problems.append(str(insufficient(sku, wanted[sku], have)))
    raise InsufficientStock("; ".join(problems))


def held_by_batch(connection, batch: str) -> int:
    """Units the orders of the batch table `batch` hold (what moving them out would release)."""
    return stock.units_held(connection, stock.held_by_orders(batch, HOLDING_SQL))


def release_batch(connection, batch: str, stamp, reason: str | None) -> tuple[set[int], int]:
    """Release every reservation held by the orders of the batch table `batch` that are moving
    out of a stock-holding status; returns the products that got stock back, and the units."""
    # Lock the products first: a backorder fill running now (it holds them) may be adding a
    # reservation for one of these orders; once it commits, the query below sees it.
    dialect.lock_rows(connection, "SELECT id FROM products WHERE id IN (SELECT DISTINCT l.product_id FROM order_lines l "
                                  f"JOIN {batch} b ON b.number = l.order_id WHERE b.skip = 0) ORDER BY id",
                      table="products")
    with dialect.temp_table_as(connection, "releasing", stock.held_by_orders(batch, HOLDING_SQL),
                               index="product_id, location_id") as releasing:
        held = stock.held_per_product(connection, releasing)
        products, units = set(held), sum(held.values())
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
    products = {w.product_id for w in waiting}
    with pipelined(connection):
        lock_products(connection, products)
        available, names = stock.availability(connection, products)
    order = list(names)
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
    with pipelined(connection):  # reserve reads its result: the other writes go with it
        stock.set_backordered(connection, complete, False)
        history.append(connection, stamp, [(order_id, "promised", statuses[order_id], statuses[order_id],
                                            "backorder promised: " + ", ".join(parts))
                                           for order_id, parts in promised.items()])
        reserve(connection, allocations, lines, stamp, "backorder: stock became available")
    return dict(promised)
