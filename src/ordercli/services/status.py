"""Batch status changes: thousands of orders in one transaction, with set-based SQL.

The order numbers go into a temporary table; one query reads every order's facts; the
domain's transition table judges each; then one INSERT ... SELECT writes the history and one
UPDATE moves the orders. No ORM object is made per order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ordercli.db import dialect
from ordercli.db.queries import documents, history, orders, shipments
from ordercli.db.sql import pipelined, rows
from ordercli.domain.errors import Field, IllegalTransition, InvalidData, NotFound, OrderCliError, Problem, Refused
from ordercli.domain.money import Money
from ordercli.domain.statuses import HOLDS_STOCK, SHIPPED_BY_HAND, Status, Trigger, check_transition, ready_to_ship_blockers, releases_stock
from ordercli.domain.times import parse_duration
from ordercli.domain.validation import clean_text, parse_order_number
from ordercli.services.inventory.promising import fill_backorders, held_by_batch, release_batch
from ordercli.services.views import CustomerView, Stamp


class Outcome(NamedTuple):
    """One entry of a batch: the order (None when the input was not a number), its status
    before, and the error that keeps it from moving (None when it can move or is there)."""

    input: str
    number: int | None
    from_status: str | None
    error: OrderCliError | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class BatchResult:
    target: Status
    applied: bool
    dry_run: bool
    total: int
    unchanged: int
    failures: list[Outcome]
    outcomes: list[Outcome] | None = None  # every entry in input order, when asked for
    released: int = 0  # units of stock given back (or that would be, in a dry run)

    @property
    def movable(self) -> int:
        """Entries that can move (or did): neither failing nor already at the target."""
        return self.total - self.unchanged - len(self.failures)

    @property
    def changed(self) -> int:
        return self.movable if self.applied else 0

    def was_changed(self, outcome: Outcome) -> bool:
        return self.applied and outcome.ok and outcome.from_status != self.target


def _parse(inputs: Iterable[str]) -> tuple[list[tuple[int, int]], list[tuple[int, Outcome]], list[str]]:
    """Order numbers with their input positions, the entries that are not order numbers, and
    the text of each position. The same order twice moves once (the first one counts)."""
    numbers: list[tuple[int, int]] = []
    invalid: list[tuple[int, Outcome]] = []
    texts: list[str] = []
    seen: set[int] = set()
    for raw in inputs:
        entry = raw.strip()
        if not entry:
            continue
        try:
            # the common case, plain digits, without the full check
            number = int(entry) if entry.isdigit() and entry.isascii() and len(entry) < 19 else None
        except ValueError:
            number = None
        if not number:
            try:
                number = parse_order_number(entry)
            except InvalidData as error:
                invalid.append((len(texts), Outcome(entry, None, None, error)))
                texts.append(entry)
                continue
        if number in seen:
            continue
        seen.add(number)
        numbers.append((number, len(texts)))
        texts.append(entry)
    return numbers, invalid, texts


def change_status(
    db,
    inputs: Iterable[str],
    target: Status,
    stamp: Stamp,
    *,
    reason: str | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    detail: bool = False,
    trigger: Trigger = Trigger.BY_HAND,
    wants=None,
    restock: str | None = None,
    refund_shipping: bool = False,
) -> BatchResult:
    """Move every order to `target`, all or nothing (or skipping the invalid ones).

    The checks are set-based: the transition table is asked once per status found in the
    batch, and only the orders that cannot move are fetched one by one. `detail` also returns
    one outcome per entry (for --json). Closed and partially_shipped by hand record the goods
    that left outside ordercli as a shipment (`wants`: which units, for partially_shipped).
    """
    reason = clean_text(reason, Field("reason"), max_length=500)
    numbers, invalid, texts = _parse(inputs)
    if not texts:
        raise InvalidData("no order numbers given")
    if trigger == Trigger.BY_HAND and target in SHIPPED_BY_HAND:
        return _shipped_by_hand(db, texts, target, stamp, reason=reason, wants=wants, skip_invalid=skip_invalid,
                                dry_run=dry_run)
    if wants:
        raise InvalidData(Problem("units (", Field("lines"), ") go with partially_shipped or closed"))
    if trigger == Trigger.BY_HAND and target == Status.RETURNED:
        return _returned_by_hand(db, texts, stamp, reason=reason, restock=restock, refund_shipping=refund_shipping,
                                 skip_invalid=skip_invalid,
                                 dry_run=dry_run)
    if restock is not None or refund_shipping:
        raise InvalidData(Problem("a location to restock at (", Field("restock"), ") and a shipping refund go with "
                                  "returned"))
    with db.write() as transaction:
        result = move_orders(transaction, numbers, invalid, texts, target, stamp, reason=reason,
                             skip_invalid=skip_invalid, dry_run=dry_run, detail=detail, trigger=trigger)
        if not result.applied:
            transaction.rollback()
    return result


def move_orders(connection, numbers, invalid, texts, target: Status, stamp: Stamp, *, reason, skip_invalid,
                dry_run, detail, trigger) -> BatchResult:
    """The batch in the caller's transaction: the orders `numbers` [(number, input position)]
    move to `target` unless dry-run or refused (then the caller rolls back)."""
    columns = {"number": "BIGINT", "pos": "INTEGER"}
    # pipelined: the writes (the batch table, the locks, the changes) go to the server with the next read
    with pipelined(connection), dialect.batch_table(connection, "status_batch", columns, numbers, key="number",
                                                    extra="skip INTEGER NOT NULL DEFAULT 0") as batch:
        orders.lock_batch(connection, batch)
        counts = orders.statuses_in_batch(connection, batch)
        failures = list(invalid)
        failures += _refusals(connection, batch, target, trigger, texts, counts)
        failures.sort(key=lambda item: item[0])
        unchanged = counts.get(target.value, 0)
        outcomes = _every_outcome(connection, batch, texts, failures) if detail else None
        applied = not dry_run and not (failures and not skip_invalid)
        released = 0
        if applied:
            released = _apply(connection, batch, target, stamp, reason,
                              [o.number for _, o in failures if o.number is not None])
        elif dry_run and _releases(target):
            released = held_by_batch(connection, batch)
    return BatchResult(target, applied, dry_run, len(texts), unchanged, [o for _, o in failures], outcomes, released)


@dataclass(frozen=True)
class Expired:
    number: int
    placed_at: datetime
    customer: CustomerView
    total: Money


def expire_orders(db, older_than: str, stamp: Stamp, *, dry_run: bool = False) -> tuple[BatchResult, list[Expired]]:
    """Open orders nobody verified within `older_than` (e.g. 2h) become abandoned; their stock
    is released. For cron: run it as often as you like, it only ever moves what is due."""
    age = parse_duration(older_than)
    cutoff = stamp.at - age
    with db.write() as transaction:
        due = orders.due_to_expire(transaction, cutoff)
        expired = [Expired(r.id, r.placed_at, CustomerView.of_order(r), Money(r.total_minor, r.currency)) for r in due]
        texts = [str(e.number) for e in expired]
        result = move_orders(transaction, [(e.number, i) for i, e in enumerate(expired)], [], texts,
                             Status.ABANDONED, stamp, reason=f"not verified within {older_than.strip()}",
                             skip_invalid=False, dry_run=dry_run, detail=False, trigger=Trigger.BY_HAND)
        if not result.applied:
            transaction.rollback()
    return result, expired


def _refusals(connection, batch: str, target: Status, trigger: Trigger, texts: list[str],
              counts: dict[str | None, int]) -> list[tuple[int, Outcome]]:
    """Orders that do not exist or may not move, with their input positions (`counts`: how many
    orders of the batch are in each status, None for numbers that are no order)."""
    found = []
    if counts.get(None):
        for pos, number in orders.missing_from_batch(connection, batch):
            found.append((pos, Outcome(texts[pos], number, None, NotFound("no such order"))))
    refused: dict[str, IllegalTransition] = {}
    for status in (s for s in counts if s is not None):
        try:
            check_transition(Status(status), target, trigger)
        except IllegalTransition as refusal:
            refused[status] = refusal
    if refused:
        for row in orders.batch_in_statuses(connection, batch, list(refused)):
            found.append((row.pos, Outcome(texts[row.pos], row.number, row.status, refused[row.status])))
    if target in (Status.CANCELED, Status.FAILED):  # nothing sold: what was invoiced is credited first
        for row in documents.invoiced_in_batch(connection, batch, list(refused)):
            error = Refused(f"it is invoiced ({row.numbers}) and not credited: issue a credit note first "
                            f"(ordercli credit-note {row.numbers.split(', ')[0]})")
            found.append((row.pos, Outcome(texts[row.pos], row.number, row.status, error)))
    if target == Status.READY_TO_SHIP:
        for row in orders.batch_not_ready(connection, batch, target.value, list(refused)):
            blockers = ready_to_ship_blockers(row.verified, row.unpromised)
            error = IllegalTransition("not ready to ship: " + "; ".join(blockers))
            found.append((row.pos, Outcome(texts[row.pos], row.number, row.status, error)))
    return found


def _every_outcome(connection, batch: str, texts: list[str], failures: list[tuple[int, Outcome]]) -> list[Outcome]:
    by_pos = dict(failures)
    for pos, number, status in orders.batch_statuses(connection, batch):
        by_pos.setdefault(pos, Outcome(texts[pos], number, status, None))
    return [by_pos[pos] for pos in sorted(by_pos)]


def _releases(target: Status) -> bool:
    """Whether orders of the batch that hold stock give it back by moving to `target`."""
    return any(releases_stock(held, target) for held in HOLDS_STOCK)


def _apply(connection, batch: str, target: Status, stamp: Stamp, reason: str | None, skip: list[int]) -> int:
    orders.skip_in_batch(connection, batch, skip)
    history.append_status_changes(connection, stamp, batch, target.value, reason)
    products: set[int] = set()
    units = 0
    if _releases(target):
        why = f"order {target.value}" + (f": {reason}" if reason else "")
        _drop_pending_shipments(connection, batch, stamp, why)
        _cancel_appointments(connection, batch, stamp, why)
        products, units = release_batch(connection, batch, stamp, why)
    orders.move_batch(connection, batch, target.value, stamp.at)
    fill_backorders(connection, products, stamp)
    return units


def _drop_pending_shipments(connection, batch: str, stamp: Stamp, why: str) -> None:
    """Shipments not yet handed over of orders giving up their stock are deleted with them."""
    pending = shipments.pending_of_batch(connection, batch)
    if pending:
        shipments.mark_deleted(connection, pending, stamp.at, stamp.actor, why)
        owners = rows(connection, "SELECT id, order_id FROM shipments WHERE id IN :ids", {"ids": pending})
        history.append(connection, stamp, [(r.order_id, "shipment_deleted", None, None,
                                            f"shipment {r.id} deleted: {why}") for r in owners])


def _cancel_appointments(connection, batch: str, stamp: Stamp, why: str) -> None:
    """Booked appointments of the batch's orders (not skipped) are canceled with them."""
    from ordercli.services.appointments import cancel_booked

    found = rows(connection, f"SELECT DISTINCT a.order_id FROM {batch} b CROSS JOIN appointments a "
                             "WHERE a.order_id = b.number AND b.skip = 0 AND a.stage = 'booked' ORDER BY a.order_id")
    cancel_booked(connection, [r.order_id for r in found], stamp, why)


def _shipped_by_hand(db, texts: list[str], target: Status, stamp: Stamp, *, reason, wants, skip_invalid,
                     dry_run) -> BatchResult:
    """Closed or partially_shipped by hand: an external shipment per order (services.fulfillment),
    told as a batch of status changes."""
    from ordercli.services.fulfillment import ship_by_hand

    with db.write() as transaction:
        result = ship_by_hand(transaction, texts, target, stamp, reason=reason, wants=wants,
                              skip_invalid=skip_invalid, dry_run=dry_run)
        if not result.applied:
            transaction.rollback()
    outcomes = [Outcome(o.input, o.number, o.from_status.value if o.from_status else None, o.error)
                for o in result.outcomes]
    unchanged = sum(1 for o in result.outcomes if o.ok and o.from_status == target)
    return BatchResult(target, result.applied, dry_run, len(outcomes), unchanged, [o for o in outcomes if not o.ok],
                       outcomes)


def _returned_by_hand(db, texts: list[str], stamp: Stamp, *, reason, restock, refund_shipping, skip_invalid,
                      dry_run) -> BatchResult:
    """Returned by hand: a return of everything fulfilled per order (services.returns), received
    and restocked at once, told as a batch of status changes."""
    from ordercli.services.returns import return_by_hand

    with db.write() as transaction:
        result = return_by_hand(transaction, texts, stamp, reason=reason, restock=restock,
                                refund_shipping=refund_shipping, skip_invalid=skip_invalid, dry_run=dry_run)
        if not result.applied:
            transaction.rollback()
    outcomes = [Outcome(o.input, o.number, o.from_status, o.error) for o in result.outcomes]
    unchanged = sum(1 for o in result.outcomes if o.ok and o.from_status == Status.RETURNED.value)
    return BatchResult(Status.RETURNED, result.applied, dry_run, len(outcomes), unchanged,
                       [o for o in outcomes if not o.ok], outcomes)
