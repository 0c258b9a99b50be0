"""How orders and stock look to people: the order, its lines and history, the list, stock at
each location (the tables may change; the JSON in `shapes.py` may not).

Each table declares which columns are key (never cut) and which are free text (cut with an
ellipsis), and `drop`: the order in which columns are left out on a narrow terminal.
"""

from __future__ import annotations

from ordercli.cli.output import Table, key, money_text, number, print_facts, text, time_text
from ordercli.domain.money import percent_text
from ordercli.services.views import AddressView, OrderPreview, OrderView


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
    print_totals(order)
    if order.shipments:
        print()
        ORDER_SHIPMENTS(order.shipments, title="Shipments")
    if order.returns:
        print()
        ORDER_RETURNS([(order.number, r) for r in order.returns], title="Returns")
    if order.appointments:
        from ordercli.cli.appointments import display_zone

        zone = display_zone()
        print()
        ORDER_APPOINTMENTS([(a, zone) for a in order.appointments], title=f"Appointments ({_zone_text(zone)})")
    if order.history:
        print()
        HISTORY(order.history, title="History")


def print_preview(preview: OrderPreview, stream) -> None:
    """An order not yet placed, as `show` would show it (without what only placing gives: a
    number, a status, stock, history), on `stream`: what a terminal asks "create?" about."""
    order = preview.order
    ref = f", ref {order.channel_ref}" if order.channel_ref else ""
    facts = [
        ("Customer", " ".join(p for p in (order.name, f"<{order.email}>" if order.email else None, order.phone) if p)),
        ("Bill to", address_text(order.billing)),
        ("Ship to", "same as billing" if order.shipping == order.billing else address_text(order.shipping)),
        ("Channel", f"{order.channel}{ref}"),
    ]
    if order.promo_code:
        facts.append(("Promo", order.promo_code))
    if order.note:
        facts.append(("Note", order.note))
    print_facts(facts, stream)
    print(file=stream)
    PREVIEW_LINES(preview.lines, stream=stream)
    print_totals(preview, stream)


def print_totals(order, stream=None) -> None:
    """Subtotal, the discount if any, tax and total, right-aligned under each other."""
    totals = [("Subtotal", order.subtotal)]
    if order.discount.minor:
        totals.append(("Discount", order.discount))
    if order.shipping_charge is not None and order.shipping_charge.minor:
        totals.append(("Shipping", order.shipping_charge))
    totals += [("Tax", order.tax), ("Total", order.total)]
    for label, amount in totals:
        print(f"{label:>10}  {money_text(amount)}", file=stream)


def stock_text(line) -> str:
    """Where a line's units are promised, and how many still wait: "8 main, 2 berlin; 3 waiting"."""
    parts = ", ".join(f"{p.quantity} {p.location}" for p in line.promised)
    if line.waiting:
        parts = (parts + "; " if parts else "") + f"{line.waiting} waiting"
    if getattr(line, "returned", 0):
        parts = (parts + "; " if parts else "") + f"{line.returned} returned"
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

# An order's lines before it is placed: no stock is promised yet.
PREVIEW_LINES = Table(LINES.columns[:-1], lambda lines: [row[:-1] for row in LINES.rows(lines)],
                      drop=tuple(title for title in LINES.drop if title != "Stock"))

HISTORY = Table(
    (key("At (UTC)"), text("Actor"), key("Command"), key("Event"), key("From"), key("To"), text("Reason")),
    lambda entries: [(time_text(e.at), e.actor, e.command, e.event, e.from_status, e.to_status, e.reason)
                     for e in entries],
    drop=("Command", "From", "Actor", "Event"),
)

SUMMARIES = Table(
    (number("Number"), key("Placed (UTC)"), key("Status"), key("Channel"), text("Ref"), text("Customer", 16),
     number("Lines"), number("Total"), key("Verified")),
    lambda rows: [(r.number, time_text(r.placed_at), r.status + (f" ({r.returns} return{'s' if r.returns > 1 else ''})"
                                                                 if r.returns else ""),
                   r.channel, r.channel_ref, r.customer.name, r.lines,
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


# -- shipments ------------------------------------------------------------------------------------


def print_shipment(view) -> None:
    from ordercli.cli.shapes import weight_text

    title = f"{view.id}  {view.stage}  (order {view.order}, {view.method}"
    title += f" from {view.location}" if view.location else ""
    facts = [("Shipment", title + ")")]
    if view.carrier or view.tracking:
        facts.append(("Carrier", " ".join(x for x in (view.carrier, view.tracking) if x)))
    if view.tracking_url:
        facts.append(("Tracking", view.tracking_url))
    if view.parcels or view.weight_grams:
        facts.append(("Parcels", " ".join(x for x in (f"{view.parcels} parcel(s)" if view.parcels else None,
                                                       f"{weight_text(view.weight_grams)} kg" if view.weight_grams else None)
                                          if x)))
    if view.issued:
        facts.append(("Issued", view.issued))
    for stage in view.stages:
        facts.append((stage.stage.replace("_", " ").capitalize(), f"{time_text(stage.at)} UTC"
                      + (f" by {stage.by}" if stage.by else "")))
    if view.signed_by:
        facts.append(("Signed by", view.signed_by + (f": {view.delivery_note}" if view.delivery_note else "")))
    if view.failed_attempts:
        facts.append(("Failed", f"{view.failed_attempts} delivery attempt(s)"))
    if view.reason:
        facts.append(("Note", view.reason))
    if view.deleted_at is not None:
        facts.append(("Deleted", f"{time_text(view.deleted_at)} UTC by {view.deleted_by}"
                      + (f": {view.delete_reason}" if view.delete_reason else "")))
    print_facts(facts)
    print()
    SHIPMENT_LINES(view.lines)


SHIPMENT_LINES = Table(
    (number("#"), key("SKU"), text("Description", 12), key("Location"), number("Qty")),
    lambda lines: [(l.line_no, l.sku, l.description, l.location or "", l.quantity) for l in lines],
    drop=("Location", "#"),
)

def _return_kind(number: int, view) -> str:
    if view.order_number != number:
        return f"replaces, for order {view.order_number}"
    if view.replacement_order is not None:
        return f"exchange: order {view.replacement_order}"
    return view.kind


ORDER_RETURNS = Table(
    (number("Return"), key("Stage"), text("Kind", 8), text("Lines", 12), number("Refund"), text("Reason", 8)),
    lambda pairs: [(v.number, v.stage, _return_kind(n, v), ", ".join(f"{l.sku} {l.quantity}" for l in v.lines),
                    money_text(v.refund), v.reason) for n, v in pairs],
    drop=("Refund", "Kind", "Reason"),
)

def _local(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _zone_text(zone) -> str:
    from ordercli.domain.appointments import zone_name

    return zone_name(zone)


ORDER_APPOINTMENTS = Table(
    (number("Appt"), key("Stage"), key("Starts"), key("Ends"), key("With"), key("Line"), text("Place", 10)),
    lambda pairs: [(a.id, a.stage, _local(a.starts_at, zone), _local(a.ends_at, zone)[11:], a.resource,
                    a.sku or "", a.place or "") for a, zone in pairs],
    drop=("Place", "Line", "Ends", "With", "Stage"),
)

ORDER_SHIPMENTS = Table(
    (number("Shipment"), key("Stage"), key("Method"), key("Location"), text("Lines", 12), text("Carrier", 8),
     key("Tracking")),
    lambda views: [(v.id, v.stage + (" (deleted)" if v.deleted else ""), v.method, v.location or "",
                    ", ".join(f"{l.sku} {l.quantity}" for l in v.lines), v.carrier or "", v.tracking or "")
                   for v in views],
    drop=("Carrier", "Location", "Method", "Lines"),
)
