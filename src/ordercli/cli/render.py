"""How orders look: the JSON shapes (a stable contract, documented in the README) and the
tables people read (which may change)."""

from __future__ import annotations

from ordercli.cli.output import console, money_json, money_text, table, time_json, time_text
from ordercli.domain.money import percent_text
from ordercli.services.views import AddressView, HistoryEntry, OrderSummary, OrderView

# -- JSON ------------------------------------------------------------------------------------


def address_json(address: AddressView) -> dict:
    return {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def history_json(entry: HistoryEntry) -> dict:
    return {
        "at": time_json(entry.at),
        "actor": entry.actor,
        "command": entry.command,
        "event": entry.event,
        "from": entry.from_status,
        "to": entry.to_status,
        "reason": entry.reason,
    }


def order_json(order: OrderView) -> dict:
    verification = order.verification
    return {
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "channel_ref": order.channel_ref,
        "currency": order.currency,
        "placed_at": time_json(order.placed_at),
        "updated_at": time_json(order.updated_at),
        "customer": {
            "id": order.customer.id,
            "name": order.customer.name,
            "email": order.customer.email,
            "phone": order.customer.phone,
        },
        "billing_address": address_json(order.billing),
        "shipping_address": address_json(order.shipping),
        "promo_code": order.promo_code,
        "note": order.note,
        "verification": None if verification is None else {
            "at": time_json(verification.at),
            "by": verification.by,
            "method": verification.method,
            "note": verification.note,
        },
        "lines": [
            {
                "line": line.line_no,
                "sku": line.sku,
                "description": line.description,
                "kind": line.kind,
                "quantity": line.quantity,
                "unit_price": money_json(line.unit_price),
                "discount": money_json(line.discount),
                "order_discount": money_json(line.order_discount),
                "tax_rate": percent_text(line.tax_rate_bp),
                "net": money_json(line.net),
                "tax": money_json(line.tax),
                "total": money_json(line.total),
                "delivery_method": line.delivery_method,
                "promised": [{"location": p.location, "quantity": p.quantity} for p in line.promised],
                "waiting": line.waiting,
            }
            for line in order.lines
        ],
        "totals": {
            "subtotal": money_json(order.subtotal),
            "discount": money_json(order.discount),
            "tax": money_json(order.tax),
            "total": money_json(order.total),
        },
        "history": [history_json(entry) for entry in order.history],
    }


def summary_json(row: OrderSummary) -> dict:
    return {
        "number": row.number,
        "placed_at": time_json(row.placed_at),
        "status": row.status,
        "channel": row.channel,
        "channel_ref": row.channel_ref,
        "customer": row.customer,
        "email": row.email,
        "verified": row.verified,
        "lines": row.lines,
        "subtotal": money_json(row.subtotal),
        "discount": money_json(row.discount),
        "tax": money_json(row.tax),
        "total": money_json(row.total),
    }


SUMMARY_CSV_HEADER = ("number", "placed_at", "status", "channel", "channel_ref", "customer", "email",
                      "verified", "lines", "currency", "subtotal", "discount", "tax", "total")
SUMMARY_CSV_TEXT_COLUMNS = (4, 5, 6)


def summary_csv_row(row: OrderSummary) -> tuple:
    return (row.number, time_json(row.placed_at), row.status, row.channel, row.channel_ref, row.customer,
            row.email, "yes" if row.verified else "no", row.lines, row.total.currency, row.subtotal.amount,
            row.discount.amount, row.tax.amount, row.total.amount)


# -- tables ----------------------------------------------------------------------------------


def address_text(address: AddressView) -> str:
    place = " ".join(p for p in (address.postal_code, address.city) if p)
    parts = [address.name, address.line1, address.line2, place, address.region, address.country]
    return ", ".join(p for p in parts if p)


def print_order(order: OrderView) -> None:
    out = console()
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
    width = max(len(label) for label, _ in facts)
    for label, value in facts:
        out.print(f"{label:<{width}}  {value}", markup=False)
    out.print()
    table(
        ("#", "SKU", "Description", "Qty", "Unit price", "Discount", "Net", "Tax %", "Tax", "Total", "Delivery",
         "Stock"),
        [
            (line.line_no, line.sku, line.description, line.quantity, money_text(line.unit_price),
             money_text(line.discount + line.order_discount) if (line.discount.minor or line.order_discount.minor) else "",
             money_text(line.net), percent_text(line.tax_rate_bp), money_text(line.tax), money_text(line.total),
             line.delivery_method, stock_text(line))
            for line in order.lines
        ],
        right=("#", "Qty", "Unit price", "Discount", "Net", "Tax %", "Tax", "Total"),
    )
    totals = [("Subtotal", order.subtotal)]
    if order.discount.minor:
        totals.append(("Discount", order.discount))
    totals += [("Tax", order.tax), ("Total", order.total)]
    for label, amount in totals:
        out.print(f"{label:>10}  {money_text(amount)}", markup=False)
    if order.history:
        out.print()
        print_history(order.history, title="History")


def stock_text(line) -> str:
    """Where a line's units are promised, and how many still wait: "8 main, 2 berlin; 3 waiting"."""
    parts = ", ".join(f"{p.quantity} {p.location}" for p in line.promised)
    if line.waiting:
        parts = (parts + "; " if parts else "") + f"{line.waiting} waiting"
    return parts


def print_history(entries, title: str | None = None) -> None:
    table(
        ("At (UTC)", "Actor", "Command", "Event", "From", "To", "Reason"),
        [(time_text(e.at), e.actor, e.command, e.event, e.from_status or "", e.to_status or "", e.reason or "")
         for e in entries],
        title=title,
    )


def print_summaries(rows: list[OrderSummary]) -> None:
    table(
        ("Number", "Placed (UTC)", "Status", "Channel", "Ref", "Customer", "Lines", "Total", "Verified"),
        [(r.number, time_text(r.placed_at), r.status, r.channel, r.channel_ref or "", r.customer, r.lines,
          money_text(r.total), "yes" if r.verified else "no") for r in rows],
        right=("Number", "Lines", "Total"),
    )
