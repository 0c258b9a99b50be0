"""Stock: receive, adjust, transfer, list, history, availability; promising stock to orders,
releasing it, and promising backorders when stock becomes available.

Every change of a counter in stock_levels is written in the same transaction as a row of the
ledger (stock_movements), so on hand and reserved always equal the sums of their movements.
A reservation is one conditional UPDATE (available >= quantity); the CHECK constraints on
stock_levels refuse a negative count or more reserved than on hand whatever happens.
On PostgreSQL the product rows are locked first (by id) so that all stock work on one SKU is
serialized; on SQLite the write lock taken by BEGIN IMMEDIATE does the same.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ordercli.db.sql import as_utc, dialect_of, execute, first, rowcount, rows, scalar
from ordercli.domain.errors import InsufficientStock, InvalidData, NotFound, Refused
from ordercli.domain.statuses import HOLDS_STOCK
from ordercli.domain.stock import (
    Allocation,
    Need,
    check_adjustment,
    insufficient,
    normalize_location_name,
    plan_promises,
)
from ordercli.domain.validation import clean_text, normalize_sku, parse_quantity
from ordercli.services.history import add_entries
from ordercli.services.views import Stamp

HOLDING = sorted(s.value for s in HOLDS_STOCK)
HOLDING_SQL = ", ".join(f"'{status}'" for status in HOLDING)


# -- shared pieces -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockProduct:
    id: int
    sku: str
    name: str
    kind: str


def find_product(connection, sku: str) -> StockProduct:
    code = normalize_sku(sku)
    row = first(connection, "SELECT id, sku, name, kind FROM products WHERE sku = :sku", {"sku": code})
    if row is None:
        raise NotFound(f"product {code} does not exist")
    return StockProduct(row.id, row.sku, row.name, row.kind)


def stocked_product(connection, sku: str) -> StockProduct:
    product = find_product(connection, sku)
    if product.kind != "physical":
        raise Refused(f"{product.sku} is a {product.kind} product: it has no stock")
    return product


def find_location(connection, name: str | None) -> tuple[int, str]:
    """A location by name, or the default location when no name is given."""
    if name is None:
        row = first(connection, "SELECT id, name FROM locations WHERE is_default")
        if row is None:
            raise NotFound("there is no location yet: add one with `ordercli location add NAME --kind warehouse`")
        return row.id, row.name
    key = normalize_location_name(name)
    row = first(connection, "SELECT id, name FROM locations WHERE name = :name", {"name": key})
    if row is None:
        raise NotFound(f"location {key} does not exist")
    return row.id, row.name


def lock_products(connection, product_ids) -> None:
    """Serialize stock work per SKU on PostgreSQL (SQLite holds its write lock already).

    FOR NO KEY UPDATE: it conflicts with itself, but not with the KEY SHARE locks that
    foreign keys take when rows referencing the product are inserted (order lines, ledger
    rows), so inserting those never waits on, or deadlocks with, a stock lock.
    """
    if product_ids and dialect_of(connection) != "sqlite":
        rows(connection, "SELECT id FROM products WHERE id IN :ids ORDER BY id FOR NO KEY UPDATE",
             {"ids": sorted(product_ids)})


def location_order(connection) -> list[int]:
    """Location ids in promising order: the default first, then in the order they were added."""
    return [r.id for r in rows(connection, "SELECT id FROM locations ORDER BY is_default DESC, id")]


def availability(connection, product_ids) -> dict[tuple[int, int], int]:
    if not product_ids:
        return {}
    found = rows(connection, "SELECT product_id, location_id, on_hand - reserved AS available FROM stock_levels "
                             "WHERE product_id IN :ids", {"ids": sorted(product_ids)})
    return {(r.product_id, r.location_id): r.available for r in found}


def _ensure_level(connection, product_id: int, location_id: int) -> None:
    execute(connection, "INSERT INTO stock_levels (product_id, location_id, on_hand, reserved) "
                        "SELECT :p, :l, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM stock_levels "
                        "WHERE product_id = :p AND location_id = :l)", {"p": product_id, "l": location_id})


def record(connection, stamp: Stamp, movements: list[dict]) -> None:
    """Append movements to the ledger (each dict: kind, product, location, deltas, order, line, reason)."""
    execute(
        connection,
        "INSERT INTO stock_movements (at, actor, command, kind, product_id, location_id, on_hand_delta, "
        "reserved_delta, order_id, order_line_id, reason) VALUES (:at, :actor, :command, :kind, :product, "
        ":location, :on_hand, :reserved, :order_id, :line_id, :reason)",
        [{"at": stamp.at, "actor": stamp.actor, "command": stamp.command, "order_id": None, "line_id": None,
          "reason": None, "on_hand": 0, "reserved": 0, **m} for m in movements],
    )


def _move_on_hand(connection, product_id: int, location_id: int, delta: int) -> None:
    execute(connection, "UPDATE stock_levels SET on_hand = on_hand + :d WHERE product_id = :p AND location_id = :l",
            {"d": delta, "p": product_id, "l": location_id})


# -- promising -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromiseLine:
    """A line that wants stock, as the caller knows it."""

    line_id: int
    order_id: int
    product_id: int
    sku: str
    quantity: int


def reserve(connection, allocations, lines: dict[int, PromiseLine], stamp: Stamp, reason: str | None) -> None:
    """Take the allocations from available stock, one conditional UPDATE per product and
    location (however many lines share it), and record each allocation in the ledger."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for allocation in allocations:
        totals[(allocation.product_id, allocation.location_id)] += allocation.quantity
    for (product_id, location_id), quantity in totals.items():
        taken = rowcount(
            connection,
            "UPDATE stock_levels SET reserved = reserved + :q WHERE product_id = :p AND location_id = :l "
            "AND on_hand - reserved >= :q",
            {"q": quantity, "p": product_id, "l": location_id},
        )
        if taken != 1:  # cannot happen under the lock; the guard stays for safety
            sku = next(lines[a.key].sku for a in allocations if a.product_id == product_id)
            raise insufficient(sku, quantity, 0)
    record(connection, stamp, [
        {"kind": "reserved", "product": a.product_id, "location": a.location_id, "reserved": a.quantity,
         "order_id": lines[a.key].order_id, "line_id": a.key, "reason": reason}
        for a in allocations
    ])


def promise_new_order(connection, lines: list[PromiseLine], stamp: Stamp, *, backorder: bool) -> dict[int, int]:
    """Promise a new order's physical lines by the domain's rule; returns units short per line.

    Without `backorder`, any shortfall refuses the order ("insufficient stock for SKU:
    requested N, available M", per SKU). With it, what is there is promised and the rest
    waits (the line is marked backordered).
    """
    if not lines:
        return {}
    products = {line.product_id for line in lines}
    lock_products(connection, products)
    available = availability(connection, products)
    plan = plan_promises([Need(l.line_id, l.product_id, l.quantity) for l in lines], available, location_order(connection))
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
    execute(connection, "UPDATE order_lines SET backordered = true WHERE id = :id", [{"id": i} for i in plan.short])
    return plan.short


# What the orders of `status_batch` (not skipped, still holding stock) hold, per line and
# location. Statuses are inlined (domain constants): CREATE TABLE ... AS takes no parameters.
_HELD_SQL = f"""
    SELECT m.order_id, m.order_line_id, m.product_id, m.location_id, SUM(m.reserved_delta) AS held
    FROM stock_movements m
    JOIN status_batch b ON b.number = m.order_id AND b.skip = 0
    JOIN orders o ON o.id = b.number
    WHERE o.status IN ({HOLDING_SQL}) AND m.order_line_id IS NOT NULL
    GROUP BY m.order_id, m.order_line_id, m.product_id, m.location_id
    HAVING SUM(m.reserved_delta) > 0"""


def held_by_batch(connection) -> int:
    """Units the orders of `status_batch` hold (what moving them out would release)."""
    return int(scalar(connection, f"SELECT COALESCE(SUM(held), 0) FROM ({_HELD_SQL}) held_units"))


def release_batch(connection, stamp: Stamp, reason: str | None) -> tuple[set[int], int]:
    """Release every reservation held by the orders of `status_batch` that are moving out of
    a stock-holding status; returns the products that got stock back, and the units. Set-based."""
    sqlite = dialect_of(connection) == "sqlite"
    # Lock the products first: a backorder fill running now (it holds them) may be adding a
    # reservation for one of these orders; once it commits, the query below sees it.
    if not sqlite:
        lock_products(connection, {r.product_id for r in rows(
            connection, "SELECT DISTINCT l.product_id FROM order_lines l JOIN status_batch b ON b.number = l.order_id "
                        "WHERE b.skip = 0 AND l.product_id IS NOT NULL")})
    execute(connection, ("CREATE TEMP TABLE releasing AS " if sqlite else
                         "CREATE TEMP TABLE releasing ON COMMIT DROP AS ") + _HELD_SQL)
    execute(connection, "CREATE INDEX releasing_level ON releasing (product_id, location_id)")
    products = {r.product_id for r in rows(connection, "SELECT DISTINCT product_id FROM releasing")}
    units = int(scalar(connection, "SELECT COALESCE(SUM(held), 0) FROM releasing"))
    lock_products(connection, products)
    execute(
        connection,
        "INSERT INTO stock_movements (at, actor, command, kind, product_id, location_id, on_hand_delta, "
        "reserved_delta, order_id, order_line_id, reason) SELECT :at, :actor, :command, 'released', product_id, "
        "location_id, 0, -held, order_id, order_line_id, CAST(:reason AS VARCHAR) FROM releasing "
        "ORDER BY order_id, order_line_id, location_id",
        {"at": stamp.at, "actor": stamp.actor, "command": stamp.command, "reason": reason},
    )
    execute(
        connection,
        "UPDATE stock_levels SET reserved = reserved - (SELECT SUM(r.held) FROM releasing r "
        "WHERE r.product_id = stock_levels.product_id AND r.location_id = stock_levels.location_id) "
        "WHERE EXISTS (SELECT 1 FROM releasing r WHERE r.product_id = stock_levels.product_id "
        "AND r.location_id = stock_levels.location_id)",
    )
    execute(connection, "UPDATE order_lines SET backordered = false WHERE backordered AND order_id IN "
                        "(SELECT b.number FROM status_batch b JOIN orders o ON o.id = b.number "
                        "WHERE b.skip = 0 AND o.status IN :holding)", {"holding": HOLDING})
    if sqlite:
        execute(connection, "DROP TABLE releasing")
    return products, units


def fill_backorders(connection, product_ids, stamp: Stamp) -> dict[int, list[str]]:
    """Promise available stock to lines waiting for it, oldest order first.

    Called in the same transaction as whatever made stock available: receiving, adjusting
    up, transferring, and orders releasing theirs. A line gets what there is (all of it, or
    part: the rest keeps waiting). Returns, per order, what was promised (for the history).
    """
    if not product_ids:
        return {}
    waiting = rows(connection, """
        SELECT l.id, l.order_id, o.status, l.product_id, l.sku, l.quantity - COALESCE((
                   SELECT SUM(m.reserved_delta) FROM stock_movements m
                   WHERE m.order_line_id = l.id AND m.kind IN ('reserved', 'released')), 0) AS missing
        FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE l.backordered AND l.product_id IN :products AND o.status IN :holding
        ORDER BY o.placed_at, o.id, l.line_no""", {"products": sorted(product_ids), "holding": HOLDING})
    if not waiting:
        return {}
    lock_products(connection, {w.product_id for w in waiting})
    available = availability(connection, {w.product_id for w in waiting})
    locations = location_order(connection)
    names = {r.id: r.name for r in rows(connection, "SELECT id, name FROM locations")}
    promised: dict[int, list[str]] = defaultdict(list)
    statuses = {line.order_id: line.status for line in waiting}
    allocations: list[Allocation] = []
    complete: list[int] = []
    lines: dict[int, PromiseLine] = {}
    for line in waiting:
        if line.missing <= 0:
            complete.append(line.id)
            continue
        if not any(available.get((line.product_id, loc), 0) > 0 for loc in locations):
            continue
        here = {(line.product_id, loc): available.get((line.product_id, loc), 0) for loc in locations}
        plan = plan_promises([Need(line.id, line.product_id, line.missing)], here, locations)
        for allocation in plan.allocations:
            available[(allocation.product_id, allocation.location_id)] -= allocation.quantity
            promised[line.order_id].append(f"{line.sku} {allocation.quantity} at {names[allocation.location_id]}")
        allocations.extend(plan.allocations)
        lines[line.id] = PromiseLine(line.id, line.order_id, line.product_id, line.sku, line.missing)
        if plan.complete:
            complete.append(line.id)
    reserve(connection, allocations, lines, stamp, "backorder: stock became available")
    # one statement per line: a long IN (...) list makes SQLite slow down quadratically
    execute(connection, "UPDATE order_lines SET backordered = false WHERE id = :id", [{"id": i} for i in complete])
    add_entries(connection, stamp, [(order_id, "promised", statuses[order_id], statuses[order_id],
                                     "backorder promised: " + ", ".join(parts)) for order_id, parts in promised.items()])
    return dict(promised)


# -- receive, adjust, transfer -------------------------------------------------------------------


@dataclass(frozen=True)
class StockChange:
    sku: str
    location: str
    on_hand: int
    reserved: int
    backorders_promised: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def _level(connection, product_id: int, location_id: int) -> tuple[int, int]:
    row = first(connection, "SELECT on_hand, reserved FROM stock_levels WHERE product_id = :p AND location_id = :l",
                {"p": product_id, "l": location_id})
    return (row.on_hand, row.reserved) if row else (0, 0)


def receive(db, sku: str, quantity: object, location: str | None, note: str | None, stamp: Stamp) -> StockChange:
    """Goods arrived at a location: on hand goes up; waiting backorders are promised."""
    units = parse_quantity(quantity)
    note = clean_text(note, "--note", max_length=500)
    with db.write() as connection:
        product = stocked_product(connection, sku)
        location_id, location_name = find_location(connection, location)
        lock_products(connection, {product.id})
        _ensure_level(connection, product.id, location_id)
        _move_on_hand(connection, product.id, location_id, units)
        record(connection, stamp, [{"kind": "received", "product": product.id, "location": location_id,
                                    "on_hand": units, "reason": note}])
        promised = fill_backorders(connection, {product.id}, stamp)
        on_hand, reserved = _level(connection, product.id, location_id)
    return StockChange(product.sku, location_name, on_hand, reserved, len(promised))


def adjust(db, sku: str, delta: object, location: str | None, reason: str, stamp: Stamp) -> StockChange:
    """A count correction, damage, loss: on hand goes up or down, never below what is promised."""
    units = parse_quantity(delta, "adjustment", allow_negative=True)
    reason = clean_text(reason, "--reason", required=True, max_length=500)
    with db.write() as connection:
        product = stocked_product(connection, sku)
        location_id, location_name = find_location(connection, location)
        lock_products(connection, {product.id})
        _ensure_level(connection, product.id, location_id)
        on_hand, reserved = _level(connection, product.id, location_id)
        check_adjustment(product.sku, location_name, on_hand, reserved, units)
        _move_on_hand(connection, product.id, location_id, units)
        record(connection, stamp, [{"kind": "adjusted", "product": product.id, "location": location_id,
                                    "on_hand": units, "reason": reason}])
        promised = fill_backorders(connection, {product.id}, stamp) if units > 0 else {}
        on_hand, reserved = _level(connection, product.id, location_id)
    return StockChange(product.sku, location_name, on_hand, reserved, len(promised))


def transfer(db, sku: str, quantity: object, source: str, destination: str, note: str | None,
             stamp: Stamp) -> tuple[StockChange, StockChange]:
    """Move available (unpromised) units from one location to another."""
    units = parse_quantity(quantity)
    note = clean_text(note, "--note", max_length=500)
    with db.write() as connection:
        product = stocked_product(connection, sku)
        from_id, from_name = find_location(connection, source)
        to_id, to_name = find_location(connection, destination)
        if from_id == to_id:
            raise InvalidData(f"--from and --to are the same location ({from_name})")
        lock_products(connection, {product.id})
        on_hand, reserved = _level(connection, product.id, from_id)
        if on_hand - reserved < units:
            promised = f" ({reserved} of {on_hand} promised to orders)" if reserved else ""
            raise InsufficientStock(f"insufficient stock for {product.sku} at {from_name}: requested {units}, "
                                    f"available {on_hand - reserved}{promised}")
        _ensure_level(connection, product.id, to_id)
        _move_on_hand(connection, product.id, from_id, -units)
        _move_on_hand(connection, product.id, to_id, units)
        reason = note or f"transfer {from_name} -> {to_name}"
        record(connection, stamp, [
            {"kind": "transferred", "product": product.id, "location": from_id, "on_hand": -units, "reason": reason},
            {"kind": "transferred", "product": product.id, "location": to_id, "on_hand": units, "reason": reason},
        ])
        promised = fill_backorders(connection, {product.id}, stamp)
        source_level = _level(connection, product.id, from_id)
        target_level = _level(connection, product.id, to_id)
    return (StockChange(product.sku, from_name, *source_level, 0),
            StockChange(product.sku, to_name, *target_level, len(promised)))


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelView:
    location: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockTotals:
    """Totals over `levels` (a product's stock at each location)."""

    levels: tuple[LevelView, ...]

    @property
    def on_hand(self) -> int:
        return sum(level.on_hand for level in self.levels)

    @property
    def reserved(self) -> int:
        return sum(level.reserved for level in self.levels)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class ProductStock(StockTotals):
    sku: str
    name: str
    levels: tuple[LevelView, ...]


def list_stock(db, *, sku: str | None = None, location: str | None = None, below: int | None = None) -> list[ProductStock]:
    """Stock of physical products per location (every location, zero included), with totals.

    `below` keeps the products whose available stock (at `location`, or in total) is under it.
    """
    with db.read() as connection:
        conditions, params = ["p.kind = 'physical'"], {}
        if sku:
            product = find_product(connection, sku)
            conditions.append("p.id = :product")
            params["product"] = product.id
        location_filter = ""
        if location:
            location_id, _ = find_location(connection, location)
            location_filter = "AND loc.id = :location"
            params["location"] = location_id
        found = rows(connection, f"""
            SELECT p.sku, p.name, loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand,
                   COALESCE(s.reserved, 0) AS reserved
            FROM products p CROSS JOIN locations loc
            LEFT JOIN stock_levels s ON s.product_id = p.id AND s.location_id = loc.id
            WHERE {' AND '.join(conditions)} {location_filter}
            ORDER BY p.sku, loc.is_default DESC, loc.id""", params)
        if not found:
            found = rows(connection, f"SELECT p.sku, p.name FROM products p WHERE {' AND '.join(conditions)} "
                                     "ORDER BY p.sku", {k: v for k, v in params.items() if k == "product"})
            grouped = {r.sku: ProductStock(r.sku, r.name, ()) for r in found}
        else:
            levels: dict[str, list[LevelView]] = defaultdict(list)
            names = {}
            for r in found:
                levels[r.sku].append(LevelView(r.location, r.on_hand, r.reserved))
                names[r.sku] = r.name
            grouped = {k: ProductStock(k, names[k], tuple(v)) for k, v in levels.items()}
    result = list(grouped.values())
    if below is not None:
        result = [p for p in result if p.available < below]
    return result


@dataclass(frozen=True)
class MovementView:
    at: datetime
    kind: str
    location: str
    on_hand_delta: int
    reserved_delta: int
    order: int | None
    actor: str
    command: str
    reason: str | None


def stock_history(db, sku: str, *, location: str | None = None, limit: int | None = None) -> list[MovementView]:
    """The ledger of one SKU, oldest first (the last `limit` movements)."""
    with db.read() as connection:
        product = find_product(connection, sku)
        params = {"product": product.id}
        where = "m.product_id = :product"
        if location:
            params["location"], _ = find_location(connection, location)
            where += " AND m.location_id = :location"
        limit_sql = f"LIMIT {int(limit)}" if limit else ""
        found = rows(connection, f"""
            SELECT * FROM (
                SELECT m.id, m.at, m.kind, loc.name AS location, m.on_hand_delta, m.reserved_delta, m.order_id,
                       m.actor, m.command, m.reason
                FROM stock_movements m JOIN locations loc ON loc.id = m.location_id
                WHERE {where} ORDER BY m.id DESC {limit_sql}) recent
            ORDER BY id""", params)
    return [MovementView(as_utc(r.at), r.kind, r.location, r.on_hand_delta, r.reserved_delta, r.order_id, r.actor,
                         r.command, r.reason) for r in found]


@dataclass(frozen=True)
class Availability:
    sku: str
    kind: str
    levels: tuple[LevelView, ...]
    location: str | None  # the one asked about, if any

    @property
    def available(self) -> int:
        return sum(level.available for level in self.levels)

    @property
    def stocked(self) -> bool:
        return self.kind == "physical"

    def can_promise(self, quantity: int) -> bool:
        return not self.stocked or self.available >= quantity


def check_availability(db, sku: str, location: str | None = None) -> Availability:
    """What can be promised of a SKU where (digital and service products are always available)."""
    with db.read() as connection:
        product = find_product(connection, sku)
        if product.kind != "physical":
            return Availability(product.sku, product.kind, (), None)
        params = {"product": product.id}
        where = ""
        name = None
        if location:
            params["location"], name = find_location(connection, location)
            where = "AND loc.id = :location"
        found = rows(connection, f"""
            SELECT loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved
            FROM locations loc LEFT JOIN stock_levels s ON s.location_id = loc.id AND s.product_id = :product
            WHERE 1 = 1 {where} ORDER BY loc.is_default DESC, loc.id""", params)
    return Availability(product.sku, product.kind, tuple(LevelView(r.location, r.on_hand, r.reserved) for r in found),
                        name)


@dataclass(frozen=True)
class LedgerDifference:
    sku: str
    location: str
    on_hand: int
    ledger_on_hand: int
    reserved: int
    ledger_reserved: int


def check_ledger(db) -> list[LedgerDifference]:
    """Every counter against the sum of its ledger; an empty list means they all agree."""
    with db.read() as connection:
        found = rows(connection, """
            SELECT p.sku, loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved,
                   COALESCE(m.on_hand, 0) AS ledger_on_hand, COALESCE(m.reserved, 0) AS ledger_reserved
            FROM (SELECT product_id, location_id FROM stock_levels
                  UNION SELECT product_id, location_id FROM stock_movements) k
            JOIN products p ON p.id = k.product_id
            JOIN locations loc ON loc.id = k.location_id
            LEFT JOIN stock_levels s ON s.product_id = k.product_id AND s.location_id = k.location_id
            LEFT JOIN (SELECT product_id, location_id, SUM(on_hand_delta) AS on_hand, SUM(reserved_delta) AS reserved
                       FROM stock_movements GROUP BY product_id, location_id) m
                   ON m.product_id = k.product_id AND m.location_id = k.location_id
            ORDER BY p.sku, loc.name""")
    return [LedgerDifference(r.sku, r.location, r.on_hand, r.ledger_on_hand, r.reserved, r.ledger_reserved)
            for r in found if (r.on_hand, r.reserved) != (r.ledger_on_hand, r.ledger_reserved)]


def order_promises(connection, order_id: int) -> dict[int, list[tuple[str, int]]]:
    """Where each line of an order is promised: line number -> [(location, units)]."""
    found = rows(connection, """
        SELECT l.line_no, loc.name AS location, SUM(m.reserved_delta) AS held
        FROM stock_movements m JOIN order_lines l ON l.id = m.order_line_id JOIN locations loc ON loc.id = m.location_id
        WHERE m.order_id = :order GROUP BY l.line_no, loc.name, loc.is_default, loc.id
        HAVING SUM(m.reserved_delta) > 0 ORDER BY l.line_no, loc.is_default DESC, loc.id""", {"order": order_id})
    promises: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for r in found:
        promises[r.line_no].append((r.location, r.held))
    return dict(promises)


def waiting_units(connection, order_id: int) -> dict[int, int]:
    """Units each backordered line of an order still waits for: line number -> units."""
    found = rows(connection, """
        SELECT l.line_no, l.quantity - COALESCE((SELECT SUM(m.reserved_delta) FROM stock_movements m
               WHERE m.order_line_id = l.id AND m.kind IN ('reserved', 'released')), 0) AS missing
        FROM order_lines l WHERE l.order_id = :order AND l.backordered""", {"order": order_id})
    return {r.line_no: r.missing for r in found if r.missing > 0}

