"""A sale at the counter: a store order created, verified in person and handed over at once.

One transaction runs the use cases' cores one after the other (create, verify, ready_to_ship,
ship), so the order has one history and is refused whole if any step fails: too little stock
at the store, a line that cannot be handed over, a bad customer detail.
"""

from __future__ import annotations

from dataclasses import replace

from ordercli.domain.errors import Field, InvalidData, Refused
from ordercli.domain.fulfillment import Method
from ordercli.domain.orders import OrderRequest, validate_order
from ordercli.domain.statuses import Status, Trigger
from ordercli.domain.validation import clean_text
from ordercli.services.fulfillment import Handling, ShipEntry, ship_in
from ordercli.services.orders import DEFAULT_CURRENCY, load_order, place_order, record_verification
from ordercli.services.status import move_orders
from ordercli.services.views import OrderView, Stamp

SOLD = "sold at the counter"


def sell_at_counter(db, request: OrderRequest, store: str, stamp: Stamp, *, salesperson: str | None = None,
                    default_currency: str = DEFAULT_CURRENCY) -> OrderView:
    """Create the order (channel store), verify it in person, make it ready and hand every line
    over at `store`, by `salesperson` (the actor by default); returns the closed order."""
    salesperson = clean_text(salesperson, Field("salesperson"), max_length=200) or stamp.actor
    request = replace(request, channel=request.channel or "store", delivery_method=Method.HAND_OVER.value)
    order = validate_order(request, default_currency)
    for line in order.lines:
        if line.delivery_method not in (None, Method.HAND_OVER.value):
            raise InvalidData(f"at the counter every line is handed over; {line.sku} says {line.delivery_method}")
    with db.write() as transaction:
        number = place_order(transaction, order, stamp)
        not_handed = [l.sku for l in load_order(transaction, number).lines if l.delivery_method != Method.HAND_OVER.value]
        if not_handed:
            raise Refused(f"at the counter every line is handed over: {', '.join(not_handed)} cannot be "
                          "(a download or a service)")
        record_verification(transaction, number, salesperson, "in-person", SOLD, stamp)
        moved = move_orders(transaction, [(number, 0)], [], [str(number)], Status.READY_TO_SHIP, stamp, reason=SOLD,
                            skip_invalid=False, dry_run=False, detail=False, trigger=Trigger.BY_HAND)
        if moved.failures:
            raise moved.failures[0].error
        shipped = ship_in(transaction, [ShipEntry(str(number), None, store)], stamp,
                          Handling(salesperson=salesperson, reason=SOLD), skip_invalid=False, dry_run=False)
        if shipped.failures:
            raise shipped.failures[0].error
        return load_order(transaction, number)
