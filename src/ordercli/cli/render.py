"""How orders and stock look to people: the order, its lines and history, the list, stock at
each location (the tables may change; the JSON in `shapes.py` may not).

Each table declares which columns are key (never cut) and which are free text (cut with an
ellipsis), and `drop`: the order in which columns are left out on a narrow terminal.
"""

from __future__ import annotations

from ordercli.cli.output import Table, key, money_text, number, print_facts, text, time_text
from ordercli.domain.money import percent_text
from ordercli.services.views import AddressView, OrderView


def address_text(address: AddressView) -> str:
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    parts = [address.name, address.line1, address.line2, place, address.region, address.country]
    return ", ".join(p for p in parts if p)


def print_order(order: OrderView) -> None:
    ref = f", ref {order.channel_ref}" if order.channel_ref else ""
    facts = [
        ("Order", f"{order.number}  {order.status}  ({order.channel}{ref})"),
        ("Placed", f"{time_text(order.placed_at)} UTC, last change {time_text(order.updated_at)} UTC"),
        ("Customer", " ".join(p for p in (order.customer.name,
                                          f"<{order.customer.email}>" if order.customer.email else None,
                                          order.customer.phone) if p)),
        ("Bill to", address_text(order.billing)),
        ("Ship to", "same as billing" if order.shipping == order.billing else address_text(order.shipping)),
    ]
    verification = order.verification
    facts.append(("Verified", "no" if verification is None else
                  f"{time_text(verification.at)} UTC by {verification.by} ({verification.method})"
                  + (f": {verification.note}" if verification.note else "")))
    if order.promo_code:
        facts.append(("Promo", order.promo_code))
    if order.note:
        facts.append(("Note", order.note))
    print_facts(facts)
    print()
    LINES(order.lines)
    totals = [("Subtotal", order.subtotal)]
    if order.discount.minor:
        totals.append(("Discount", order.discount))
    totals += [("Tax", order.tax), ("Total", order.total)]
    for label, amount in totals:
        print(f"{label:>10}  {money_text(amount)}")
    if order.history:
        print()
        HISTORY(order.history, title="History")


def stock_text(line) -> str:
    """Where a line's units are promised, and how many still wait: "8 main, 2 berlin; 3 waiting"."""
    parts = ", ".join(f"{p.quantity} {p.location}" for p in line.promised)
    if line.waiting:
        parts = (parts + "; " if parts else "") + f"{line.waiting} waiting"
    return parts


LINES = Table(
    (number("#"), key("SKU"), text("Description", 12), number("Qty"), number("Unit price"), number("Discount"),
     number("Net"), number("Tax %"), number("Tax"), number("Total"), key("Delivery"), text("Stock")),
    lambda lines: [
        (line.line_no, line.sku, line.description, line.quantity, money_text(line.unit_price),
         money_text(line.discount + line.order_discount) if (line.discount.minor or line.order_discount.minor) else "",
         money_text(line.net), percent_text(line.tax_rate_bp), money_text(line.tax), money_text(line.total),
         line.delivery_method, stock_text(line))
        for line in lines
    ],
    drop=("Net", "Tax %", "Tax", "Discount", "Delivery", "Stock", "Unit price", "#"),
)

HISTORY = Table(
    (key("At (UTC)"), text("Actor"), key("Command"), key("Event"), key("From"), key("To"), text("Reason")),
    lambda entries: [(time_text(e.at), e.actor, e.command, e.event, e.from_status, e.to_status, e.reason)
                     for e in entries],
    drop=("Command", "From", "Actor", "Event"),
)

SUMMARIES = Table(
    (number("Number"), key("Placed (UTC)"), key("Status"), key("Channel"), text("Ref"), text("Customer", 16),
     number("Lines"), number("Total"), key("Verified")),
    lambda rows: [(r.number, time_text(r.placed_at), r.status, r.channel, r.channel_ref, r.customer.name, r.lines,
                   money_text(r.total), "yes" if r.verified else "no") for r in rows],
    drop=("Ref", "Lines", "Channel", "Verified", "Placed (UTC)", "Total"),
    empty="no orders match",
)


def levels_rows(stock):
    """Stock at each location, and the total when there is more or less than one location."""
    rows = [(l.location, l.on_hand, l.reserved, l.available) for l in stock.levels]
    if len(stock.levels) != 1:
        rows.append(("total", sum(l.on_hand for l in stock.levels), sum(l.reserved for l in stock.levels),
                     sum(l.available for l in stock.levels)))
    return rows


# A product's stock at each location (`product show`, `available`).
LEVELS = Table((key("Location"), number("On hand"), number("Reserved"), number("Available")), levels_rows,
               drop=("Reserved", "On hand"))
