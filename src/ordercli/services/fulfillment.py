"""Fulfillment: shipping orders (whole, in part, in batches), moving shipments through their
stages, and deleting a wrong one.

One call is one transaction. A batch reads what its orders hold and have shipped in a few
set-based queries (through a batch table), the domain plans the shipments, and the writes go
in as sets: the shipments, their lines, the ledger, the counters, the history, the statuses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from ordercli.db import dialect
from ordercli.db.queries import history, shipments, stock
from ordercli.db.sql import execute, rows
from ordercli.domain.errors import Field, InvalidData, NotFound, OrderCliError, Problem, Refused
from ordercli.domain.fulfillment import (
    LEFT, STAGE_ORDER, LineState, Method, Planned, Stage, Take, Want, next_stages, plan_shipments, status_after,
)
from ordercli.domain.statuses import HOLDS_STOCK, Status, Trigger, check_transition
from ordercli.domain.stock import normalize_location_name
from ordercli.domain.validation import clean_text, parse_order_number
from ordercli.services.inventory.ledger import lock_products
from ordercli.services.inventory.promising import fill_backorders
from ordercli.services.views import Stamp


@dataclass(frozen=True)
class ShipEntry:
    """One order to ship: what of it (None: everything outstanding), from where, with whom."""

    input: str
    wants: tuple[Want, ...] | None = None
    location: str | None = None
    carrier: str | None = None
    tracking: str | None = None


@dataclass(frozen=True)
class Handling:
    """How far the new shipments go, and what each stage records."""

    stage: Stage = Stage.HANDED_OVER
    parcels: int | None = None
    weight_grams: int | None = None
    signed_by: str | None = None  # a collection at a store (pickup) is signed for
    salesperson: str | None = None  # a hand-over at the counter; the actor by default
    issued: str | None = None  # what a download gives the customer: a link or a licence key
    method: Method | None = None  # external: the goods left outside ordercli
    reason: str | None = None
    target: Status | None = None  # external: the status set by hand (closed, partially_shipped)


@dataclass(frozen=True)
class ShipOutcome:
    input: str
    number: int | None
    error: OrderCliError | None = None
    shipments: tuple[int, ...] = ()
    from_status: str | None = None
    to_status: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ShipResult:
    applied: bool
    dry_run: bool
    outcomes: list[ShipOutcome]
    notes: list[str] = field(default_factory=list)  # what waits: a collection, a hand-over

    @property
    def failures(self) -> list[ShipOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def shipment_ids(self) -> list[int]:
        return [s for o in self.outcomes for s in o.shipments]


def ship_orders(db, entries: list[ShipEntry], stamp: Stamp, handling: Handling = Handling(), *,
                skip_invalid: bool = False, dry_run: bool = False) -> ShipResult:
    """Ship every entry, all or nothing (or skipping the ones that fail)."""
    handling = _clean_handling(handling)
    if not entries:
        raise InvalidData("no order numbers given")
    with db.write() as transaction:
        result = ship_in(transaction, entries, stamp, handling, skip_invalid=skip_invalid, dry_run=dry_run)
        if not result.applied:
            transaction.rollback()
    return result


def _clean_handling(handling: Handling) -> Handling:
    values = {name: clean_text(getattr(handling, name), Field(name), max_length=500)
              for name in ("signed_by", "salesperson", "issued", "reason")}
    for name in ("parcels", "weight_grams"):
        value = getattr(handling, name)
        if value is not None and value < 1:
            raise InvalidData(f"{name.replace('_', ' ')} must be at least 1")
    return Handling(handling.stage, handling.parcels, handling.weight_grams, method=handling.method,
                    target=handling.target, **values)


def ship_in(connection, entries: list[ShipEntry], stamp: Stamp, handling: Handling, *, skip_invalid: bool,
            dry_run: bool) -> ShipResult:
    """The batch in the caller's transaction; the caller rolls back unless `applied`."""
    outcomes: dict[int, ShipOutcome] = {}
    numbers: list[tuple[int, int]] = []
    seen: set[int] = set()
    for pos, entry in enumerate(entries):
        try:
            number = parse_order_number(entry.input)
        except InvalidData as error:
            outcomes[pos] = ShipOutcome(entry.input, None, error)
            continue
        if number in seen:
            outcomes[pos] = ShipOutcome(entry.input, number, InvalidData(f"order {number} is named twice"))
            continue
        seen.add(number)
        numbers.append((number, pos))
    plans: dict[int, list[Planned]] = {}
    statuses: dict[int, Status] = {}
    with dialect.batch_table(connection, "ship_batch", {"number": "BIGINT", "pos": "INTEGER"}, numbers,
                             key="number") as batch:
        dialect.lock_rows(connection, f"SELECT o.id FROM orders o JOIN {batch} b ON b.number = o.id ORDER BY o.id",
                          table="orders")
        statuses = {r.id: Status(r.status) for r in rows(
            connection, f"SELECT o.id, o.status FROM {batch} b CROSS JOIN orders o WHERE o.id = b.number")}
        states = _line_states(connection, batch)
    products = {line.product_id for lines in states.values() for line in lines if line.product_id is not None}
    lock_products(connection, products)
    available, _ = stock.availability(connection, products) if products else ({}, {})
    places = _Places(connection)
    for number, pos in numbers:
        entry = entries[pos]
        if number not in statuses:
            outcomes[pos] = ShipOutcome(entry.input, number, NotFound(f"order {number} does not exist"))
            continue
        try:
            if handling.method == Method.EXTERNAL:
                check_transition(statuses[number], handling.target, Trigger.BY_HAND)
                if statuses[number] == handling.target:  # already there: nothing to record
                    outcomes[pos] = ShipOutcome(entry.input, number, None, (), statuses[number], statuses[number])
                    continue
            location_id, location_name = places.location(entry.location)
            carrier_id = places.carrier(entry.carrier)
            planned = plan_shipments(number, statuses[number], states.get(number, []),
                                     list(entry.wants) if entry.wants is not None else None,
                                     location_id, location_name, available, method=handling.method)
            _check_handling(connection, number, planned, handling, places, carrier_id, entry)
            if handling.method == Method.EXTERNAL:
                _check_by_hand(number, statuses[number], states.get(number, []), planned, handling.target)
        except OrderCliError as error:
            outcomes[pos] = ShipOutcome(entry.input, number, error, from_status=statuses[number])
            continue
        plans[pos] = planned
    failed = any(not o.ok for o in outcomes.values())
    # a status set by hand on orders already there succeeds with nothing to write
    applied = not dry_run and (bool(plans) or handling.method == Method.EXTERNAL) and not (failed and not skip_invalid)
    notes: list[str] = []
    if applied and plans:
        made, moved, notes = _write(connection, entries, plans, states, stamp, handling, places)
        for pos, ids in made.items():
            number = plans[pos][0].order_id
            outcomes[pos] = ShipOutcome(entries[pos].input, number, None, tuple(ids), statuses[number],
                                        moved.get(number, statuses[number]))
    else:
        for pos, planned in plans.items():  # where each order would go (a dry run says it)
            number = planned[0].order_id
            outcomes[pos] = ShipOutcome(entries[pos].input, number, None, (), statuses[number],
                                        _status_if_shipped(statuses[number], states.get(number, []), planned, handling))
    return ShipResult(applied, dry_run, [outcomes[pos] for pos in sorted(outcomes)], notes)


def _line_states(connection, batch: str) -> dict[int, list[LineState]]:
    """Every line of the batch's orders with what shipments take of it and what it holds."""
    in_shipments: dict[int, int] = defaultdict(int)
    shipped: dict[int, int] = defaultdict(int)
    pending: dict[int, dict[int, int]] = defaultdict(dict)
    for row in shipments.in_shipments_of_batch(connection, batch):
        in_shipments[row.order_line_id] += row.units
        if row.left_:
            shipped[row.order_line_id] += row.units
        elif row.location_id is not None:
            pending[row.order_line_id][row.location_id] = row.units
    held: dict[int, dict[int, int]] = defaultdict(dict)
    for row in shipments.held_of_batch(connection, batch):
        held[row.order_line_id][row.location_id] = int(row.units)
    states: dict[int, list[LineState]] = defaultdict(list)
    for line in shipments.lines_of_batch(connection, batch):
        states[line.order_id].append(LineState(
            line.id, line.line_no, line.sku, line.kind, line.product_id, line.delivery_method, line.quantity,
            in_shipments[line.id], shipped[line.id], held[line.id], pending[line.id]))
    return states


class _Places:
    """Locations and carriers by name, each looked up once per call."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self._locations: dict[str, tuple[int, str, str]] = {}
        self._carriers: dict[str, tuple[int, str]] = {}
        self.kinds: dict[int, str] = {}
        self.names: dict[int, str] = {}

    def location(self, name: str | None) -> tuple[int | None, str | None]:
        if name is None:
            return None, None
        key = normalize_location_name(name)
        if key not in self._locations:
            row = rows(self.connection, "SELECT id, name, kind FROM locations WHERE name = :name", {"name": key})
            if not row:
                raise NotFound(f"location {key} does not exist")
            self._locations[key] = (row[0].id, row[0].name, row[0].kind)
        location_id, found, _ = self._locations[key]
        return location_id, found

    def kind(self, location_id: int) -> str:
        if location_id not in self.kinds:
            row = rows(self.connection, "SELECT name, kind FROM locations WHERE id = :id", {"id": location_id})[0]
            self.kinds[location_id], self.names[location_id] = row.kind, row.name
        return self.kinds[location_id]

    def name(self, location_id: int | None) -> str | None:
        if location_id is None:
            return None
        self.kind(location_id)
        return self.names[location_id]

    def carrier(self, name: str | None) -> int | None:
        if name is None:
            return None
        key = name.strip()
        if key.lower() not in self._carriers:
            row = shipments.carrier_by_name(self.connection, key)
            if row is None:
                raise NotFound(f"carrier {key!r} does not exist (add it: ordercli carrier add NAME)")
            self._carriers[key.lower()] = (row.id, row.name)
        return self._carriers[key.lower()][0]


def _check_handling(connection, number: int, planned: list[Planned], handling: Handling, places: _Places,
                    carrier_id: int | None, entry: ShipEntry) -> None:
    """Refuse what a stage needs and was not given: a download's link or key, a store for a pickup."""
    reaches = STAGE_ORDER.index(handling.stage)
    for plan in planned:
        if plan.method == Method.PICKUP and plan.location_id is not None and places.kind(plan.location_id) != "store":
            raise Refused(f"order {number}: pickup lines wait at a store, and {places.name(plan.location_id)} is a "
                          "warehouse (--from STORE)")
        if plan.method == Method.DOWNLOAD and reaches >= STAGE_ORDER.index(Stage.HANDED_OVER) and not handling.issued:
            raise InvalidData(Problem(f"order {number} has a download: say what the customer receives (",
                                      Field("issued"), ")"))
    if (carrier_id is not None or entry.tracking) and not any(p.method == Method.SHIP for p in planned):
        raise InvalidData(f"order {number}: a carrier or tracking number goes with shipped lines, and none ship")


def _status_if_shipped(status: Status, lines: list[LineState], planned: list[Planned], handling: Handling) -> Status:
    """The status an order would have after its planned shipments (those that reach the hand-over)."""
    taking: dict[int, int] = defaultdict(int)
    for plan in planned:
        if Stage.HANDED_OVER in _stages_for(plan.method, handling):
            for take in plan.takes:
                taking[take.line_id] += take.quantity
    return status_after(status, [(line.quantity, line.shipped + taking[line.id]) for line in lines])


def _check_by_hand(number: int, status: Status, lines: list[LineState], planned: list[Planned],
                   target: Status) -> None:
    """A status set by hand must be what the external shipment makes of the quantities."""
    taking: dict[int, int] = defaultdict(int)
    for plan in planned:
        for take in plan.takes:
            taking[take.line_id] += take.quantity
    after = status_after(status, [(line.quantity, line.shipped + taking[line.id]) for line in lines])
    if after != target:
        if target == Status.PARTIALLY_SHIPPED:
            raise Refused(f"order {number}: that is everything outstanding, which makes it closed (--to closed)")
        raise Refused(f"order {number}: shipping that leaves it {after}, not {target}")


def _stage_columns(method: Method, stages: list[Stage], stamp: Stamp, handling: Handling) -> dict:
    values: dict = {"stage": stages[-1].value if stages else None}
    for stage in stages:
        values[f"{stage.value}_at"] = stamp.at
        values[f"{stage.value}_by"] = stamp.actor
    if Stage.HANDED_OVER in stages and method == Method.HAND_OVER and handling.salesperson:
        values["handed_over_by"] = handling.salesperson
    if Stage.DELIVERED in stages and method == Method.PICKUP:
        values["signed_by"] = handling.signed_by
    return values


def _stages_for(method: Method, handling: Handling) -> list[Stage]:
    """The stages a new shipment goes through: a pickup waits packed at the store until the
    customer collects it and signs (--signed-by); goods that left outside ordercli were handed
    over, which is all that is known of them."""
    if method == Method.EXTERNAL:
        return [Stage.HANDED_OVER]
    target = handling.stage
    if method == Method.PICKUP and target == Stage.HANDED_OVER and not handling.signed_by:
        target = Stage.PACKED
    return next_stages(method, None, target)


def _write(connection, entries, plans: dict[int, list[Planned]], states, stamp: Stamp, handling: Handling,
           places: _Places) -> tuple[dict[int, list[int]], dict[int, Status], list[str]]:
    lines_by_id = {line.id: line for lines in states.values() for line in lines}
    _move_promises(connection, plans, lines_by_id, stamp)
    new: list[dict] = []
    order: list[tuple[int, Planned, list[Stage]]] = []
    for pos in sorted(plans):
        entry = entries[pos]
        for plan in plans[pos]:
            stages = _stages_for(plan.method, handling)
            values = {"order_id": plan.order_id, "method": plan.method.value, "location_id": plan.location_id,
                      "created_at": stamp.at, "updated_at": stamp.at, "reason": handling.reason,
                      **_stage_columns(plan.method, stages, stamp, handling)}
            if plan.method == Method.SHIP:
                values.update(carrier_id=places.carrier(entry.carrier), tracking=entry.tracking,
                              parcels=handling.parcels, weight_grams=handling.weight_grams)
            if plan.method == Method.DOWNLOAD and Stage.HANDED_OVER in stages:
                values["issued"] = handling.issued
            new.append(values)
            order.append((pos, plan, stages))
    ids = shipments.add(connection, new)
    shipments.add_lines(connection, [(sid, t.line_id, t.location_id, t.quantity)
                                     for sid, (_, plan, _) in zip(ids, order) for t in plan.takes])
    made: dict[int, list[int]] = defaultdict(list)
    leaving: list[tuple[int, Planned]] = []
    entries_: list[tuple] = []
    notes: list[str] = []
    for sid, (pos, plan, stages) in zip(ids, order):
        made[pos].append(sid)
        if Stage.HANDED_OVER in stages:
            leaving.append((sid, plan))
        elif plan.method == Method.PICKUP and handling.stage == Stage.HANDED_OVER:
            notes.append(f"shipment {sid} waits at {places.name(plan.location_id)} for the customer: "
                         f"ordercli shipment collect {sid} --signed-by NAME")
        status = None
        entries_.append((plan.order_id, "shipment", status, status,
                         _describe(sid, plan, stages, lines_by_id, places, entries[pos], handling)))
    history.append(connection, stamp, entries_)
    _consume(connection, stamp, [(sid, plan.order_id, t) for sid, plan in leaving for t in plan.takes], lines_by_id)
    trigger = Trigger.BY_HAND if handling.method == Method.EXTERNAL else Trigger.SHIPMENT
    moved = settle_statuses(connection, sorted({plan.order_id for _, plan in leaving}), stamp, trigger,
                            handling.reason)
    if handling.method == Method.EXTERNAL:  # what was still waiting for stock left outside too
        _clear_waiting(connection, [t.line_id for _, plan in leaving for t in plan.takes])
    return made, moved, notes


def _move_promises(connection, plans, lines_by_id: dict[int, LineState], stamp: Stamp) -> None:
    """Shipping from a location the line holds too few at: release there, reserve here."""
    movements: list[dict] = []
    takes: dict[tuple[int, int], int] = defaultdict(int)
    reserving: list[dict] = []
    waiting_done: list[int] = []
    for planned in plans.values():
        for plan in planned:
            for take in plan.takes:
                if not take.reserve:
                    continue
                line = lines_by_id[take.line_id]
                for location, units in take.moved:
                    movements.append({"kind": "released", "product": line.product_id, "location": location,
                                      "reserved": -units, "order_id": plan.order_id, "line_id": line.id,
                                      "reason": "promise moved: the line ships from elsewhere"})
                takes[(line.product_id, take.location_id)] += take.reserve
                reserving.append({"kind": "reserved", "product": line.product_id, "location": take.location_id,
                                  "reserved": take.reserve, "order_id": plan.order_id, "line_id": line.id,
                                  "reason": "promise moved: the line ships from here"})
                waiting_done.append(line.id)
    if not reserving:
        return
    released: dict[tuple[int, int], int] = defaultdict(int)
    for m in movements:
        released[(m["product"], m["location"])] += m["reserved"]
    if released:  # one row per (product, location), in key order, whatever the number of lines
        execute(connection, "UPDATE stock_levels SET reserved = reserved + :d WHERE product_id = :p AND location_id = :l",
                [{"d": units, "p": p, "l": l} for (p, l), units in sorted(released.items())])
    stock.record(connection, stamp, movements)
    short = stock.reserve(connection, stamp, dict(takes), reserving)
    if short:  # cannot happen under the product lock: the domain counted free stock
        raise Refused("the stock changed while shipping: try again")
    _clear_waiting(connection, waiting_done)


def _clear_waiting(connection, line_ids: list[int]) -> None:
    """Lines that no longer wait for stock stop being marked backordered."""
    if not line_ids:
        return
    with dialect.batch_table(connection, "clear_batch", {"id": "BIGINT"}, [(i,) for i in sorted(set(line_ids))],
                             key="id") as batch:
        done = [r.id for r in shipments.backordered_of_batch(connection, batch) if r.missing <= 0]
    stock.set_backordered(connection, done, False)


def _consume(connection, stamp: Stamp, takes: list[tuple[int, int, object]], lines_by_id) -> None:
    """The goods left: on hand and reserved go down together where the units were held, with a
    `shipped` ledger row naming the shipment."""
    movements = []
    counters: dict[tuple[int, int], int] = defaultdict(int)
    for sid, order_id, take in takes:
        if take.location_id is None:
            continue
        line = lines_by_id[take.line_id]
        counters[(line.product_id, take.location_id)] += take.quantity
        movements.append({"kind": "shipped", "product": line.product_id, "location": take.location_id,
                          "on_hand": -take.quantity, "reserved": -take.quantity, "order_id": order_id,
                          "line_id": line.id, "shipment_id": sid, "reason": f"shipment {sid}"})
    _change_counters(connection, counters, -1)
    stock.record(connection, stamp, movements)


def _change_counters(connection, counters: dict[tuple[int, int], int], sign: int) -> None:
    """on hand and reserved += sign × units per (product, location)."""
    if not counters:
        return
    execute(connection, "UPDATE stock_levels SET on_hand = on_hand + :d, reserved = reserved + :d "
                        "WHERE product_id = :p AND location_id = :l",
            [{"d": sign * units, "p": p, "l": l} for (p, l), units in sorted(counters.items())])


def settle_statuses(connection, numbers: list[int], stamp: Stamp, trigger: Trigger, reason: str | None) -> dict[int, Status]:
    """Move each order to the status its handed-over quantities call for, through the
    transition table, with a history entry; returns every order's status after."""
    if not numbers:
        return {}
    current: dict[int, Status] = {}
    per_order: dict[int, list[tuple[int, int]]] = defaultdict(list)
    with dialect.batch_table(connection, "settle_batch", {"number": "BIGINT"}, [(n,) for n in numbers],
                             key="number") as batch:
        for row in shipments.totals_of_batch(connection, batch):
            current[row.order_id] = Status(row.status)
            if row.quantity is not None:
                per_order[row.order_id].append((row.quantity, int(row.handed)))
    after: dict[int, Status] = {}
    changes: list[tuple] = []
    for number in numbers:
        target = status_after(current[number], per_order[number])
        check_transition(current[number], target, trigger)
        after[number] = target
        if target != current[number]:
            changes.append((number, "status", current[number].value, target.value, reason))
    if changes:
        history.append(connection, stamp, changes)
        for target in sorted({c[3] for c in changes}):
            dialect.update_where_in(connection, "orders", {"status": target, "updated_at": stamp.at}, "id",
                                    [c[0] for c in changes if c[3] == target])
    return after


def _describe(sid: int, plan: Planned, stages: list[Stage], lines_by_id, places: _Places, entry: ShipEntry,
              handling: Handling) -> str:
    """The history's sentence for a new shipment."""
    parts = ", ".join(f"{lines_by_id[t.line_id].sku} {t.quantity}" for t in plan.takes)
    where = f" from {places.name(plan.location_id)}" if plan.location_id is not None else ""
    text = f"shipment {sid} ({plan.method.value}{where}): {parts}; {stages[-1].value}"
    if plan.method == Method.SHIP and entry.carrier:
        text += f" with {entry.carrier}" + (f" {entry.tracking}" if entry.tracking else "")
    if handling.reason:
        text += f": {handling.reason}"
    return text


# -- one shipment: its stages, corrections, deletion -------------------------------------------


@dataclass(frozen=True)
class ShipmentLineView:
    line_no: int
    sku: str
    description: str
    location: str | None
    quantity: int


@dataclass(frozen=True)
class StageView:
    stage: str
    at: datetime
    by: str | None


@dataclass(frozen=True)
class ShipmentView:
    id: int
    order: int
    method: str
    location: str | None
    location_kind: str | None
    stage: str
    carrier: str | None
    tracking: str | None
    tracking_url: str | None
    parcels: int | None
    weight_grams: int | None
    issued: str | None
    signed_by: str | None
    delivery_note: str | None
    failed_attempts: int
    reason: str | None
    created_at: datetime
    stages: tuple[StageView, ...]
    lines: tuple[ShipmentLineView, ...]
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    delete_reason: str | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def tracking_link(template: str | None, tracking: str | None) -> str | None:
    """The carrier's tracking page for a number: `{tracking}` in the template replaced by the
    number, URL-quoted (the number is data, never part of the URL's syntax)."""
    if not template or not tracking:
        return None
    from urllib.parse import quote

    return template.replace("{tracking}", quote(tracking, safe=""))


def shipment_views(connection, found: list) -> list[ShipmentView]:
    """Read models of shipment rows (from the queries' shipment SELECT), with their lines."""
    lines: dict[int, list[ShipmentLineView]] = defaultdict(list)
    for line in shipments.lines_of(connection, [s.id for s in found]):
        lines[line.shipment_id].append(ShipmentLineView(line.line_no, line.sku, line.description, line.location,
                                                        line.quantity))
    views = []
    for s in found:
        stages = tuple(StageView(stage.value, getattr(s, f"{stage.value}_at"), getattr(s, f"{stage.value}_by"))
                       for stage in STAGE_ORDER if getattr(s, f"{stage.value}_at") is not None)
        if s.returned_at is not None:
            stages += (StageView(Stage.RETURNED_TO_SENDER.value, s.returned_at, s.returned_by),)
        views.append(ShipmentView(
            s.id, s.order_id, s.method, s.location, s.location_kind, s.stage, s.carrier, s.tracking,
            tracking_link(s.tracking_url, s.tracking), s.parcels, s.weight_grams, s.issued, s.signed_by,
            s.delivery_note, s.failed_attempts, s.reason, s.created_at, stages, tuple(lines[s.id]), s.deleted_at,
            s.deleted_by, s.delete_reason))
    return views


def handed_over_per_line(views) -> dict[int, int]:
    """Line number -> units handed over by the shipments that count (of one order's views)."""
    found: dict[int, int] = defaultdict(int)
    for view in views:
        if not view.deleted and Stage(view.stage) in LEFT:
            for line in view.lines:
                found[line.line_no] += line.quantity
    return dict(found)


def get_shipment(db, shipment_id: int) -> ShipmentView:
    with db.read() as connection:
        row = shipments.get(connection, shipment_id)
        if row is None:
            raise NotFound(f"shipment {shipment_id} does not exist")
        return shipment_views(connection, [row])[0]


def shipments_of_order(connection, number: int) -> list[ShipmentView]:
    return shipment_views(connection, shipments.of_order(connection, number))


@dataclass(frozen=True)
class StageChange:
    """What moving a shipment on records: a carrier and tracking at the hand-over, a sign-off."""

    carrier: str | None = None
    tracking: str | None = None
    parcels: int | None = None
    weight_grams: int | None = None
    signed_by: str | None = None
    note: str | None = None
    issued: str | None = None
    salesperson: str | None = None


def _locked_shipment(connection, shipment_id: int):
    """The shipment, its order's row locked first (the lock order of every order change)."""
    number = shipments.order_of(connection, shipment_id)
    if number is None:
        raise NotFound(f"shipment {shipment_id} does not exist")
    dialect.lock_ids(connection, "orders", [number])
    row = shipments.get(connection, shipment_id)
    if row.deleted_at is not None:
        raise Refused(f"shipment {shipment_id} was deleted")
    return row


def advance_shipment(db, shipment_id: int, target: Stage, stamp: Stamp, change: StageChange = StageChange(), *,
                     collect: bool = False) -> ShipmentView:
    """Move a shipment on to `target` (packed, handed over, delivered), recording what that
    stage needs; handing over takes the stock and moves the order's status. `collect`: the
    customer collects a pickup at its store (its hand-over and delivery at once)."""
    change = StageChange(**{name: (clean_text(value, Field(name), max_length=500) if isinstance(value, str) else value)
                            for name, value in vars(change).items()})
    with db.write() as connection:
        row = _locked_shipment(connection, shipment_id)
        method, current = Method(row.method), Stage(row.stage)
        try:
            stages = next_stages(method, current, target)
        except Refused as refusal:
            raise Refused(f"shipment {shipment_id}: {refusal}") from None
        if collect and method != Method.PICKUP:
            raise Refused(f"shipment {shipment_id} is {method.value}, not a pickup: only a pickup is collected")
        if not collect and method == Method.PICKUP and Stage.HANDED_OVER in stages:
            raise Refused(f"shipment {shipment_id} is a pickup: it is handed over when the customer collects it "
                          f"(ordercli shipment collect {shipment_id} --signed-by NAME)")
        if target == Stage.DELIVERED and current != Stage.HANDED_OVER:
            raise Refused(f"shipment {shipment_id} is {current}: it is delivered after it is handed over "
                          f"(ordercli shipment hand-over {shipment_id})")
        if Stage.HANDED_OVER in stages and Status(row.order_status) not in (Status.READY_TO_SHIP,
                                                                           Status.PARTIALLY_SHIPPED):
            raise Refused(f"order {row.order_id} is {row.order_status}: its shipments cannot be handed over")
        values: dict = {"updated_at": stamp.at}
        for stage in stages:
            values[f"{stage.value}_at"] = stamp.at
            values[f"{stage.value}_by"] = stamp.actor
        values["stage"] = stages[-1].value
        if change.parcels is not None or change.weight_grams is not None:
            if change.parcels is not None and change.parcels < 1 or change.weight_grams is not None and change.weight_grams < 1:
                raise InvalidData("parcels and weight must be at least 1")
            values.update({k: v for k, v in (("parcels", change.parcels), ("weight_grams", change.weight_grams))
                           if v is not None})
        if change.carrier is not None or change.tracking is not None:
            if method != Method.SHIP:
                raise InvalidData(f"shipment {shipment_id} is {method.value}: a carrier and tracking go with shipped ones")
            if change.carrier is not None:
                values["carrier_id"] = _Places(connection).carrier(change.carrier)
            if change.tracking is not None:
                values["tracking"] = change.tracking
        if Stage.HANDED_OVER in stages:
            if method == Method.DOWNLOAD and not (change.issued or row.issued):
                raise InvalidData(Problem(f"shipment {shipment_id} is a download: say what the customer receives (",
                                          Field("issued"), ")"))
            if change.issued:
                values["issued"] = change.issued
            if method == Method.HAND_OVER and change.salesperson:
                values["handed_over_by"] = change.salesperson
        if Stage.DELIVERED in stages:
            if method == Method.PICKUP and not change.signed_by:
                raise InvalidData(Problem(f"shipment {shipment_id} is collected at {row.location}: who collects it "
                                          "signs (", Field("signed_by"), ")"))
            values.update(signed_by=change.signed_by, delivery_note=change.note)
        shipments.set_stages(connection, shipment_id, values)
        history.append(connection, stamp, [(row.order_id, "shipment", None, None,
                                             f"shipment {shipment_id} {values['stage']}"
                                             + (f", signed by {change.signed_by}" if change.signed_by else "")
                                             + (f": {change.note}" if change.note else ""))])
        if Stage.HANDED_OVER in stages:
            takes = [(shipment_id, row.order_id, line) for line in _takes_of(connection, shipment_id)]
            lines = _LinesById(connection)
            # stock work on a SKU is serialized by its product row (after the order's: the lock order)
            lock_products(connection, {lines[t.line_id].product_id for _, _, t in takes if t.location_id is not None})
            _consume(connection, stamp, takes, lines)
            settle_statuses(connection, [row.order_id], stamp, Trigger.SHIPMENT, None)
        return shipment_views(connection, [shipments.get(connection, shipment_id)])[0]


def _takes_of(connection, shipment_id: int) -> list[Take]:
    """What a stored shipment took: (line, quantity, location), as the domain plans it."""
    return [Take(r.order_line_id, r.quantity, r.location_id) for r in shipments.lines_of(connection, [shipment_id])]


class _LinesById(dict):
    """Order lines' product ids, read as they are asked for."""

    def __init__(self, connection) -> None:
        super().__init__()
        self.connection = connection

    def __missing__(self, line_id: int):
        row = rows(self.connection, "SELECT id, product_id, sku FROM order_lines WHERE id = :id", {"id": line_id})[0]
        self[line_id] = row
        return row


def record_failed_attempt(db, shipment_id: int, reason: str, stamp: Stamp) -> ShipmentView:
    """A delivery attempt failed: counted on the shipment and written to the history; the
    shipment stays handed over (the carrier tries again, or it comes back: return-to-sender)."""
    reason = clean_text(reason, Field("reason"), max_length=500)
    if not reason:
        raise InvalidData(Problem("say why the delivery failed (", Field("reason"), ")"))
    with db.write() as connection:
        row = _locked_shipment(connection, shipment_id)
        if row.stage != Stage.HANDED_OVER.value:
            raise Refused(f"shipment {shipment_id} is {row.stage}: only a handed-over shipment can fail delivery")
        shipments.set_stages(connection, shipment_id, {"failed_attempts": row.failed_attempts + 1,
                                                       "updated_at": stamp.at})
        history.append(connection, stamp, [(row.order_id, "delivery_failed", None, None,
                                            f"shipment {shipment_id}: delivery attempt {row.failed_attempts + 1} "
                                            f"failed: {reason}")])
        return shipment_views(connection, [shipments.get(connection, shipment_id)])[0]


def correct_shipment(db, shipment_id: int, stamp: Stamp, *, carrier: str | None = None,
                     tracking: str | None = None) -> ShipmentView:
    """Correct the carrier or tracking number of a shipment (no delete needed); the history
    keeps what it was."""
    tracking = clean_text(tracking, Field("tracking"), max_length=200)
    with db.write() as connection:
        row = _locked_shipment(connection, shipment_id)
        if row.method != Method.SHIP.value:
            raise Refused(f"shipment {shipment_id} is {row.method}: only shipped ones have a carrier and tracking")
        values: dict = {"updated_at": stamp.at}
        said = []
        if carrier is not None:
            values["carrier_id"] = _Places(connection).carrier(carrier)
            said.append(f"carrier {row.carrier or '-'} -> {carrier.strip()}")
        if tracking is not None:
            values["tracking"] = tracking
            said.append(f"tracking {row.tracking or '-'} -> {tracking}")
        if not said:
            raise InvalidData(Problem("nothing to change: give ", Field("carrier"), " or ", Field("tracking")))
        shipments.set_stages(connection, shipment_id, values)
        history.append(connection, stamp, [(row.order_id, "shipment_corrected", None, None,
                                            f"shipment {shipment_id}: " + ", ".join(said))])
        return shipment_views(connection, [shipments.get(connection, shipment_id)])[0]


@dataclass(frozen=True)
class Deletion:
    shipment: ShipmentView
    applied: bool
    from_status: str
    to_status: str
    restocked_at: str | None
    written_off: bool


def delete_shipment(db, shipment_id: int, stamp: Stamp, *, reason: str | None = None, restock: str | None = None,
                    write_off: bool = False, dry_run: bool = False) -> Deletion:
    """The shipment no longer counts. Not yet handed over: its units stay promised to the
    order. Handed over: the goods are back on a shelf (`restock` at a location: promised to
    the order again) or gone (`write_off`: the ledger says so, and the order waits for stock
    again). Quantities and status are recomputed; the history keeps what the shipment was."""
    reason = clean_text(reason, Field("reason"), max_length=500)
    if restock is not None and write_off:
        raise InvalidData(Problem("give either ", Field("restock"), " or ", Field("write_off"), ", not both"))
    with db.write() as connection:
        row = _locked_shipment(connection, shipment_id)
        view = shipment_views(connection, [row])[0]
        stage = Stage(row.stage)
        if stage == Stage.DELIVERED:
            raise Refused(f"shipment {shipment_id} was delivered: taking it back is a return, not a deletion")
        if stage == Stage.RETURNED_TO_SENDER:
            raise Refused(f"shipment {shipment_id} was returned to sender: it no longer counts already")
        left = stage in LEFT
        if left and restock is None and not write_off:
            raise InvalidData(Problem(f"shipment {shipment_id} was handed over: say whether the goods are back on "
                                      "a shelf (", Field("restock"), " LOCATION) or gone (", Field("write_off"), ")"))
        if not left and (restock is not None or write_off):
            raise InvalidData(f"shipment {shipment_id} has not left: its units are still on the shelf, promised to "
                              "the order (nothing to restock or write off)")
        restock_id, restock_name = _Places(connection).location(restock) if restock is not None else (None, None)
        status = Status(row.order_status)
        if status not in HOLDS_STOCK and status != Status.CLOSED:
            raise Refused(f"order {row.order_id} is {status}: its shipments can no longer be deleted")
        takes = _takes_of(connection, shipment_id)
        if left:
            from ordercli.services.invoicing import invoiced_beyond

            removed: dict[int, int] = defaultdict(int)
            for take in takes:
                removed[take.line_id] += take.quantity
            from ordercli.services.returns import refuse_unreturned_removal

            refuse_unreturned_removal(connection, row.order_id, removed, f"shipment {shipment_id} cannot be deleted")
            invoices = invoiced_beyond(connection, row.order_id, removed)
            if invoices:
                raise Refused(f"shipment {shipment_id} is invoiced ({', '.join(invoices)}): issue a credit note first "
                              f"(ordercli credit-note {invoices[0]} --line SKU:QTY), then delete the shipment")
        lines = _LinesById(connection)
        shipments.mark_deleted(connection, [shipment_id], stamp.at, stamp.actor, reason or "")
        history.append(connection, stamp, [(row.order_id, "shipment_deleted", None, None,
                                            _snapshot(view, reason, restock_name, write_off))])
        after = status
        if left:
            products = {lines[t.line_id].product_id for t in takes if t.location_id is not None}
            lock_products(connection, products)
            if restock_id is not None:
                _restock(connection, stamp, shipment_id, row.order_id, takes, lines, restock_id)
            else:
                _write_off(connection, stamp, shipment_id, row.order_id, takes, lines)
            after = settle_statuses(connection, [row.order_id], stamp, Trigger.SHIPMENT_DELETED,
                                    f"shipment {shipment_id} deleted")[row.order_id]
            if restock_id is None:
                # after settling: stock is promised only to orders that hold stock, which a closed
                # order whose shipment was written off does again once its status went back
                fill_backorders(connection, products, stamp)
        if dry_run:
            connection.rollback()
        return Deletion(view, not dry_run, status.value, after.value, restock_name, write_off and left)


def _restock(connection, stamp, shipment_id: int, order_id: int, takes, lines, location_id: int) -> None:
    """The goods are back at `location_id`: on hand up, and promised to the order again."""
    movements = []
    counters: dict[tuple[int, int], int] = defaultdict(int)
    for take in takes:
        line = lines[take.line_id]
        if line.product_id is None or take.location_id is None:
            continue
        counters[(line.product_id, location_id)] += take.quantity
        movements += [
            {"kind": "returned", "product": line.product_id, "location": location_id, "on_hand": take.quantity,
             "order_id": order_id, "line_id": line.id, "shipment_id": shipment_id,
             "reason": f"shipment {shipment_id} deleted: back on the shelf"},
            {"kind": "reserved", "product": line.product_id, "location": location_id, "reserved": take.quantity,
             "order_id": order_id, "line_id": line.id, "shipment_id": shipment_id,
             "reason": f"shipment {shipment_id} deleted: promised to the order again"},
        ]
    for product_id, location_id_ in counters:
        stock.ensure_level(connection, product_id, location_id_)
    _change_counters(connection, counters, +1)
    stock.record(connection, stamp, movements)


def _write_off(connection, stamp, shipment_id: int, order_id: int, takes, lines) -> None:
    """The goods are gone: the ledger shows them back from the shipment and written off at
    once (on hand does not change); the order's lines wait for stock again."""
    movements = []
    waiting = set()
    for take in takes:
        line = lines[take.line_id]
        if line.product_id is None:
            continue
        waiting.add(line.id)
        if take.location_id is None:
            continue
        for kind, delta in (("returned", take.quantity), ("adjusted", -take.quantity)):
            movements.append({"kind": kind, "product": line.product_id, "location": take.location_id,
                              "on_hand": delta, "order_id": order_id, "line_id": line.id, "shipment_id": shipment_id,
                              "reason": f"shipment {shipment_id} deleted: "
                                        + ("undone" if kind == "returned" else "written off")})
    stock.record(connection, stamp, movements)
    stock.set_backordered(connection, sorted(waiting), True)


def _snapshot(view: ShipmentView, reason: str | None, restock: str | None, write_off: bool) -> str:
    """What the history keeps of a deleted shipment: all of it, in one sentence."""
    parts = [f"shipment {view.id} deleted" + (f" ({reason})" if reason else "")]
    parts.append(f"{view.method}" + (f" from {view.location}" if view.location else ""))
    if view.carrier or view.tracking:
        parts.append(" ".join(x for x in (view.carrier, view.tracking) if x))
    parts.append("lines " + ", ".join(f"{line.sku} {line.quantity}" for line in view.lines))
    parts.append("stages " + ", ".join(f"{s.stage} {s.at:%Y-%m-%d %H:%M} by {s.by}" for s in view.stages))
    if restock:
        parts.append(f"restocked at {restock}")
    if write_off:
        parts.append("written off")
    return "; ".join(parts)


def return_to_sender(db, shipment_id: int, stamp: Stamp, *, restock: str | None = None,
                     reason: str | None = None) -> ShipmentView:
    """The carrier brought a handed-over shipment back: it no longer counts, the goods are back
    on the shelf (at `restock`, or where they left from) and promised to the order again."""
    reason = clean_text(reason, Field("reason"), max_length=500)
    with db.write() as connection:
        row = _locked_shipment(connection, shipment_id)
        if row.stage != Stage.HANDED_OVER.value or row.method != Method.SHIP.value:
            raise Refused(f"shipment {shipment_id} is {row.method}, {row.stage}: only a shipped, handed-over "
                          "shipment comes back to the sender")
        places = _Places(connection)
        location_id = places.location(restock)[0] if restock is not None else row.location_id
        takes = _takes_of(connection, shipment_id)
        from ordercli.services.returns import refuse_unreturned_removal

        removed: dict[int, int] = defaultdict(int)
        for take in takes:
            removed[take.line_id] += take.quantity
        refuse_unreturned_removal(connection, row.order_id, removed,
                                  f"shipment {shipment_id} cannot come back to the sender")
        lines = _LinesById(connection)
        lock_products(connection, {lines[t.line_id].product_id for t in takes})
        shipments.set_stages(connection, shipment_id, {"stage": Stage.RETURNED_TO_SENDER.value,
                                                       "updated_at": stamp.at, "returned_at": stamp.at,
                                                       "returned_by": stamp.actor})
        history.append(connection, stamp, [(row.order_id, "shipment", None, None,
                                            f"shipment {shipment_id} returned to sender, back at "
                                            f"{places.name(location_id)}" + (f": {reason}" if reason else ""))])
        _restock(connection, stamp, shipment_id, row.order_id, takes, lines, location_id)
        settle_statuses(connection, [row.order_id], stamp, Trigger.SHIPMENT_DELETED,
                        f"shipment {shipment_id} returned to sender")
        return shipment_views(connection, [shipments.get(connection, shipment_id)])[0]


# -- listing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipmentFilter:
    stages: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    location: str | None = None
    carrier: str | None = None
    order: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    handed_over_before: datetime | None = None  # with stage handed_over: "not delivered N days on"
    deleted: bool = False
    limit: int | None = None


def list_shipments(db, where: ShipmentFilter) -> list[ShipmentView]:
    """Shipments matching every filter, newest first (deleted ones only when asked for)."""
    conditions: list[str] = []
    params: dict = {}
    if not where.deleted:
        conditions.append("s.deleted_at IS NULL")
    if where.stages:
        conditions.append("s.stage IN :stages")
        params["stages"] = list(where.stages)
    if where.methods:
        conditions.append("s.method IN :methods")
        params["methods"] = list(where.methods)
    if where.order is not None:
        conditions.append("s.order_id = :order")
        params["order"] = where.order
    if where.since is not None:
        conditions.append("s.created_at >= :since")
        params["since"] = where.since
    if where.until is not None:
        conditions.append("s.created_at < :until")
        params["until"] = where.until
    if where.handed_over_before is not None:
        conditions.append("s.handed_over_at < :handed_before")
        params["handed_before"] = where.handed_over_before
    with db.read() as connection:
        if where.location is not None:
            conditions.append("s.location_id = :location")
            params["location"] = _Places(connection).location(where.location)[0]
        if where.carrier is not None:
            conditions.append("s.carrier_id = :carrier")
            params["carrier"] = _Places(connection).carrier(where.carrier)
        return shipment_views(connection, shipments.list_(connection, conditions, params, where.limit))


# -- carriers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CarrierView:
    name: str
    tracking_url: str | None
    shipments: int = 0


def add_carrier(db, name: str, tracking_url: str | None, stamp: Stamp) -> CarrierView:
    """A carrier; its tracking URL template holds `{tracking}` where the number goes."""
    from ordercli.db.sql import is_unique_violation

    name = clean_text(name, Field("name"), max_length=64)
    if not name:
        raise InvalidData("a carrier needs a name")
    tracking_url = _check_tracking_url(clean_text(tracking_url, Field("tracking_url"), max_length=500))
    try:
        with db.write() as connection:
            if shipments.carrier_by_name(connection, name) is not None:
                raise Refused(f"carrier {name!r} exists already")
            shipments.add_carrier(connection, name, tracking_url, stamp.at)
    except Exception as error:  # two adding the same name at once: the unique constraint says so
        if is_unique_violation(error, "uq_carriers_name"):
            raise Refused(f"carrier {name!r} exists already") from None
        raise
    return CarrierView(name, tracking_url)


def _check_tracking_url(url: str | None) -> str | None:
    """A URL template: http(s), with a host and one `{tracking}` placeholder."""
    if url is None:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.replace("{tracking}", "x"))
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidData(Problem("the tracking URL must be an http(s) URL (", Field("tracking_url"), ")"))
    if url.count("{tracking}") != 1:
        raise InvalidData(Problem("the tracking URL needs {tracking} once, where the number goes (",
                                  Field("tracking_url"), ")"))
    return url


def list_carriers(db) -> list[CarrierView]:
    with db.read() as connection:
        return [CarrierView(r.name, r.tracking_url, r.shipments) for r in shipments.carriers(connection)]


def ship_by_hand(connection, texts: list[str], target: Status, stamp: Stamp, *, reason: str | None,
                 wants: tuple[Want, ...] | None, skip_invalid: bool, dry_run: bool) -> ShipResult:
    """`status --to closed | partially_shipped` by hand: the goods left outside ordercli. Each
    order gets an `external` shipment of what is outstanding (or of `wants`), which consumes
    what it holds; the reason is required. In the caller's transaction."""
    if not reason:
        raise InvalidData(Problem(f"moving orders to {target} by hand records that the goods left outside "
                                  "ordercli: say why (", Field("reason"), ")"))
    if target == Status.PARTIALLY_SHIPPED and not wants:
        raise InvalidData(Problem("say which units left (", Field("lines"), " SKU:QTY)"))
    handling = Handling(Stage.HANDED_OVER, method=Method.EXTERNAL, reason=reason, target=target)
    return ship_in(connection, [ShipEntry(text_, wants) for text_ in texts], stamp, handling,
                   skip_invalid=skip_invalid, dry_run=dry_run)
