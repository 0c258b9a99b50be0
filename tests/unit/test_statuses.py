import itertools

import pytest

from ordercli.domain.errors import IllegalTransition
from ordercli.domain.statuses import (
    HOLDS_STOCK,
    TERMINAL,
    TRANSITIONS,
    SHIPPED_BY_HAND,
    Status,
    Trigger,
    check_transition,
    ready_to_ship_blockers,
    releases_stock,
)

# The table as docs/statuses.md documents it: (from, to) -> what may cause it. Closed and
# partially_shipped by hand mean the goods left outside ordercli (an external shipment).
HAND, SHIPMENT = frozenset({Trigger.BY_HAND}), frozenset({Trigger.SHIPMENT})
SHIPMENT_OR_HAND = frozenset({Trigger.SHIPMENT, Trigger.BY_HAND})
DELETED, RETURN_OR_HAND = frozenset({Trigger.SHIPMENT_DELETED}), frozenset({Trigger.RETURN, Trigger.BY_HAND})
EXPECTED = {
    ("open", "ready_to_ship"): HAND,
    ("open", "canceled"): HAND,
    ("open", "failed"): HAND,
    ("open", "abandoned"): HAND,
    ("open", "partially_shipped"): HAND,
    ("open", "closed"): HAND,
    ("ready_to_ship", "open"): HAND,
    ("ready_to_ship", "canceled"): HAND,
    ("ready_to_ship", "failed"): HAND,
    ("ready_to_ship", "partially_shipped"): SHIPMENT_OR_HAND,
    ("ready_to_ship", "closed"): SHIPMENT_OR_HAND,
    ("partially_shipped", "partially_closed"): HAND,
    ("partially_shipped", "closed"): SHIPMENT_OR_HAND,
    ("partially_shipped", "ready_to_ship"): DELETED,
    ("closed", "partially_shipped"): DELETED,
    ("closed", "ready_to_ship"): DELETED,
    ("closed", "returned"): RETURN_OR_HAND,
    ("partially_closed", "returned"): RETURN_OR_HAND,
}

PAIRS = [(a, b) for a, b in itertools.product(Status, Status) if a != b]


def test_the_table_is_exactly_the_documented_one():
    actual = {(a.value, b.value): t for a, targets in TRANSITIONS.items() for b, t in targets.items()}
    assert actual == EXPECTED
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("current, target", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
@pytest.mark.parametrize("trigger", list(Trigger))
def test_every_transition_is_allowed_only_through_its_trigger(current, target, trigger):
    expected = EXPECTED.get((current.value, target.value), frozenset())
    if trigger in expected:
        check_transition(current, target, trigger)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target, trigger)


@pytest.mark.parametrize("status", list(Status))
def test_moving_to_the_same_status_is_allowed_and_a_no_op(status):
    check_transition(status, status, Trigger.BY_HAND)


def test_refusals_say_why():
    with pytest.raises(IllegalTransition, match="canceled is final"):
        check_transition(Status.CANCELED, Status.OPEN, Trigger.BY_HAND)
    with pytest.raises(IllegalTransition, match="happens through deleting a shipment, not by hand"):
        check_transition(Status.CLOSED, Status.READY_TO_SHIP, Trigger.BY_HAND)
    with pytest.raises(IllegalTransition, match="happens through by hand or a shipment, not a return"):
        check_transition(Status.READY_TO_SHIP, Status.CLOSED, Trigger.RETURN)
    with pytest.raises(IllegalTransition, match="open -> returned is not allowed"):
        check_transition(Status.OPEN, Status.RETURNED, Trigger.BY_HAND)


def test_final_statuses():
    assert TERMINAL == {Status.CANCELED, Status.RETURNED, Status.FAILED, Status.ABANDONED}


@pytest.mark.parametrize("current, target", PAIRS)
def test_stock_is_released_when_an_order_stops_holding_it(current, target):
    assert releases_stock(current, target) == (current in HOLDS_STOCK and target not in HOLDS_STOCK)


def test_releasing_transitions_by_hand_are_cancel_fail_abandon_and_partial_close():
    # closed and partially_shipped by hand take the stock with an external shipment instead
    by_hand = {(a, b) for (a, b), t in EXPECTED.items() if Trigger.BY_HAND in t and releases_stock(Status(a), Status(b))
               and Status(b) not in SHIPPED_BY_HAND}
    assert {b for _, b in by_hand} == {"canceled", "failed", "abandoned", "partially_closed"}


def test_ready_to_ship_needs_verification_and_all_stock():
    assert ready_to_ship_blockers(True, 0) == []
    assert ready_to_ship_blockers(False, 2) == ["it is not verified (ordercli verify)", "2 line(s) wait for stock"]
