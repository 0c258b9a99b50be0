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

from ordercli.db.sql import as_utc, dialect_of, driver, execute, rows, scalar, tuples
from ordercli.domain.errors import IllegalTransition, InvalidData, NotFound, OrderCliError
from ordercli.domain.money import Money
from ordercli.domain.statuses import HOLDS_STOCK, Status, Trigger, check_transition, ready_to_ship_blockers, releases_stock
from ordercli.domain.times import parse_duration
from ordercli.domain.validation import clean_text, parse_order_number
from ordercli.services.stock import fill_backorders, held_by_batch, release_batch
from ordercli.services.views import Stamp


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
) -> BatchResult:
    """Move every order to `target`, all or nothing (or skipping the invalid ones).

    The checks are set-based: the transition table is asked once per status found in the
    batch, and only the orders that cannot move are fetched one by one. `detail` also returns
    one outcome per entry (for --json).
    """
    reason = clean_text(reason, "--reason", max_length=500)
    numbers, invalid, texts = _parse(inputs)
    if not texts:
        raise InvalidData("no order numbers given")
    try:
        with db.write() as connection:
            result = _change(connection, numbers, invalid, texts, target, stamp, reason=reason,
                             skip_invalid=skip_invalid, dry_run=dry_run, detail=detail, trigger=trigger)
            if not result.applied:
                raise _Rollback(result)
    except _Rollback as rolled_back:
        return rolled_back.result
    return result


class _Rollback(Exception):
    """Leaves the transaction without committing, carrying the result out."""

    def __init__(self, result=None):
        self.result = result


def _change(connection, numbers, invalid, texts, target: Status, stamp: Stamp, *, reason, skip_invalid, dry_run,
            detail, trigger) -> BatchResult:
    """The batch inside the caller's transaction; applied unless dry-run or refused."""
    _fill_batch(connection, numbers)
    failures = list(invalid)
    failures += _refusals(connection, target, trigger, texts)
    failures.sort(key=lambda item: item[0])
    unchanged = scalar(connection, "SELECT count(*) FROM status_batch b JOIN orders o ON o.id = b.number "
                                   "WHERE o.status = :to", {"to": target.value})
    outcomes = _every_outcome(connection, texts, failures) if detail else None
    applied = not dry_run and not (failures and not skip_invalid)
    released = 0
    if applied:
        released = _apply(connection, target, stamp, reason, [o.number for _, o in failures if o.number is not None])
    elif dry_run and _releases(target):
        released = held_by_batch(connection)
    return BatchResult(target, applied, dry_run, len(texts), unchanged, [o for _, o in failures], outcomes, released)


@dataclass(frozen=True)
class Expired:
    number: int
    placed_at: datetime
    customer: str
    total: Money


def expire_orders(db, older_than: str, stamp: Stamp, *, dry_run: bool = False) -> tuple[BatchResult, list[Expired]]:
    """Open orders nobody verified within `older_than` (e.g. 2h) become abandoned; their stock
    is released. For cron: run it as often as you like, it only ever moves what is due."""
    age = parse_duration(older_than)
    cutoff = stamp.at - age
    try:
        with db.write() as connection:
            # Locked while read (PostgreSQL re-checks the condition on locked rows), so an order
            # verified a moment ago is not abandoned.
            lock = "" if dialect_of(connection) == "sqlite" else " FOR NO KEY UPDATE OF o"
            due = rows(connection, "SELECT o.id, o.placed_at, o.customer_name, o.total_minor, o.currency "
                                   "FROM orders o WHERE o.status = 'open' "
                                   f"AND o.verified_at IS NULL AND o.placed_at < :cutoff ORDER BY o.id{lock}",
                       {"cutoff": cutoff})
            expired = [Expired(r.id, as_utc(r.placed_at), r.customer_name, Money(r.total_minor, r.currency)) for r in due]
            texts = [str(e.number) for e in expired]
            result = _change(connection, [(e.number, i) for i, e in enumerate(expired)], [], texts, Status.ABANDONED,
                             stamp, reason=f"not verified within {older_than.strip()}", skip_invalid=False,
                             dry_run=dry_run, detail=False, trigger=Trigger.BY_HAND)
            if not result.applied:
                raise _Rollback(result)
    except _Rollback as rolled_back:
        return rolled_back.result, expired
    return result, expired


def _refusals(connection, target: Status, trigger: Trigger, texts: list[str]) -> list[tuple[int, Outcome]]:
    """Orders that do not exist or may not move, with their input positions."""
    found = []
    for pos, number in tuples(connection, "SELECT b.pos, b.number FROM status_batch b "
                                          "LEFT JOIN orders o ON o.id = b.number WHERE o.id IS NULL"):
        found.append((pos, Outcome(texts[pos], number, None, NotFound("no such order"))))
    refused: dict[str, IllegalTransition] = {}
    for row in rows(connection, "SELECT DISTINCT o.status FROM status_batch b JOIN orders o ON o.id = b.number"):
        try:
            check_transition(Status(row.status), target, trigger)
        except IllegalTransition as refusal:
            refused[row.status] = refusal
    if refused:
        for row in rows(connection, "SELECT b.pos, b.number, o.status FROM status_batch b JOIN orders o "
                                    "ON o.id = b.number WHERE o.status IN :refused", {"refused": list(refused)}):
            found.append((row.pos, Outcome(texts[row.pos], row.number, row.status, refused[row.status])))
    if target == Status.READY_TO_SHIP:
        not_refused = "AND o.status NOT IN :refused" if refused else ""
        for row in rows(connection, _NOT_READY_SQL.format(not_refused=not_refused),
                        {"to": target.value, "refused": list(refused)}):
            blockers = ready_to_ship_blockers(bool(row.verified), row.unpromised)
            error = IllegalTransition("not ready to ship: " + "; ".join(blockers))
            found.append((row.pos, Outcome(texts[row.pos], row.number, row.status, error)))
    return found


# Orders that may move to ready_to_ship by the table but fail its guard (see the domain).
_NOT_READY_SQL = """
SELECT b.pos, b.number, o.status, o.verified_at IS NOT NULL AS verified,
       (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id AND l.backordered) AS unpromised
FROM status_batch b JOIN orders o ON o.id = b.number
WHERE o.status <> :to {not_refused}
  AND (o.verified_at IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.backordered))
"""


def _every_outcome(connection, texts: list[str], failures: list[tuple[int, Outcome]]) -> list[Outcome]:
    by_pos = dict(failures)
    for pos, number, status in tuples(connection, "SELECT b.pos, b.number, o.status FROM status_batch b "
                                                  "JOIN orders o ON o.id = b.number"):
        by_pos.setdefault(pos, Outcome(texts[pos], number, status, None))
    return [by_pos[pos] for pos in sorted(by_pos)]


def _fill_batch(connection, entries: list[tuple[int, int]]) -> None:
    if dialect_of(connection) == "sqlite":
        execute(connection, "CREATE TEMP TABLE status_batch (number INTEGER PRIMARY KEY, pos INTEGER NOT NULL, "
                            "skip INTEGER NOT NULL DEFAULT 0)")
        driver(connection).executemany("INSERT INTO status_batch (number, pos) VALUES (?, ?)", entries)
        return
    execute(connection, "CREATE TEMP TABLE status_batch (number BIGINT PRIMARY KEY, pos INTEGER NOT NULL, "
                        "skip INTEGER NOT NULL DEFAULT 0) ON COMMIT DROP")
    execute(
        connection,
        "INSERT INTO status_batch (number, pos) "
        "SELECT * FROM unnest(CAST(:numbers AS BIGINT[]), CAST(:positions AS INTEGER[]))",
        {"numbers": [e[0] for e in entries], "positions": [e[1] for e in entries]},
    )
    # Lock the orders in a fixed order (by id) so two batches cannot deadlock. NO KEY UPDATE:
    # rows that reference an order (history, ledger) can still be inserted meanwhile.
    tuples(connection, "SELECT o.id FROM orders o JOIN status_batch b ON b.number = o.id "
                       "ORDER BY o.id FOR NO KEY UPDATE OF o")


def _releases(target: Status) -> bool:
    """Whether orders of the batch that hold stock give it back by moving to `target`."""
    return any(releases_stock(held, target) for held in HOLDS_STOCK)


def _apply(connection, target: Status, stamp: Stamp, reason: str | None, skip: list[int]) -> int:
    execute(connection, "UPDATE status_batch SET skip = 1 WHERE number = :n", [{"n": n} for n in skip])
    params = {"to": target.value, "at": stamp.at, "actor": stamp.actor, "command": stamp.command, "reason": reason}
    execute(
        connection,
        "INSERT INTO order_history (order_id, at, actor, command, event, from_status, to_status, reason) "
        "SELECT o.id, :at, :actor, :command, 'status', o.status, CAST(:to AS VARCHAR), CAST(:reason AS VARCHAR) "
        "FROM status_batch b JOIN orders o ON o.id = b.number "
        "WHERE b.skip = 0 AND o.status <> CAST(:to AS VARCHAR) ORDER BY b.pos",
        params,
    )
    products: set[int] = set()
    units = 0
    if _releases(target):
        why = f"order {target.value}" + (f": {reason}" if reason else "")
        products, units = release_batch(connection, stamp, why)
    execute(
        connection,
        "UPDATE orders SET status = :to, updated_at = :at "
        "WHERE id IN (SELECT number FROM status_batch WHERE skip = 0) AND status <> :to",
        {"to": target.value, "at": stamp.at},
    )
    fill_backorders(connection, products, stamp)
    if dialect_of(connection) == "sqlite":
        execute(connection, "DROP TABLE status_batch")
    return units
