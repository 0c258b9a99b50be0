"""Packing slips, shipping labels and pick lists: read models of shipments and held stock,
as the documents (ordercli.documents.model) the renderers draw."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from ordercli.db.queries import documents, shipments
from ordercli.db.sql import rows
from ordercli.documents.addresses import address_lines
from ordercli.documents.model import (LabelDoc, PackingSlipDoc, Party, PickFor, PickGroup, PickItem, PickListDoc,
                                      Seller, SlipLine)
from ordercli.domain.errors import NotFound, Refused
from ordercli.domain.fulfillment import TAKES_STOCK, Method
from ordercli.domain.stock import normalize_location_name
from ordercli.services.fulfillment import ShipmentView, shipment_views
from ordercli.services.profile import Profile, load_profile

# Shipments whose goods travel in a parcel: they get packing slips and labels.
PARCEL_METHODS = frozenset(m.value for m in TAKES_STOCK)


def _seller(connection, profile: Profile) -> Seller | None:
    if not profile.name:
        return None
    logo = documents.logo(connection, profile.logo_sha256) if profile.logo_sha256 else None
    return Seller(name=profile.name, lines=address_lines(profile.line1, profile.line2, profile.city, profile.region,
                                                         profile.postal_code, profile.country),
                  tax_id=profile.tax_id, email=profile.email, phone=profile.phone, bank=profile.bank,
                  logo=logo[1] if logo else None, logo_type=logo[0] if logo else None)


def _ship_to(connection, order_id: int) -> Party:
    order = documents.orders_for_billing(connection, [order_id])[0]
    return Party(name=order.s_name or order.customer_name,
                 lines=address_lines(order.s_line1, order.s_line2, order.s_city, order.s_region, order.s_postal_code,
                                     order.s_country),
                 phone=order.customer_phone)


def _slip(view: ShipmentView, ship_to: Party, sender: Seller | None, locale: str) -> PackingSlipDoc:
    return PackingSlipDoc(shipment_number=view.id, order_number=view.order, created_at=view.created_at,
                          method=view.method, ship_to=ship_to, sender=sender,
                          lines=tuple(SlipLine(line.sku, line.description, line.quantity) for line in view.lines),
                          parcels=view.parcels, carrier=view.carrier, tracking=view.tracking, locale=locale)


def _kind(method: str) -> str:
    return {"pickup": "a pickup at a store", "hand_over": "a hand-over at the counter", "download": "a download",
            "external": "an external shipment (the goods left outside ordercli)"}.get(method, method)


def _usable(view: ShipmentView, what: str) -> None:
    if view.deleted:
        raise Refused(f"shipment {view.id} was deleted: it gets no {what}")
    if view.method not in PARCEL_METHODS:
        raise Refused(f"shipment {view.id} is {_kind(view.method)}: no parcel, so no {what}")


def packing_slips(db, *, order: int | None = None, shipment: int | None = None) -> list[PackingSlipDoc]:
    """The slips of one shipment, or of each parcel shipment of an order that counts."""
    with db.read() as connection:
        profile = load_profile(connection)
        sender = _seller(connection, profile)
        if shipment is not None:
            row = shipments.get(connection, shipment)
            if row is None:
                raise NotFound(f"shipment {shipment} does not exist")
            view = shipment_views(connection, [row])[0]
            _usable(view, "packing slip")
            return [_slip(view, _ship_to(connection, view.order), sender, profile.locale)]
        if not documents.orders_for_billing(connection, [order]):
            raise NotFound(f"order {order} does not exist")
        every = [v for v in shipment_views(connection, shipments.of_order(connection, order))
                 if not v.deleted and v.stage != "returned_to_sender"]
        views = [v for v in every if v.method in PARCEL_METHODS]
        if not views:
            if every:
                raise Refused(f"order {order}'s shipments carry no parcel (downloads or goods that left outside "
                              "ordercli): there is nothing to pack")
            raise Refused(f"order {order} has no shipments with goods yet: ship it first (ordercli ship {order})")
        ship_to = _ship_to(connection, order)
        return [_slip(v, ship_to, sender, profile.locale) for v in views]


def return_slip(db, return_id: int):
    """The slip the customer packs with the goods of a return (not of a canceled one)."""
    from ordercli.documents.model import ReturnSlipDoc, ReturnSlipLine
    from ordercli.services.returns import get_return

    view = get_return(db, return_id)
    if view.stage == "canceled":
        raise Refused(f"return {return_id} was canceled: there is nothing to send back")
    with db.read() as connection:
        profile = load_profile(connection)
        return ReturnSlipDoc(
            return_number=view.number, order_number=view.order_number, requested_at=view.requested_at,
            kind=view.kind, reason=view.reason, customer=_ship_to(connection, view.order_number),
            return_to=_seller(connection, profile),
            lines=tuple(ReturnSlipLine(l.sku, l.description, l.quantity) for l in view.lines),
            barcode=f"RMA-{view.number}", replacement_order=view.replacement_order, locale=profile.locale)


def shipping_label(db, shipment: int, *, size: str | None = None) -> LabelDoc:
    """A label per parcel of a shipment: sender, recipient, a barcode of the tracking number
    (or the shipment number when it has none)."""
    with db.read() as connection:
        profile = load_profile(connection)
        row = shipments.get(connection, shipment)
        if row is None:
            raise NotFound(f"shipment {shipment} does not exist")
        view = shipment_views(connection, [row])[0]
        _usable(view, "label")
        if view.method != Method.SHIP.value:
            raise Refused(f"shipment {shipment} is {_kind(view.method)}: only shipments to an address get a label")
        sender = _seller(connection, profile)
        if sender is None or not profile.line1 or not profile.city or not profile.country:
            raise Refused("a label needs the sender's name and address (set with: ordercli profile set --name "
                          "--address --city --country)")
        return LabelDoc(shipment_number=view.id, order_number=view.order, created_at=view.created_at, sender=sender,
                        recipient=_ship_to(connection, view.order), barcode=_barcode(view),
                        carrier=view.carrier, parcels=view.parcels or 1, size=size or profile.label_size)


# A tracking number longer than this makes bars too thin for a label printer on a 4x6 label.
_LONGEST_BARCODE = 24


def _barcode(view: ShipmentView) -> str:
    """The tracking number when Code 128 can carry it on the label (printable ASCII, not too
    long), else the shipment's number, which it always can."""
    tracking = view.tracking or ""
    if tracking and tracking.isascii() and tracking.isprintable() and len(tracking) <= _LONGEST_BARCODE:
        return tracking
    return str(view.id)


def pick_list(db, *, statuses: list[str], at: str | None, orders: list[int] | None, now: datetime) -> PickListDoc:
    """What to take from where: per location, per SKU, the units the selected orders hold
    there that no shipment has claimed yet, with the orders they are for."""
    with db.read() as connection:
        location_id = None
        if at is not None:
            found = rows(connection, "SELECT id, name FROM locations WHERE name = :name",
                         {"name": normalize_location_name(at)})
            if not found:
                raise NotFound(f"location {at} does not exist")
            location_id = found[0].id
        if orders:
            known = {r.id for r in rows(connection, "SELECT id FROM orders WHERE id IN :ids", {"ids": orders})}
            for number in orders:
                if number not in known:
                    raise NotFound(f"order {number} does not exist")
        where = "o.status IN :statuses" + (" AND o.id IN :orders" if orders else "")
        params = {"statuses": statuses, "orders": orders or []}
        held = rows(connection, f"""
            SELECT m.order_id, m.order_line_id, m.location_id, SUM(m.reserved_delta) AS units
            FROM stock_movements m JOIN orders o ON o.id = m.order_id
            WHERE {where} AND m.order_line_id IS NOT NULL
            GROUP BY m.order_id, m.order_line_id, m.location_id HAVING SUM(m.reserved_delta) > 0""", params)
        claimed = rows(connection, f"""
            SELECT sl.order_line_id, sl.location_id, SUM(sl.quantity) AS units
            FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN orders o ON o.id = s.order_id
            WHERE {where} AND s.deleted_at IS NULL AND s.stage IN ('picked', 'packed')
              AND sl.location_id IS NOT NULL
            GROUP BY sl.order_line_id, sl.location_id""", params)
        pending = {(r.order_line_id, r.location_id): int(r.units) for r in claimed}
        line_ids = sorted({r.order_line_id for r in held})
        lines = {r.id: r for r in rows(connection, "SELECT id, sku, description FROM order_lines WHERE id IN :ids",
                                       {"ids": line_ids})}
        names = {r.id: r.name for r in rows(connection, "SELECT id, name FROM locations")}
    per: dict[str, dict[str, dict]] = defaultdict(dict)
    picked_orders: set[int] = set()
    for r in sorted(held, key=lambda r: (r.location_id, r.order_id, r.order_line_id)):
        if location_id is not None and r.location_id != location_id:
            continue
        units = int(r.units) - pending.get((r.order_line_id, r.location_id), 0)
        if units <= 0:
            continue
        line = lines[r.order_line_id]
        item = per[names[r.location_id]].setdefault(line.sku, {"description": line.description, "orders": []})
        item["orders"].append(PickFor(r.order_id, units))
        picked_orders.add(r.order_id)
    groups = tuple(
        PickGroup(location, tuple(PickItem(sku, item["description"], sum(p.quantity for p in item["orders"]),
                                           tuple(item["orders"])) for sku, item in sorted(items.items())))
        for location, items in sorted(per.items()))
    note = "orders " + ", ".join(statuses) + (f" at {names.get(location_id)}" if location_id else "")
    return PickListDoc(created_at=now, groups=groups, note=note, orders=tuple(sorted(picked_orders)))
