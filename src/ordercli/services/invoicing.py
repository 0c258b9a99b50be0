"""Invoices and credit notes: issuing them (numbered gaplessly in the transaction that stores
them), and reading issued ones back as the documents they are.

An issued document is stored with everything it shows, so rendering it later gives the same
PDF even after the order or the profile changed. Issuing takes the series row's lock first and
only then reads what is invoiced already: two processes invoicing one order cannot both issue.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from ordercli.db import dialect
from ordercli.db.queries import documents, returns
from ordercli.documents.addresses import address_lines
from ordercli.documents.model import DocLine, InvoiceDoc, Party, Seller, TaxRow
from ordercli.db.sql import execute
from ordercli.domain.errors import InvalidData, NotFound, Refused
from ordercli.domain.invoicing import (METHOD_TITLES, BillableLine, CreditWant, InvoicedLine, Part, PartLine,
                                       Shipping,
                                       plan_credit, plan_invoices, title_of)
from ordercli.domain.statuses import Status
from ordercli.domain.validation import clean_text, shown
from ordercli.services.profile import Profile, load_profile, require_invoicing
from ordercli.services.views import Stamp

# Statuses whose orders are not invoiced (again): nothing was, will be, or stays sold.
# Returned: everything fulfilled came back (its invoices are credited on receipt; an order
# imported as returned, or returned by hand, has nothing left to invoice either).
NOT_INVOICED = frozenset({Status.CANCELED, Status.ABANDONED, Status.FAILED, Status.RETURNED})


@dataclass(frozen=True)
class Issued:
    """An invoice or credit note a command produced: `new` when this call issued it."""

    doc: InvoiceDoc
    new: bool

    @property
    def number(self) -> str:
        return self.doc.number


@dataclass
class InvoiceRun:
    """What `invoice` did: the documents (new and existing) and the orders it left alone."""

    documents: list[Issued] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (order, why): bulk runs only
    unprintable: list[int] = field(default_factory=list)  # skipped orders whose invoices cannot be printed

    @property
    def issued(self) -> int:
        return sum(1 for d in self.documents if d.new)


def _party(row, prefix: str, *, email=None, phone=None) -> Party:
    get = lambda key: getattr(row, f"{prefix}_{key}")  # noqa: E731
    return Party(name=get("name") or row.customer_name,
                 lines=address_lines(get("line1"), get("line2"), get("city"), get("region"), get("postal_code"),
                                     get("country")),
                 email=email, phone=phone)


def _seller_json(profile: Profile) -> str:
    return json.dumps({
        "name": profile.name, "lines": list(address_lines(profile.line1, profile.line2, profile.city, profile.region,
                                                          profile.postal_code, profile.country)),
        "tax_id": profile.tax_id, "email": profile.email, "phone": profile.phone, "bank": profile.bank,
        "logo_sha256": profile.logo_sha256,
    }, ensure_ascii=False, sort_keys=True)


def _party_json(party: Party) -> str:
    return json.dumps({"name": party.name, "lines": list(party.lines), "email": party.email, "phone": party.phone},
                      ensure_ascii=False, sort_keys=True)


def _billable(order, lines, handed_over: dict[int, int], invoiced: dict[int, tuple[int, int, int]],
              policy: str, back: dict[int, int]) -> list[BillableLine]:
    out = []
    for line in lines:
        if policy == "ordered":
            billable = line.quantity
        else:  # a service line is fulfilled by its completed appointment (or left outside ordercli)
            billable = min(handed_over.get(line.id, 0), line.quantity)
        billable = max(billable - back.get(line.id, 0), 0)  # units returned are not invoiced (again)
        units, net, tax = invoiced.get(line.id, (0, 0, 0))
        out.append(BillableLine(line.id, line.line_no, line.sku, line.description, line.quantity,
                                line.unit_price_minor, line.net_minor, line.tax_minor, line.tax_rate_bp,
                                line.delivery_method, billable, units, net, tax))
    return out


def _nothing_reason(order, policy: str) -> str:
    if order.status in NOT_INVOICED:
        return f"order {order.id} is {order.status}: there is nothing to invoice"
    if policy == "fulfilled":
        return (f"order {order.id} has nothing fulfilled to invoice yet (the invoice policy is `fulfilled`: "
                f"ship or hand over first, or see ordercli profile set --invoice-policy)")
    return f"order {order.id} has nothing to invoice"


def invoice_orders(db, numbers: list[int], stamp: Stamp, *, bulk: bool = False, check=None) -> InvoiceRun:
    """Issue what each order may be invoiced for now (one invoice per delivery method) and
    return every invoice of those orders, issued now or before, as documents.

    One transaction. Without `bulk`, an order with nothing to invoice and no invoice yet is an
    error and nothing is issued; with it, such orders are listed in `skipped`. `check(docs,
    profile)` runs on the new documents before the commit (the renderer's glyph check), so a
    document that cannot be printed is never issued."""
    run = InvoiceRun()
    with db.write() as connection:
        profile = load_profile(connection)
        year = stamp.at.year if profile.yearly_reset else 0
        documents.lock_series(connection, "invoice", year)
        dialect.lock_ids(connection, "orders", numbers)  # no shipment of them is deleted meanwhile
        found = {row.id: row for row in documents.orders_for_billing(connection, numbers)}
        for number in numbers:
            if number not in found:
                raise NotFound(f"order {number} does not exist")
        lines_of = defaultdict(list)
        for line in documents.order_lines_for_billing(connection, numbers):
            lines_of[line.order_id].append(line)
        handed_over = {r.order_line_id: r.units for r in documents.handed_over_per_line(connection, numbers)}
        invoiced = {r.order_line_id: (r.units, r.net, r.tax) for r in documents.invoiced_per_line(connection, numbers)}
        shipping_done = {r.order_id: (r.net, r.tax) for r in documents.invoiced_shipping(connection, numbers)}
        back = returns.back_per_line(connection, numbers)
        shipping_refunded = returns.shipping_refunded(connection, numbers)
        existing: dict[int, list[int]] = defaultdict(list)
        for row in documents.invoices_of_orders(connection, numbers):
            if row.kind == "invoice":  # credit notes are rendered by number (invoice --number)
                existing[row.order_id].append(row.id)

        plans: list[tuple[object, list[Part], int]] = []
        for number in numbers:
            order = found[number]
            parts: list[Part] = []
            if order.status not in NOT_INVOICED:
                billable = _billable(order, lines_of[number], handed_over, invoiced, profile.invoice_policy, back)
                net, tax = shipping_done.get(number, (0, 0))
                if number in shipping_refunded:  # a return paid it back: it is not invoiced (again)
                    shipping = Shipping(net, order.shipping_tax_rate_bp, tax, net, tax)
                else:
                    shipping = Shipping(order.shipping_minor, order.shipping_tax_rate_bp, order.shipping_tax_minor,
                                        net, tax)
                parts = plan_invoices(billable, shipping)
            if not parts and not existing[number]:
                reason = _nothing_reason(order, profile.invoice_policy)
                if not bulk:
                    raise Refused(reason)
                run.skipped.append((number, reason))
                continue
            methods = len({line.delivery_method for line in lines_of[number]})
            plans.append((order, parts, methods))

        if any(parts for _, parts, _ in plans):
            require_invoicing(profile, any(p.tax_minor for _, parts, _ in plans for p in parts))
        seller = _seller_json(profile)
        due = (stamp.at.date() + timedelta(days=profile.payment_days)).isoformat() \
            if profile.payment_days is not None else None
        new_ids: set[int] = set()
        ids_in_order: list[int] = []
        for order, parts, methods in plans:
            billing = _party(order, "b", email=order.customer_email, phone=order.customer_phone)
            ship_to = _party(order, "s")
            issued: list[int] = []
            if bulk and check is not None and parts:
                execute(connection, "SAVEPOINT ordercli_order")
            for part in parts:
                seq = documents.take_number(connection, "invoice", year)
                number = profile.number("invoice", year, seq)
                invoice_id = _insert(connection, _header(
                    part, kind="invoice", number=number, year=year, seq=seq, order=order, profile=profile,
                    title=title_of("invoice", order.id, part.method, methods), seller=seller,
                    billing=_party_json(billing), ship_to=_party_json(ship_to), stamp=stamp, due=due))
                documents.insert_lines(connection, _lines(invoice_id, part))
                issued.append(invoice_id)
            if bulk and check is not None and parts:
                # in a bulk run an order whose invoices cannot be printed is left out, its numbers given back
                try:
                    check(load_documents(connection, issued), profile)
                except InvalidData as error:
                    execute(connection, "ROLLBACK TO SAVEPOINT ordercli_order")
                    run.skipped.append((order.id, str(error)))
                    run.unprintable.append(order.id)
                    issued = []
                execute(connection, "RELEASE SAVEPOINT ordercli_order")
                if not issued and not existing[order.id]:
                    continue
            ids_in_order.extend(existing[order.id])
            ids_in_order.extend(issued)
            new_ids.update(issued)
        docs = load_documents(connection, ids_in_order)
        run.documents = [Issued(doc, invoice_id in new_ids) for invoice_id, doc in zip(ids_in_order, docs)]
        if check is not None and new_ids and not bulk:
            check([d.doc for d in run.documents if d.new], profile)
    return run


def _insert(connection, values: dict) -> int:
    """Store an issued document; a number some other document already has (numbering changed
    by hand in the database, or by another program) is refused, never a crash."""
    from ordercli.db.sql import is_unique_violation

    try:
        return documents.insert_invoice(connection, values)
    except Exception as error:
        if is_unique_violation(error, "uq_invoices_number"):
            raise Refused(f"the next number, {values['number']}, is taken by an issued document: change the "
                          "numbering (ordercli profile set --invoice-prefix or --credit-prefix)") from None
        raise


def _header(part: Part, *, kind: str, number: str, year: int, seq: int, order, profile: Profile, title: str,
            seller: str, billing: str, ship_to: str, stamp: Stamp, due: str | None, credits: int | None = None,
            reason: str | None = None, method: str | None = None, return_id: int | None = None) -> dict:
    return {
        "kind": kind, "number": number, "year": year, "seq": seq, "order_id": order.id,
        "method": method or part.method, "title": title, "policy": profile.invoice_policy,
        "currency": order.currency, "locale": profile.locale, "issued_at": stamp.at, "issued_by": stamp.actor,
        "seller": seller, "billing": billing, "ship_to": ship_to,
        "shipping_minor": part.shipping_minor, "shipping_tax_rate_bp": part.shipping_tax_rate_bp,
        "shipping_tax_minor": part.shipping_tax_minor, "subtotal_minor": part.subtotal_minor,
        "discount_minor": part.discount_minor, "tax_minor": part.tax_minor, "total_minor": part.total_minor,
        "promo_code": order.promo_code, "payment_terms": profile.payment_terms if kind == "invoice" else None,
        "footer": profile.footer, "due_date": due if kind == "invoice" else None, "credits_invoice_id": credits,
        "reason": reason, "return_id": return_id,
    }


def _lines(invoice_id: int, part: Part) -> list[dict]:
    return [{"invoice_id": invoice_id, "position": i, "order_line_id": line.order_line_id,
             "credited_line_id": line.credited_line_id, "sku": line.sku, "description": line.description,
             "quantity": line.quantity, "unit_price_minor": line.unit_price_minor,
             "discount_minor": line.discount_minor, "tax_rate_bp": line.tax_rate_bp, "net_minor": line.net_minor,
             "tax_minor": line.tax_minor} for i, line in enumerate(part.lines, 1)]


def load_documents(connection, ids: list[int]) -> list[InvoiceDoc]:
    """Issued invoices and credit notes as the documents they are, in the order of `ids`."""
    if not ids:
        return []
    headers = {row.id: row for row in documents.invoices_by_id(connection, ids)}
    lines = defaultdict(list)
    for row in documents.lines_of_invoices(connection, ids):
        lines[row.invoice_id].append(row)
    placed = {row.id: row.placed_at for row in documents.orders_for_billing(
        connection, sorted({h.order_id for h in headers.values()}))}
    refers = {row.id: row.number for row in documents.invoices_by_id(
        connection, sorted({h.credits_invoice_id for h in headers.values() if h.credits_invoice_id}))}
    logos: dict[str, tuple[str, bytes] | None] = {}
    out = []
    for invoice_id in ids:
        h = headers[invoice_id]
        seller = json.loads(h.seller)
        sha = seller.get("logo_sha256")
        if sha and sha not in logos:
            logos[sha] = documents.logo(connection, sha)
        logo = logos.get(sha) if sha else None
        billing, ship_to = json.loads(h.billing), json.loads(h.ship_to)
        out.append(InvoiceDoc(
            kind=h.kind, number=h.number, issued_at=h.issued_at, order_number=h.order_id,
            order_placed_at=placed[h.order_id], method=h.method, title=h.title, currency=h.currency,
            locale=h.locale,
            seller=Seller(name=seller["name"], lines=tuple(seller["lines"]), tax_id=seller["tax_id"],
                          email=seller["email"], phone=seller["phone"], bank=seller["bank"],
                          logo=logo[1] if logo else None, logo_type=logo[0] if logo else None),
            billing=Party(billing["name"], tuple(billing["lines"]), email=billing.get("email"),
                          phone=billing.get("phone")),
            shipping=Party(ship_to["name"], tuple(ship_to["lines"])),
            lines=tuple(DocLine(r.sku, r.description, r.quantity, r.unit_price_minor, r.discount_minor,
                                r.tax_rate_bp, r.net_minor, r.tax_minor) for r in lines[invoice_id]),
            shipping_minor=h.shipping_minor, shipping_tax_rate_bp=h.shipping_tax_rate_bp,
            shipping_tax_minor=h.shipping_tax_minor, subtotal_minor=h.subtotal_minor,
            discount_minor=h.discount_minor, tax_minor=h.tax_minor, total_minor=h.total_minor,
            taxes=_taxes(lines[invoice_id], h),
            promo_code=h.promo_code, payment_terms=h.payment_terms, footer=h.footer,
            due_date=date.fromisoformat(h.due_date) if h.due_date else None,
            refers_to=refers.get(h.credits_invoice_id), reason=h.reason))
    return out


def _taxes(lines, header) -> tuple[TaxRow, ...]:
    """The stored document's tax breakdown, by the domain's one rule."""
    part = Part(header.method, tuple(PartLine(r.order_line_id, r.sku, r.description, r.quantity, r.unit_price_minor,
                                              r.discount_minor, r.tax_rate_bp, r.net_minor, r.tax_minor)
                                     for r in lines),
                header.shipping_minor, header.shipping_tax_rate_bp, header.shipping_tax_minor)
    return tuple(TaxRow(rate, net, tax) for rate, net, tax in part.taxes())


def find_documents(db, numbers: list[str]) -> list[InvoiceDoc]:
    """Issued invoices or credit notes by their numbers (NotFound names the first unknown)."""
    with db.read() as connection:
        ids = []
        for number in numbers:
            number = clean_text(number, "an invoice number", max_length=100) or ""
            row = documents.invoice_by_number(connection, number)
            if row is None:
                raise NotFound(f"no invoice or credit note {shown(number)}")
            ids.append(row.id)
        return load_documents(connection, ids)


def issue_credit_note(db, invoice_number: str, wants: list[CreditWant] | None, stamp: Stamp, *,
                      with_shipping: bool = False, reason: str | None = None, check=None) -> Issued:
    """Credit (part of) an issued invoice with a credit note of its own gapless series."""
    reason = clean_text(reason, "--reason", max_length=500)
    invoice_number = clean_text(invoice_number, "INVOICE", max_length=100) or ""
    with db.write() as connection:
        profile, year = _credit_series(connection, stamp)
        invoice = documents.invoice_by_number(connection, invoice_number)
        if invoice is None:
            raise NotFound(f"no invoice {shown(invoice_number)}")
        if invoice.kind != "invoice":
            raise Refused(f"{invoice.number} is a credit note: a credit note credits an invoice")
        doc = _credit(connection, profile, year, invoice, wants, stamp, with_shipping=with_shipping, reason=reason)
        if check is not None:
            check([doc], profile)
        return Issued(doc, True)


def _credit_series(connection, stamp: Stamp) -> tuple[Profile, int]:
    profile = load_profile(connection)
    year = stamp.at.year if profile.yearly_reset else 0
    documents.lock_series(connection, "credit_note", year)
    return profile, year


def _invoiced_lines(connection, invoice_id: int) -> list[InvoicedLine]:
    credited = {r.credited_line_id: (r.units, r.net, r.tax) for r in documents.credited_per_line(connection, invoice_id)}
    return [InvoicedLine(r.id, r.sku, r.description, r.quantity, r.unit_price_minor, r.discount_minor,
                         r.tax_rate_bp, r.net_minor, r.tax_minor, r.order_line_id, *credited.get(r.id, (0, 0, 0)))
            for r in documents.lines_of_invoices(connection, [invoice_id])]


def _credit(connection, profile: Profile, year: int, invoice, wants, stamp: Stamp, *, with_shipping: bool,
            reason: str | None, units: dict[int, int] | None = None, return_id: int | None = None) -> InvoiceDoc:
    """Issue one credit note for `invoice` in the caller's transaction (the series locked)."""
    ship_done = documents.credited_shipping(connection, invoice.id)
    part = plan_credit(invoice.number, _invoiced_lines(connection, invoice.id), wants, with_shipping=with_shipping,
                       shipping=Shipping(invoice.shipping_minor, invoice.shipping_tax_rate_bp,
                                         invoice.shipping_tax_minor, ship_done.net, ship_done.tax), units=units)
    part = replace(part, method=invoice.method)
    require_invoicing(profile, part.tax_minor != 0, doing="issue a credit note")
    seq = documents.take_number(connection, "credit_note", year)
    number = profile.number("credit_note", year, seq)
    order = next(iter(documents.orders_for_billing(connection, [invoice.order_id])))
    credit_id = _insert(connection, _header(
        part, kind="credit_note", number=number, year=year, seq=seq, order=order,
        profile=replace(profile, invoice_policy=invoice.policy),
        title=title_of("credit_note", order.id, invoice.method, 1, invoice.number), seller=_seller_json(profile),
        billing=invoice.billing, ship_to=invoice.ship_to, stamp=stamp, due=None, credits=invoice.id,
        reason=reason, return_id=return_id))
    documents.insert_lines(connection, _lines(credit_id, part))
    return load_documents(connection, [credit_id])[0]


def credit_return(connection, order_id: int, excess: dict[int, int], stamp: Stamp, *, with_shipping: bool,
                  reason: str, return_id: int, check=None) -> list[InvoiceDoc]:
    """Credit notes for what a return brings back, in the caller's transaction: `excess` (order
    line -> units) is what invoices cover beyond what the customer keeps; those units are
    credited on the invoices that have them, the latest invoice first, one credit note per
    invoice; with `with_shipping`, the shipping charge too, on the invoice that has it."""
    if not any(units > 0 for units in excess.values()) and not with_shipping:
        return []
    profile, year = _credit_series(connection, stamp)
    invoices = sorted((row for row in documents.invoices_of_orders(connection, [order_id]) if row.kind == "invoice"),
                      key=lambda row: row.id, reverse=True)
    left = {line: units for line, units in excess.items() if units > 0}
    plans: list[tuple[object, dict[int, int], bool]] = []
    shipping_taken = not with_shipping
    for invoice in invoices:
        asked: dict[int, int] = {}
        for line in _invoiced_lines(connection, invoice.id):
            want = left.get(line.order_line_id, 0) if line.order_line_id is not None else 0
            part = min(want, line.creditable)
            if part > 0:
                asked[line.id] = part
                left[line.order_line_id] -= part
        ship = False
        if not shipping_taken:
            done = documents.credited_shipping(connection, invoice.id)
            if invoice.shipping_minor - done.net > 0:
                ship = shipping_taken = True
        if asked or ship:
            plans.append((invoice, asked, ship))
    docs = [_credit(connection, profile, year, invoice, [], stamp, with_shipping=ship, reason=reason, units=asked,
                    return_id=return_id) for invoice, asked, ship in reversed(plans)]
    if check is not None and docs:
        check(docs, profile)
    return docs


def invoiced_beyond(connection, order_id: int, removed: dict[int, int]) -> list[str]:
    """The invoices (fulfilled policy) that would cover more than stays handed over if the
    units `removed` (order line -> units) were no longer handed over: what a deleted shipment
    must be credited on first. Empty when nothing is in the way."""
    invoiced = {r.order_line_id: r.units for r in documents.invoiced_per_line(connection, [order_id], "fulfilled")}
    if not any(invoiced.get(line, 0) > 0 for line in removed):
        return []
    handed = {r.order_line_id: r.units for r in documents.handed_over_per_line(connection, [order_id])}
    back = returns.back_per_line(connection, [order_id])  # units that came back are no longer the customer's
    short = [line for line, units in removed.items()
             if invoiced.get(line, 0) > handed.get(line, 0) - back.get(line, 0) - units]
    if not short:
        return []
    numbers = []
    ids = [row.id for row in documents.invoices_of_orders(connection, [order_id]) if row.kind == "invoice"]
    for row in documents.lines_of_invoices(connection, ids):
        if row.order_line_id in short:
            numbers.append(row.invoice_id)
    return [row.number for row in documents.invoices_by_id(connection, sorted(set(numbers)))]


def select_orders(db, statuses: list[str], since: datetime | None) -> list[int]:
    with db.read() as connection:
        return documents.select_orders(connection, statuses, since)


__all__ = ["Issued", "InvoiceRun", "invoice_orders", "issue_credit_note", "credit_return", "find_documents", "load_documents",
           "invoiced_beyond", "select_orders", "METHOD_TITLES"]
