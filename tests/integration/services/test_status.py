"""Status changes through the services on a real database (SQLite and PostgreSQL), without the
CLI: every (from, to) pair of the transition table, batches, dry runs, and expiry."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from ordercli.domain.errors import IllegalTransition, InvalidData, NotFound
from ordercli.domain.money import Money
from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest
from ordercli.domain.fulfillment import Want
from ordercli.domain.statuses import SHIPPED_BY_HAND, Status, Trigger
from ordercli.services.orders import create_order, get_order, order_history, verify_order
from ordercli.services.status import change_status, expire_orders
from ordercli.services.views import CustomerView, HistoryEntry, Stamp
from tests.conftest import migrated_location
from tests.helpers import force_status, query
from tests.unit.test_statuses import EXPECTED  # the table as docs/statuses.md documents it

AT = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
MOVE = Stamp("anna", "status", AT + timedelta(hours=2))
FINAL = {"canceled", "returned", "failed", "abandoned"}
PAIRS = [(a.value, b.value) for a, b in itertools.product(Status, Status) if a != b]


def an_order(quantity: int = 1) -> OrderRequest:
    return OrderRequest(
        name="Maria Anders", email="maria@example.com",
        billing=AddressRequest(line1="Obere Str. 57", city="Berlin", postal_code="12209", country="DE"),
        channel="web", lines=[LineRequest("SETUP", quantity, unit_price="40.00", description="Installation")])


def place(database, at: datetime = AT, quantity: int = 1) -> int:
    return create_order(database, an_order(quantity), Stamp("anna", "create", at)).order.number


def place_verified(database, quantity: int = 1) -> int:
    number = place(database, quantity=quantity)
    verify_order(database, number, "anna", "phone", None, Stamp("anna", "verify", AT + timedelta(hours=1)))
    return number


def refusal(current: str, target: str) -> str:
    """What refusing current -> target by hand says, written from the documented table."""
    if current in FINAL:
        return f"{current} is final: an order cannot leave it"
    triggers = EXPECTED.get((current, target))
    if triggers is not None:
        return f"{current} -> {target} happens through {' or '.join(str(t) for t in Trigger if t in triggers)}, not by hand"
    by_hand = [to for (start, to), how in EXPECTED.items() if start == current and Trigger.BY_HAND in how]
    hint = f" (by hand, {current} can go to: {', '.join(by_hand)})" if by_hand else ""
    return f"{current} -> {target} is not allowed{hint}"


def shipments_of(database, number: int):
    from ordercli.services.fulfillment import shipments_of_order

    with database.read() as connection:
        return shipments_of_order(connection, number)


def snapshot(database) -> dict[str, list[tuple]]:
    return {table: [tuple(row) for row in query(database, f"SELECT * FROM {table} ORDER BY id")]
            for table in ("orders", "order_history")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix_database(request, tmp_path_factory):
    """One database per backend for the 72 pairs (a migrated database per pair would cost more
    than the pair): each pair places its own order, and checks every other row is untouched."""
    from ordercli.db.engine import Database
    from tests.conftest import POSTGRES_URL

    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL")
    with migrated_location(request.param, tmp_path_factory.mktemp("matrix"), request) as target:
        database = Database(target)
        yield database
        database.dispose()


@pytest.mark.parametrize("current, target", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_by_hand_is_allowed_or_refused_as_the_table_says(matrix_database, current, target):
    database = matrix_database
    number = place_verified(database, quantity=2)
    force_status(database, number, current)
    before = snapshot(database)
    # closed and partially_shipped by hand: the goods (all, or the units named) left outside ordercli
    shipped_by_hand = Status(target) in SHIPPED_BY_HAND
    wants = (Want("SETUP", 1),) if target == "partially_shipped" else None
    result = change_status(database, [str(number)], Status(target), MOVE, reason="test", wants=wants)
    after = snapshot(database)
    if Trigger.BY_HAND in EXPECTED.get((current, target), ()):
        assert (result.applied, result.failures, result.changed) == (True, [], 1)
        assert get_order(database, number).status == target
        assert order_history(database, number)[-1] == HistoryEntry(MOVE.at, "anna", "status", "status", current,
                                                                   target, "test")
        assert len(after["order_history"]) == len(before["order_history"]) + 1 + shipped_by_hand
        if shipped_by_hand:
            [shipment] = shipments_of(database, number)
            assert (shipment.method, shipment.stage, [(l.sku, l.quantity) for l in shipment.lines]) == (
                "external", "handed_over", [("SETUP", 2 if target == "closed" else 1)])
        assert [row for row in after["orders"] if row[0] != number] == \
            [row for row in before["orders"] if row[0] != number]
    else:
        assert (result.applied, result.changed) == (False, 0)
        [failure] = result.failures
        assert (failure.input, failure.number, failure.from_status) == (str(number), number, current)
        assert isinstance(failure.error, IllegalTransition)
        assert str(failure.error) == refusal(current, target)
        assert after == before  # nothing changed: not the order, not its history, nothing else


# -- batches --------------------------------------------------------------------------------


def statuses(database) -> list[str]:
    return [row.status for row in query(database, "SELECT status FROM orders ORDER BY id")]


def status_history(database) -> list[tuple]:
    return [tuple(row) for row in query(database, "SELECT order_id, from_status, to_status, reason, actor "
                                                  "FROM order_history WHERE event = 'status' ORDER BY id")]


@pytest.fixture
def five_orders(database):
    """Orders 1-5, open; all verified but order 3."""
    for _ in range(5):
        place(database)
    for number in (1, 2, 4, 5):
        verify_order(database, number, "anna", "phone", None, Stamp("anna", "verify", AT))
    return database


def failures(result) -> list[tuple]:
    return [(f.input, f.number, f.from_status, type(f.error), str(f.error)) for f in result.failures]


def test_a_batch_is_all_or_nothing_and_names_every_failure(five_orders):
    database = five_orders
    force_status(database, 2, "canceled")
    force_status(database, 4, "failed")
    result = change_status(database, ["1", "2", "3", "4", "5", "99"], Status.READY_TO_SHIP, MOVE)
    assert (result.applied, result.total, result.changed) == (False, 6, 0)
    assert failures(result) == [
        ("2", 2, "canceled", IllegalTransition, "canceled is final: an order cannot leave it"),
        ("3", 3, "open", IllegalTransition, "not ready to ship: it is not verified (ordercli verify)"),
        ("4", 4, "failed", IllegalTransition, "failed is final: an order cannot leave it"),
        ("99", 99, None, NotFound, "no such order"),
    ]
    assert statuses(database) == ["open", "canceled", "open", "failed", "open"]
    assert status_history(database) == []


def test_skipping_invalid_entries_moves_the_others_in_one_go(five_orders):
    database = five_orders
    force_status(database, 2, "failed")
    result = change_status(database, ["1", "2", "x", "5", "#5", "0"], Status.CANCELED, MOVE,
                           reason="customer called", skip_invalid=True, detail=True)
    assert (result.applied, result.total, result.changed) == (True, 5, 2)  # "#5" is order 5 again: moved once
    assert failures(result) == [
        ("2", 2, "failed", IllegalTransition, "failed is final: an order cannot leave it"),
        ("x", None, None, InvalidData, "'x' is not an order number"),
        ("0", None, None, InvalidData, "'0' is not an order number"),
    ]
    assert [(o.input, o.number, o.from_status, o.ok) for o in result.outcomes] == [
        ("1", 1, "open", True), ("2", 2, "failed", False), ("x", None, None, False), ("5", 5, "open", True),
        ("0", None, None, False)]
    assert statuses(database) == ["canceled", "failed", "open", "open", "canceled"]
    assert status_history(database) == [(1, "open", "canceled", "customer called", "anna"),
                                        (5, "open", "canceled", "customer called", "anna")]


def test_a_dry_run_checks_every_order_and_changes_nothing(five_orders):
    database = five_orders
    before = snapshot(database)
    result = change_status(database, ["1", "2", "3"], Status.CANCELED, MOVE, dry_run=True)
    assert (result.applied, result.dry_run, result.failures, result.movable, result.changed) == (False, True, [], 3, 0)
    assert snapshot(database) == before


def test_the_same_status_again_succeeds_and_writes_nothing(five_orders):
    database = five_orders
    assert change_status(database, ["1"], Status.READY_TO_SHIP, MOVE).changed == 1
    before = snapshot(database)
    again = change_status(database, ["1"], Status.READY_TO_SHIP, MOVE)
    assert (again.applied, again.failures, again.unchanged, again.changed) == (True, [], 1, 0)
    assert snapshot(database) == before


def test_a_batch_without_order_numbers_or_with_a_bad_reason_is_refused(five_orders):
    database = five_orders
    with pytest.raises(InvalidData, match="^no order numbers given$"):
        change_status(database, ["", "  "], Status.CANCELED, MOVE)
    with pytest.raises(InvalidData, match=r"\breason is longer than 500 characters$"):
        change_status(database, ["1"], Status.CANCELED, MOVE, reason="x" * 501)
    assert statuses(database) == ["open"] * 5


# -- expiry ---------------------------------------------------------------------------------


def test_expiry_abandons_open_unverified_orders_older_than_the_age_given(database):
    now = AT + timedelta(hours=5)
    old, fresh, verified, canceled = (place(database, AT), place(database, now - timedelta(hours=1)),
                                      place(database, AT), place(database, AT))
    verify_order(database, verified, "anna", "phone", None, Stamp("anna", "verify", AT))
    force_status(database, canceled, "canceled")
    cron = Stamp("cron", "expire", now)

    dry, would_expire = expire_orders(database, "2h", cron, dry_run=True)
    assert (dry.applied, dry.movable) == (False, 1)
    assert statuses(database) == ["open", "open", "open", "canceled"]

    result, expired = expire_orders(database, "2h", cron)
    assert expired == would_expire
    assert [(e.number, e.placed_at, e.customer, e.total) for e in expired] == [
        (old, AT, CustomerView(1, "Maria Anders", "maria@example.com", None), Money(4000, "EUR"))]
    assert (result.applied, result.changed) == (True, 1)
    assert statuses(database) == ["abandoned", "open", "open", "canceled"]
    assert order_history(database, old)[-1] == HistoryEntry(now, "cron", "expire", "status", "open", "abandoned",
                                                            "not verified within 2h")
    assert [fresh, verified] == [2, 3]

    again, none = expire_orders(database, "2h", cron)  # for cron: running it again moves nothing
    assert (again.changed, none) == (0, [])


def test_expiry_refuses_an_age_that_is_not_a_duration(database):
    place(database)
    with pytest.raises(InvalidData, match=r"^'soon' is not a duration \(examples: 30m, 2h, 3d, 1w\)$"):
        expire_orders(database, "soon", Stamp("cron", "expire", AT + timedelta(days=1)))
    assert statuses(database) == ["open"]
