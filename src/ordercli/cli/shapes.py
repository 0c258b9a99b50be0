"""Every shape ordercli prints for scripts: the JSON of each command, the CSV of each listing,
and the ids of `--ids`. A stable contract (docs/json.md, and the JSON Schema shipped in
`ordercli/schemas/output.schema.json`): fields are only ever added, never renamed or removed;
tests/cli/test_shapes.py holds each JSON shape to its keys and types, and to the schema.

One name and one shape for each thing everywhere: an order is identified by `number`, a
product by `sku`, a location by `name`, a promo code by `code`; a customer is always the
object of `customer()`, money always `money_json`, stock always `stock()`. A listing's item is
the same object with fewer fields, never one of another shape; a field that refers to another
thing is named after it and holds its identifier (`"order": 1042`, `"location": "main"`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ordercli.cli.errors import exit_code_for
from ordercli.domain.money import Money, percent_text

# -- the pieces ------------------------------------------------------------------------------


def money_json(value: Money | None) -> dict | None:
    """Money in JSON: a decimal string with its currency, never a float."""
    if value is None:
        return None
    return {"amount": str(value.amount), "currency": value.currency}


def time_json(value: datetime | None) -> str | None:
    """UTC, ISO 8601, with a Z."""
    if value is None:
        return None
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def each(shape: Callable[[Any], dict]) -> Callable[[Iterable[Any]], list]:
    """The shape of a listing: an array of `shape`."""
    return lambda items: [shape(item) for item in items]


@dataclass(frozen=True)
class CsvShape:
    """A listing as CSV: the header, the rows of the data (several per item, if need be), and the
    columns of free text people typed, which are guarded against formula injection."""

    header: tuple[str, ...]
    rows: Callable[[Any], Iterable[Sequence[object]]]
    text: tuple[str, ...] = ()

    @property
    def text_columns(self) -> tuple[int, ...]:
        return tuple(self.header.index(name) for name in self.text)


def address(value) -> dict:
    return {
        "name": value.name,
        "line1": value.line1,
        "line2": value.line2,
        "city": value.city,
        "region": value.region,
        "postal_code": value.postal_code,
        "country": value.country,
    }


def customer(value) -> dict:
    """A customer, as the order names them."""
    return {"id": value.id, "name": value.name, "email": value.email, "phone": value.phone}


def counts(value) -> dict:
    """Stock counts: units on hand, promised to orders (reserved), and available."""
    return {"on_hand": value.on_hand, "reserved": value.reserved, "available": value.available}


def level(value) -> dict:
    """Stock at one location."""
    return {"location": value.location, **counts(value)}


def stock(value) -> dict:
    """A product's stock: its totals, and its stock at every location."""
    return {**counts(value), "locations": [level(l) for l in value.levels]}


# -- orders ----------------------------------------------------------------------------------


def history_entry(entry) -> dict:
    return {
        "at": time_json(entry.at),
        "actor": entry.actor,
        "command": entry.command,
        "event": entry.event,
        "from": entry.from_status,
        "to": entry.to_status,
        "reason": entry.reason,
    }


def _order_head(value) -> dict:
    """The fields an order and an order in a listing both begin with."""
    return {
        "number": value.number,
        "status": value.status,
        "channel": value.channel,
        "channel_ref": value.channel_ref,
        "currency": value.total.currency,
        "placed_at": time_json(value.placed_at),
    }


def order(view) -> dict:
    """`show` and `verify`, and `create` within `created_order`."""
    verification = view.verification
    return {
        **_order_head(view),
        "updated_at": time_json(view.updated_at),
        "customer": customer(view.customer),
        "billing_address": address(view.billing),
        "shipping_address": address(view.shipping),
        "promo_code": view.promo_code,
        "note": view.note,
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
                "shipped": line.shipped,
                "returned": line.returned,
            }
            for line in view.lines
        ],
        "totals": totals(view),
        "history": [history_entry(entry) for entry in view.history],
        "shipments": [shipment(s) for s in view.shipments],
        "shipping_charge": shipping_charge(view),
        "returns": [return_(r) for r in view.returns],
        "appointments": [appointment(a, _zone()) for a in view.appointments],
    }


def _zone():
    """The zone appointments within an order are shown in: ORDERCLI_TZ, TZ or the system's (UTC
    when none of them names a zone ordercli can read)."""
    from ordercli.cli.appointments import display_zone

    return display_zone()


def shipping_charge(view) -> dict:
    """What an order charges for delivery: the net amount, its tax rate and its tax."""
    currency = view.total.currency
    return {"amount": money_json(view.shipping_charge or Money(0, currency)),
            "tax_rate": percent_text(view.shipping_tax_rate_bp),
            "tax": money_json(view.shipping_tax or Money(0, currency))}


def created_order(placed) -> dict:
    """`create`: the order, and whether it was `existing` already (a retry with the same channel
    reference and the same content: nothing was written)."""
    return {**order(placed.order), "existing": placed.existing}


def totals(value) -> dict:
    """An order's totals."""
    return {
        "subtotal": money_json(value.subtotal),
        "discount": money_json(value.discount),
        "tax": money_json(value.tax),
        "total": money_json(value.total),
        "shipping": money_json(value.shipping_charge or Money(0, value.total.currency)),
    }


def order_summary(row) -> dict:
    """A row of `list`: an order's fields as `order` has them, and how many lines it has."""
    return {
        **_order_head(row),
        "customer": customer(row.customer),
        "verified": row.verified,
        "line_count": row.lines,
        "totals": totals(row),
        "return_count": row.returns,
    }


# The JSON's fields, flat: the customer's as customer_*, the totals' amounts beside the currency.
ORDER_SUMMARY_CSV = CsvShape(
    ("number", "placed_at", "status", "channel", "channel_ref", "customer_id", "customer_name", "customer_email",
     "customer_phone", "verified", "line_count", "currency", "subtotal", "discount", "tax", "total", "return_count"),
    lambda rows: ((r.number, time_json(r.placed_at), r.status, r.channel, r.channel_ref, r.customer.id,
                   r.customer.name, r.customer.email, r.customer.phone, "yes" if r.verified else "no", r.lines,
                   r.total.currency, r.subtotal.amount, r.discount.amount, r.tax.amount, r.total.amount, r.returns)
                  for r in rows),
    text=("channel_ref", "customer_name", "customer_email"),
)


def order_numbers(rows) -> Iterable[int]:
    """`list --ids`: the order numbers, as `status -` reads them."""
    return (r.number for r in rows)


def status_outcomes(result) -> list:
    """`status`: one object per entry, in input order; `code` is the exit code of its error alone."""
    return [{"number": o.number, "input": o.input, "from": o.from_status, "to": result.target.value,
             "ok": o.ok, "changed": result.was_changed(o),
             "error": str(o.error) if o.error else None,
             "code": exit_code_for(o.error) if o.error else 0}
            for o in result.outcomes]


def expiry(outcome) -> dict:
    """`expire`: the (result, expired orders) it returns."""
    result, expired = outcome
    return {"dry_run": result.dry_run, "abandoned": [
        {"number": e.number, "placed_at": time_json(e.placed_at), "customer": customer(e.customer),
         "total": money_json(e.total), "changed": result.applied} for e in expired],
        "released_units": result.released}


# -- the catalogue ---------------------------------------------------------------------------


def product(value) -> dict:
    """A product (`product add | update | show`, and each of `product list`)."""
    return {
        "sku": value.sku,
        "name": value.name,
        "price": money_json(value.price),
        "tax_rate": percent_text(value.tax_rate_bp),
        "kind": value.kind,
        "gtin": value.gtin,
        "active": value.active,
        "created_at": time_json(value.created_at),
        "updated_at": time_json(value.updated_at),
        "stock": stock(value) if value.kind == "physical" else None,
    }


# The format `product import` reads.
PRODUCT_CSV = CsvShape(
    ("sku", "name", "price", "currency", "tax_rate", "kind", "gtin", "active"),
    lambda found: ((p.sku, p.name, p.price.amount, p.price.currency, percent_text(p.tax_rate_bp), p.kind, p.gtin,
                    "yes" if p.active else "no") for p in found),
    text=("name",),
)


# -- stock -----------------------------------------------------------------------------------


def stock_change(change) -> dict:
    """`stock receive` and `stock adjust`: the stock at the location afterwards."""
    return {"sku": change.sku, "location": change.location, **counts(change),
            "backorders_promised": change.backorders_promised}


def stock_transfer(changes) -> dict:
    """`stock transfer`: the (source, destination) changes."""
    source, destination = changes
    return {"from": stock_change(source), "to": stock_change(destination)}


def product_stock(value) -> dict:
    """A product of `stock list`: the product's fields as `product` has them, its stock only."""
    return {"sku": value.sku, "name": value.name, "stock": stock(value)}


# One row per product and location.
STOCK_CSV = CsvShape(
    ("sku", "name", "location", "on_hand", "reserved", "available"),
    lambda products: ((p.sku, p.name, l.location, l.on_hand, l.reserved, l.available)
                      for p in products for l in p.levels),
    text=("name",),
)


def movement(value) -> dict:
    """A row of `stock history`."""
    return {"at": time_json(value.at), "kind": value.kind, "location": value.location, "on_hand": value.on_hand_delta,
            "reserved": value.reserved_delta, "order": value.order, "actor": value.actor, "command": value.command,
            "reason": value.reason}


def ledger_difference(value) -> dict:
    """A row of `stock check`: a counter that is not the sum of its ledger."""
    return {"sku": value.sku, "location": value.location, "on_hand": value.on_hand,
            "ledger_on_hand": value.ledger_on_hand, "reserved": value.reserved,
            "ledger_reserved": value.ledger_reserved}


def availability(result, requested: int) -> dict:
    """`available`: what can be promised of `requested` units."""
    return {"sku": result.sku, "kind": result.kind, "requested": requested,
            "available": result.available if result.stocked else None,
            "can_promise": result.can_promise(requested), "locations": [level(l) for l in result.levels]}


# -- locations, promo codes, the database -----------------------------------------------------


def location(value) -> dict:
    return {
        "name": value.name,
        "kind": value.kind,
        "default": value.is_default,
        "address": address(value.address) if value.address else None,
        **counts(value),
    }


def promo(value) -> dict:
    return {
        "code": value.code,
        "percent": percent_text(value.percent_bp) if value.percent_bp is not None else None,
        "amount": money_json(value.amount),
        "valid_from": time_json(value.valid_from),
        "valid_until": time_json(value.valid_until),
        "max_uses": value.max_uses,
        "uses": value.uses,
        "created_at": time_json(value.created_at),
    }


def database_info(facts) -> dict:
    """`db info` (its table shows the same keys)."""
    return {
        "location": facts.location,
        "backend": facts.backend,
        "schema": facts.revision,
        "latest_schema": facts.latest,
        "up_to_date": facts.up_to_date,
        "size_bytes": facts.size_bytes,
        "orders": facts.orders,
        "server": facts.server,
        "role": facts.role,
        "tables": [{"table": name, "rows": rows} for name, rows in facts.tables],
    }


def database_copy(report) -> dict:
    """`db copy`: each table's rows and checksum in the source and in the copy."""
    return {
        "source": report.source,
        "target": report.target,
        "schema": report.schema,
        "rows": report.rows,
        "match": report.match,
        "tables": [{"table": check.table, "rows": check.rows, "checksum": check.checksum,
                    "copied_rows": check.copied_rows, "copied_checksum": check.copied_checksum,
                    "match": check.match} for check in report.tables],
    }


# -- fulfillment ---------------------------------------------------------------------------------


def weight_text(grams: int | None) -> str | None:
    """Grams as kilograms, a decimal string: 2500 -> "2.5"."""
    if grams is None:
        return None
    from decimal import Decimal

    return format((Decimal(grams) / 1000).normalize(), "f")


def shipment(view) -> dict:
    """A shipment (`shipment show` and its stage commands; each of `shipments`; in `show`)."""
    return {
        "number": view.id,
        "order": view.order,
        "method": view.method,
        "location": view.location,
        "stage": view.stage,
        "carrier": view.carrier,
        "tracking": view.tracking,
        "tracking_url": view.tracking_url,
        "parcels": view.parcels,
        "weight_kg": weight_text(view.weight_grams),
        "issued": view.issued,
        "signed_by": view.signed_by,
        "delivery_note": view.delivery_note,
        "failed_attempts": view.failed_attempts,
        "reason": view.reason,
        "created_at": time_json(view.created_at),
        "stages": [{"stage": s.stage, "at": time_json(s.at), "by": s.by} for s in view.stages],
        "lines": [{"line": l.line_no, "sku": l.sku, "description": l.description, "location": l.location,
                   "quantity": l.quantity} for l in view.lines],
        "deleted": None if view.deleted_at is None else {
            "at": time_json(view.deleted_at), "by": view.deleted_by, "reason": view.delete_reason or None},
    }


SHIPMENT_CSV = CsvShape(
    ("shipment", "order", "method", "location", "stage", "carrier", "tracking", "parcels", "weight_kg", "line", "sku",
     "quantity", "created_at", "handed_over_at", "delivered_at", "signed_by", "deleted_at"),
    lambda views: ((v.id, v.order, v.method, v.location, v.stage, v.carrier, v.tracking, v.parcels,
                    weight_text(v.weight_grams), l.line_no, l.sku, l.quantity, time_json(v.created_at),
                    time_json(next((s.at for s in v.stages if s.stage == "handed_over"), None)),
                    time_json(next((s.at for s in v.stages if s.stage == "delivered"), None)), v.signed_by,
                    time_json(v.deleted_at))
                   for v in views for l in v.lines),
    text=("carrier", "tracking", "signed_by"),
)


def ship_outcomes(result) -> list:
    """`ship`: one object per order, in input order; `code` is the exit code of its error alone."""
    return [{"number": o.number, "input": o.input, "ok": o.ok, "shipped": result.applied and o.ok,
             "shipments": list(o.shipments), "from": o.from_status, "to": o.to_status,
             "error": str(o.error) if o.error else None, "code": exit_code_for(o.error) if o.error else 0}
            for o in result.outcomes]


def deletion(result) -> dict:
    """`delete-shipment`: the shipment as it was, and what deleting it did to its order."""
    return {"shipment": shipment(result.shipment), "deleted": result.applied, "from": result.from_status,
            "to": result.to_status, "restocked_at": result.restocked_at, "written_off": result.written_off}


def carrier(view) -> dict:
    """A carrier (`carrier add`, each of `carrier list`)."""
    return {"name": view.name, "tracking_url": view.tracking_url, "shipment_count": view.shipments}


# -- documents -------------------------------------------------------------------------------------

def _doc_money(minor: int, currency: str) -> dict:
    return money_json(Money(minor, currency))


def documents(data) -> list[dict]:
    """Invoices and credit notes (`invoice`, `credit-note`): (issued documents, where each went)."""
    issued, where = data
    return [{"number": d.doc.number, "kind": d.doc.kind, "order": d.doc.order_number, "method": d.doc.method,
             "title": d.doc.title, "issued_at": time_json(d.doc.issued_at), "new": d.new,
             "credits": d.doc.refers_to, "total": _doc_money(d.doc.total_minor, d.doc.currency),
             "tax": _doc_money(d.doc.tax_minor, d.doc.currency), "file": where.get(d.doc.number)}
            for d in issued]


def packing_slips(rows) -> list[dict]:
    """`packing-slip`: (slip, file) pairs."""
    return [{"shipment_number": s.shipment_number, "order": s.order_number, "method": s.method,
             "units": sum(line.quantity for line in s.lines), "file": f or None} for s, f in rows]


def label(data) -> dict:
    """`label`: (label, file)."""
    doc, file = data
    return {"shipment_number": doc.shipment_number, "order": doc.order_number, "parcels": doc.parcels,
            "barcode": doc.barcode, "size": doc.size, "file": file}


def pick_list(doc) -> dict:
    """`pick-list`: per location, per SKU, the orders."""
    return {"created_at": time_json(doc.created_at), "orders": list(doc.orders),
            "by_location": [{"location": g.location, "items": [
                {"sku": i.sku, "description": i.description, "quantity": i.quantity,
                 "orders": [{"order": p.order_number, "quantity": p.quantity} for p in i.orders]}
                for i in g.items]} for g in doc.groups]}


def profile(view) -> dict:
    """`profile set`, `profile show`: the address is null until it is set."""
    p = view.profile
    address = None
    if p.line1 and p.city and p.country:
        address = {"name": p.name, "line1": p.line1, "line2": p.line2, "city": p.city, "region": p.region,
                   "postal_code": p.postal_code, "country": p.country}
    return {"name": p.name, "address": address,
            "tax_id": p.tax_id, "email": p.email, "phone": p.phone, "bank": p.bank, "logo_sha256": p.logo_sha256,
            "invoice_prefix": p.invoice_prefix, "credit_prefix": p.credit_prefix, "yearly_reset": p.yearly_reset,
            "padding": p.number_padding, "next_invoice_number": view.next_invoice,
            "next_credit_note_number": view.next_credit_note,
            "locale": p.locale, "payment_terms": p.payment_terms, "payment_days": p.payment_days,
            "footer": p.footer, "invoice_policy": p.invoice_policy, "fallback_font": p.fallback_font,
            "label_size": p.label_size, "updated_at": time_json(p.updated_at), "updated_by": p.updated_by,
            "return_days": p.return_days}


# -- summary ---------------------------------------------------------------------------------------

def _hours_text(value) -> str | None:
    return None if value is None else str(value)


def summary_figures(figures) -> dict:
    """One group in one currency (or, `group` null, all of one currency)."""
    from ordercli.cli.shapes import money_json

    hand_overs = figures.hand_overs
    return {
        "group": figures.group,
        "currency": figures.currency,
        "orders": figures.orders,
        "in_revenue": figures.in_revenue,
        "not_in_revenue": dict(figures.not_in_revenue),
        "revenue": {"net": money_json(figures.net), "tax": money_json(figures.tax),
                    "gross": money_json(figures.gross)},
        "fulfillment": None if hand_overs is None else {
            "handed_over": hand_overs.handed_over,
            "on_time": hand_overs.on_time,
            "average_hours_to_hand_over": _hours_text(hand_overs.average_hours),
        },
    }


def summary(found) -> dict:
    """`summary --json`: what was asked, every group per currency, and all groups per currency (`overall`)."""
    return {
        "by": found.by,
        "since": time_json(found.since),
        "until": time_json(found.until),
        "on_time_seconds": int(found.on_time.total_seconds()),
        "groups": [summary_figures(f) for f in found.groups],
        "overall": [summary_figures(f) for f in found.totals],
    }


# -- import ----------------------------------------------------------------------------------------


def _imported_order(view) -> dict:
    return {"number": view.number, "source": view.source, "rows": list(view.rows), "channel": view.channel,
            "channel_ref": view.channel_ref, "status": view.status, "lines": view.lines, "shipment_number": view.shipment}


def imports(data) -> dict:
    """`import --json`: what was imported (numbers null in a dry run), found imported before,
    and rejected, each problem with its row and the exit code it alone would give."""
    from ordercli.cli.errors import exit_code_for

    result, rejects = data
    return {
        "format": result.format,
        "file_kind": result.kind,
        "dry_run": result.dry_run,
        "applied": result.applied,
        "rows": result.rows,
        "imported": [_imported_order(o) for o in result.imported],
        "existing": [_imported_order(o) for o in result.existing],
        "rejected": [{"source": r.source, "rows": list(r.rows),
                      "problems": [{"row": p.row, "message": p.message, "code": exit_code_for(p.error)}
                                   for p in r.problems]} for r in result.rejected],
        "rejects_file": str(rejects) if rejects is not None else None,
        "promised_units": result.promised_units,
        "waiting_units": result.waiting_units,
        "new_customers": result.new_customers,
        "new_promo_codes": list(result.new_promo_codes),
        "notes": list(result.notes),
    }


# -- returns and exchanges ---------------------------------------------------------------------------


def return_(view) -> dict:
    """A return (`return`, `rma ...`; each of `returns`; in `show` and `exchange`)."""
    return {
        "number": view.number,
        "order": view.order_number,
        "order_status": view.order_status,
        "kind": view.kind,
        "stage": view.stage,
        "reason": view.reason,
        "lines": [{"line": l.line_no, "sku": l.sku, "description": l.description, "quantity": l.quantity,
                   "restocked": l.restocked, "written_off": l.written_off, "location": l.location}
                  for l in view.lines],
        "refund": money_json(view.refund),
        "refund_shipping": view.refund_shipping,
        "window_override": view.window_override,
        "replacement_order": view.replacement_order,
        "credit_notes": list(view.credit_notes),
        "requested_at": time_json(view.requested_at),
        "stages": [{"stage": s.stage, "at": time_json(s.at), "by": s.by} for s in view.stages],
        "settled_as": view.settled_as,
        "reference": view.reference,
        "cancel_reason": view.cancel_reason,
    }


def exchange(view) -> dict:
    """`exchange`: the return, the replacement order, and what the customer pays (positive) or
    gets back (negative)."""
    return {"return": return_(view.returned), "replacement": order(view.replacement),
            "difference": money_json(view.difference)}


RETURN_CSV = CsvShape(
    ("return", "order", "kind", "stage", "reason", "requested_at", "line", "sku", "quantity", "restocked",
     "written_off", "location", "refund", "currency", "credit_notes", "replacement_order"),
    lambda views: ((v.number, v.order_number, v.kind, v.stage, v.reason, time_json(v.requested_at), l.line_no, l.sku,
                    l.quantity, l.restocked, l.written_off, l.location, str(v.refund.amount), v.refund.currency,
                    " ".join(v.credit_notes), v.replacement_order) for v in views for l in v.lines),
    text=("reason", "sku"),
)


def return_slip(data) -> dict:
    """`return-slip`: the return, its order and the file written (null on stdout or a printer)."""
    slip, file = data
    return {"return_number": slip.return_number, "order": slip.order_number, "kind": slip.kind,
            "units": sum(line.quantity for line in slip.lines), "file": file or None}


# -- appointments and resources ---------------------------------------------------------------------

def resource(view) -> dict:
    """A resource (`appointment resource add`, each of `appointment resource list`)."""
    return {"name": view.name, "kind": view.kind, "note": view.note, "created_at": time_json(view.created_at),
            "booked_count": view.booked}


def appointment(view, zone: tzinfo) -> dict:
    """An appointment (book, reschedule, cancel, complete; each of `appointment list`). Every
    time is UTC (`..._at`, with a Z); its start and end also in the zone chosen
    (`starts_local`, `ends_local`: ISO 8601 with that zone's offset then, named `time_zone`)."""
    from ordercli.domain.appointments import local_iso, zone_name

    return {
        "number": view.id,
        "order": view.order,
        "order_status": view.order_status,
        "line": view.line_no,
        "sku": view.sku,
        "resource": view.resource,
        "resource_kind": view.resource_kind,
        "stage": view.stage,
        "starts_at": time_json(view.starts_at),
        "ends_at": time_json(view.ends_at),
        "starts_local": local_iso(view.starts_at, zone),
        "ends_local": local_iso(view.ends_at, zone),
        "time_zone": zone_name(zone),
        "duration_minutes": int(view.duration.total_seconds() // 60),
        "place": view.place,
        "note": view.note,
        "customer": customer(view.customer),
        "sequence": view.sequence,
        "created_at": time_json(view.created_at),
        "created_by": view.created_by,
        "updated_at": time_json(view.updated_at),
        "completed": None if view.completed_at is None else {
            "at": time_json(view.completed_at), "by": view.completed_by, "signed_by": view.signed_by},
        "canceled": None if view.canceled_at is None else {
            "at": time_json(view.canceled_at), "by": view.canceled_by, "reason": view.cancel_reason},
    }


def appointment_detail(view, zone: tzinfo) -> dict:
    """`appointment show`: the appointment and the order history entries about it."""
    return {**appointment(view, zone), "history": [history_entry(entry) for entry in view.history]}


def appointment_csv(zone: tzinfo):
    """`appointment list --csv`: the JSON's fields, flat."""
    from ordercli.domain.appointments import local_iso, zone_name

    return CsvShape(
        ("appointment", "order", "line", "sku", "resource", "stage", "starts_local", "ends_local", "time_zone",
         "starts_at", "ends_at", "duration_minutes", "customer_name", "customer_phone", "place", "note",
         "signed_by"),
        lambda views: ((v.id, v.order, v.line_no, v.sku, v.resource, v.stage, local_iso(v.starts_at, zone),
                        local_iso(v.ends_at, zone), zone_name(zone), time_json(v.starts_at), time_json(v.ends_at),
                        int(v.duration.total_seconds() // 60), v.customer.name, v.customer.phone, v.place, v.note,
                        v.signed_by) for v in views),
        text=("customer_name", "customer_phone", "place", "note", "signed_by"),
    )
