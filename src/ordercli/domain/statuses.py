"""Order statuses and the one transition table every status change goes through."""

from __future__ import annotations

from enum import StrEnum

from ordercli.domain.errors import IllegalTransition, Refused


class Status(StrEnum):
    OPEN = "open"
    READY_TO_SHIP = "ready_to_ship"
    PARTIALLY_SHIPPED = "partially_shipped"
    PARTIALLY_CLOSED = "partially_closed"
    CLOSED = "closed"
    CANCELED = "canceled"
    RETURNED = "returned"
    FAILED = "failed"
    ABANDONED = "abandoned"


class Trigger(StrEnum):
    """What may cause a transition: an operator or script (`status`), or an event."""

    BY_HAND = "by hand"
    SHIPMENT = "a shipment"
    SHIPMENT_DELETED = "deleting a shipment"
    RETURN = "a return"


_S, _T = Status, Trigger
_HAND, _SHIPPED, _UNSHIPPED, _RETURN = (frozenset({_T.BY_HAND}), frozenset({_T.SHIPMENT}),
                                        frozenset({_T.SHIPMENT_DELETED}), frozenset({_T.RETURN}))
# Shipments move orders to these; so may an operator or a script by hand, meaning the goods
# left outside ordercli: that records an `external` shipment of what is outstanding.
_SHIPPED_OR_BY_HAND = frozenset({_T.SHIPMENT, _T.BY_HAND})
# A return receiving everything fulfilled makes an order returned; by hand, it records such a
# return (received and restocked at once).
_RETURN_OR_BY_HAND = frozenset({_T.RETURN, _T.BY_HAND})

# from -> {to: what may cause it}. Anything not listed is refused.
TRANSITIONS: dict[Status, dict[Status, frozenset[Trigger]]] = {
    _S.OPEN: {
        _S.READY_TO_SHIP: _HAND,
        _S.CANCELED: _HAND,
        _S.FAILED: _HAND,
        _S.ABANDONED: _HAND,
        _S.PARTIALLY_SHIPPED: _HAND,
        _S.CLOSED: _HAND,
    },
    _S.READY_TO_SHIP: {
        _S.OPEN: _HAND,
        _S.CANCELED: _HAND,
        _S.FAILED: _HAND,
        _S.PARTIALLY_SHIPPED: _SHIPPED_OR_BY_HAND,
        _S.CLOSED: _SHIPPED_OR_BY_HAND,
    },
    _S.PARTIALLY_SHIPPED: {
        _S.PARTIALLY_CLOSED: _HAND,
        _S.CLOSED: _SHIPPED_OR_BY_HAND,
        _S.READY_TO_SHIP: _UNSHIPPED,
    },
    _S.CLOSED: {
        _S.PARTIALLY_SHIPPED: _UNSHIPPED,
        _S.READY_TO_SHIP: _UNSHIPPED,
        _S.RETURNED: _RETURN_OR_BY_HAND,
    },
    _S.PARTIALLY_CLOSED: {
        _S.RETURNED: _RETURN_OR_BY_HAND,
    },
    _S.CANCELED: {},
    _S.RETURNED: {},
    _S.FAILED: {},
    _S.ABANDONED: {},
}

# Moving to these by hand records an external shipment (see above).
SHIPPED_BY_HAND = frozenset({Status.PARTIALLY_SHIPPED, Status.CLOSED})
# Moving to this by hand records a return of everything fulfilled (see above).
RETURNED_BY_HAND = Status.RETURNED

# While in these statuses an order holds the stock promised to it; leaving them releases it.
HOLDS_STOCK = frozenset({Status.OPEN, Status.READY_TO_SHIP, Status.PARTIALLY_SHIPPED})

TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


def check_transition(current: Status, target: Status, trigger: Trigger) -> None:
    """Refuse a change the table does not allow for this trigger. Same status: allowed, no-op."""
    if current == target:
        return
    allowed = TRANSITIONS[current].get(target)
    if allowed is None:
        if current in TERMINAL:
            raise IllegalTransition(f"{current} is final: an order cannot leave it")
        by_hand = [str(s) for s, t in TRANSITIONS[current].items() if Trigger.BY_HAND in t]
        hint = f" (by hand, {current} can go to: {', '.join(by_hand)})" if by_hand else ""
        raise IllegalTransition(f"{current} -> {target} is not allowed{hint}")
    if trigger not in allowed:
        causes = " or ".join(str(t) for t in Trigger if t in allowed)
        raise IllegalTransition(f"{current} -> {target} happens through {causes}, not {trigger}")


def ready_to_ship_blockers(verified: bool, unpromised_lines: int) -> list[str]:
    """Why an order may not (yet) be ready to ship: it must be verified and fully promised."""
    blockers = []
    if not verified:
        blockers.append("it is not verified (ordercli verify)")
    if unpromised_lines:
        blockers.append(f"{unpromised_lines} line(s) wait for stock")
    return blockers


def releases_stock(current: Status, target: Status) -> bool:
    """Whether moving from `current` to `target` gives back what the order holds."""
    return current in HOLDS_STOCK and target not in HOLDS_STOCK


# An order's data can be confirmed (verified) until it starts to leave.
VERIFIABLE = frozenset({Status.OPEN, Status.READY_TO_SHIP})


def check_verifiable(number: int, status: Status) -> None:
    """Refuse to verify an order that is past the point where verifying means anything."""
    if status not in VERIFIABLE:
        raise Refused(f"order {number} is {status}: only open or ready_to_ship orders can be verified")
