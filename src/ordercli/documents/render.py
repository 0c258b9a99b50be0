"""ordercli's documents as PDF bytes: invoices and credit notes, packing slips, shipping labels
and pick lists, drawn from the frozen view models of `ordercli.documents.model`.

Every function takes the documents' data and nothing else (no clock, no database), and the
PDF's creation date comes from the document, so the same document always gives the same
bytes. Text a customer typed is printed as data: no markdown, no format strings, no page
number alias. Every character is checked against the fonts before anything is drawn.

Usage: `render_invoices(docs)` for many invoices, one file each; it lays them all out in one
fpdf2 document and splits that with pypdf, which is about 15 times faster than a document
per invoice (see bench/invoices.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
import dataclasses
from datetime import datetime
from pathlib import Path

from fpdf.enums import XPos, YPos

from ordercli.documents import fonts
from ordercli.documents.model import (InvoiceDoc, LabelDoc, Party, PackingSlipDoc, PickItem, PickListDoc, ReturnSlipDoc,
                                      Seller)
from ordercli.documents.pdf import (INK, MUTED, Column, DocumentPDF, Formats, Furniture, Part, RowTable,
                                    check_locale, check_logo, code128_modules, lines_of, split, texts_of,
                                    timestamp, utc)
from ordercli.domain.errors import InvalidData

__all__ = [
    "check_fallback_font", "check_locale", "check_logo", "check_printable", "join_pdfs", "render_invoice",
    "render_invoices", "render_invoices_combined", "render_label", "render_packing_slip", "render_pick_list",
    "warm_fonts",
]

warm_fonts = fonts.warm_fonts
check_fallback_font = fonts.check_fallback_font

LABEL_SIZES = {"4x6": (101.6, 152.4), "a6": (105.0, 148.0)}
MAX_PARCELS = 999
METHODS = {"ship": "Shipping", "pickup": "Pickup", "download": "Download", "hand_over": "Hand over",
           "service": "Service"}
KINDS = {"invoice": "Invoice", "credit_note": "Credit note"}


# --- public API ------------------------------------------------------------------------------

def render_invoice(doc: InvoiceDoc, *, fallback_font: Path | None = None) -> bytes:
    """One invoice or credit note as a PDF."""
    return render_invoices_combined([doc], fallback_font=fallback_font)


def render_invoices(docs: Sequence[InvoiceDoc], *, fallback_font: Path | None = None) -> list[bytes]:
    """One PDF per invoice, in order. All are laid out as pages of one document (the fonts are
    parsed and subset once), then split into one file each."""
    if not docs:
        return []
    pdf, parts = _invoice_pages(docs, fallback_font)
    return split(pdf.finish(), parts)


def render_invoices_combined(docs: Sequence[InvoiceDoc], *, fallback_font: Path | None = None) -> bytes:
    """All the invoices in one PDF (for stdout, one --out FILE or a printer), each numbering its own pages."""
    if not docs:
        raise InvalidData("no invoices to print")
    pdf, _ = _invoice_pages(docs, fallback_font)
    return pdf.finish()


def render_packing_slip(doc: PackingSlipDoc, *, fallback_font: Path | None = None) -> bytes:
    """A packing slip: what is in the shipment, without prices, with its number as a barcode."""
    pdf = _document_pdf(doc.created_at, f"Packing slip, shipment {doc.shipment_number}",
                        doc.sender.name if doc.sender else "", fallback_font)
    _draw_packing_slip(pdf, doc)
    return pdf.finish()


def render_return_slip(doc: ReturnSlipDoc, *, fallback_font: Path | None = None) -> bytes:
    """A return slip: what comes back, from whom, to whom and why, with the return's number as a barcode."""
    pdf = _document_pdf(doc.requested_at, f"Return slip, return {doc.return_number}",
                        doc.return_to.name if doc.return_to else "", fallback_font)
    _draw_return_slip(pdf, doc)
    return pdf.finish()


def render_label(doc: LabelDoc, *, fallback_font: Path | None = None) -> bytes:
    """A shipping label, 4x6 in or A6, one page per parcel ("Parcel 2 of 3")."""
    size = LABEL_SIZES.get(doc.size.lower()) if isinstance(doc.size, str) else None
    if size is None:
        raise InvalidData(f"unknown label size {doc.size!r} (use {' or '.join(LABEL_SIZES)})")
    if not 1 <= doc.parcels <= MAX_PARCELS:
        raise InvalidData(f"a shipment's labels are for 1 to {MAX_PARCELS} parcels, not {doc.parcels}")
    pdf = _document_pdf(doc.created_at, f"Label, shipment {doc.shipment_number}", doc.sender.name,
                        fallback_font, page_format=size, margin=5)
    _draw_labels(pdf, doc)
    return pdf.finish()


def render_pick_list(doc: PickListDoc, *, fallback_font: Path | None = None) -> bytes:
    """A pick list: per location, what to take off the shelves and for which orders, with boxes to tick."""
    pdf = _document_pdf(doc.created_at, doc.title, "", fallback_font)
    _draw_pick_list(pdf, doc)
    return pdf.finish()


def check_printable(docs: object | Iterable[object], *, fallback_font: Path | None = None) -> None:
    """Refuse documents (one or a sequence) with characters the fonts cannot print, before
    anything is drawn or numbered; the message names the characters."""
    coverage = fonts.coverage(fallback_font)
    for doc in [docs] if dataclasses.is_dataclass(docs) else docs:
        if isinstance(doc, InvoiceDoc) and doc.kind not in KINDS:
            raise InvalidData(f"unknown document kind {doc.kind!r} (use {' or '.join(KINDS)})")
        coverage.check(_printed_texts(doc), _what(doc))


def join_pdfs(pdfs: Sequence[bytes]) -> bytes:
    """Several PDFs as one, page after page (packing slips of one order, to print at once)."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    writer.add_metadata({"/Producer": "ordercli", "/Creator": "ordercli"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- shared ---------------------------------------------------------------------------------

def _document_pdf(created: datetime, title: str, author: str, fallback_font: Path | None,
                  **page) -> DocumentPDF:
    pdf = DocumentPDF(fallback_font=fallback_font, **page)
    pdf.set_creation_date(utc(created))
    pdf.set_title(title)
    if author:
        pdf.set_author(author)
    return pdf


def _what(doc: object) -> str | None:
    if isinstance(doc, InvoiceDoc):
        # the order, not the number: a refused document is never issued, its number not taken
        return f"{KINDS.get(doc.kind, 'Invoice').lower()} of order {doc.order_number}"
    if isinstance(doc, PackingSlipDoc):
        return f"packing slip of shipment {doc.shipment_number}"
    if isinstance(doc, LabelDoc):
        return f"label of shipment {doc.shipment_number}"
    if isinstance(doc, ReturnSlipDoc):
        return f"return slip of return {doc.return_number}"
    if isinstance(doc, PickListDoc):
        return "pick list"
    return None


def _printed_texts(doc: object) -> Iterator[str]:
    """The document's own text, and amounts and dates as its locale writes them (a currency
    sign or a separator can be a character the font lacks)."""
    yield from texts_of(doc)
    if isinstance(doc, InvoiceDoc):
        formats = Formats(doc.locale)
        yield formats.money(-123456789, doc.currency)
        yield formats.rate(1950)
        yield formats.number(-1234567)
        yield formats.day(doc.issued_at)
        if doc.due_date:
            yield formats.day(doc.due_date)
    elif isinstance(doc, PackingSlipDoc):
        formats = Formats(doc.locale)
        yield formats.number(1234567)
        yield formats.day(doc.created_at)
    elif isinstance(doc, ReturnSlipDoc):
        formats = Formats(doc.locale)
        yield formats.number(1234567)
        yield formats.day(doc.requested_at)


def _method(code: str) -> str:
    return METHODS.get(code, code.replace("_", " ").capitalize())


def _party_lines(party: Party, *, tax_id: bool = False, phone: bool = False) -> list[str]:
    lines = list(party.lines)
    if tax_id and party.tax_id:
        lines.append(f"Tax ID {party.tax_id}")
    if phone and party.phone:
        lines.append(party.phone)
    return lines


def _seller_foot(seller: Seller, footer: str | None = None) -> tuple[str, ...]:
    """The seller's particulars for the foot of every page: footer text, then one line of
    name, tax id, bank, email and phone."""
    facts = [seller.name]
    if seller.tax_id:
        facts.append(f"Tax ID {seller.tax_id}")
    facts += lines_of(seller.bank)
    facts += [text for text in (seller.email, seller.phone) if text]
    return (*lines_of(footer), " · ".join(facts))


def _letterhead(pdf: DocumentPDF, seller: Seller | None) -> None:
    """Logo at the top left, the seller's name and address at the top right."""
    top = pdf.t_margin
    bottom = top
    if seller is not None and seller.logo:
        _, h = pdf.logo(seller.logo, pdf.l_margin, top, 60, 22)
        bottom = top + h
    if seller is not None:
        width = 85
        pdf.set_xy(pdf.w - pdf.r_margin - width, top)
        pdf.style(10.5, bold=True)
        pdf.block(width, 5, seller.name, align="R")
        pdf.style(8.5, color=MUTED)
        facts = list(seller.lines) + ([f"Tax ID {seller.tax_id}"] if seller.tax_id else [])
        pdf.lines(facts, width, 3.9, align="R")
        bottom = max(bottom, pdf.y)
    pdf.set_xy(pdf.l_margin, bottom + 7)


def _caption(pdf: DocumentPDF, text: str, width: float) -> None:
    pdf.style(7, bold=True, color=MUTED)
    pdf.block(width, 3.6, text.upper())


def _address_block(pdf: DocumentPDF, caption: str, party: Party, lines: list[str], x: float, y: float,
                   width: float) -> float:
    """A captioned address; returns where it ends."""
    pdf.set_xy(x, y)
    _caption(pdf, caption, width)
    pdf.style(9.5, bold=True)
    pdf.block(width, 4.6, party.name)
    pdf.style(9)
    pdf.lines(lines, width, 4.3)
    return pdf.y


def _facts_block(pdf: DocumentPDF, facts: Sequence[tuple[str, str]], x: float, y: float, width: float) -> float:
    """Label and value pairs, the values right-aligned; returns where they end."""
    label_width = 30
    pdf.set_xy(x, y)
    for label, value in facts:
        row_top = pdf.y
        pdf.style(8, color=MUTED)
        pdf.set_xy(x, row_top)
        pdf.block(label_width, 4.4, label)
        label_bottom = pdf.y
        pdf.style(8.5)
        pdf.set_xy(x + label_width, row_top)
        pdf.block(width - label_width, 4.4, value, align="R")
        pdf.set_xy(x, max(label_bottom, pdf.y))
    return pdf.y


def _title(pdf: DocumentPDF, text: str) -> None:
    pdf.set_x(pdf.l_margin)
    pdf.style(16, bold=True)
    pdf.block(pdf.epw, 7.5, text)
    pdf.ln(3)


# --- invoices ---------------------------------------------------------------------------------

INVOICE_COLUMNS = (Column("SKU", 24), Column("Description", 58), Column("Qty", 12, "R"),
                   Column("Unit price", 23, "R"), Column("Discount", 21, "R"), Column("Tax", 13, "R"),
                   Column("Total", 27, "R"))
SLIP_COLUMNS = (Column("SKU", 36), Column("Description", 118), Column("Quantity", 24, "R"))
PICK_COLUMNS = (Column("", 9, checkbox=True), Column("SKU", 32), Column("Description", 77),
                Column("Quantity", 18, "R"), Column("For orders", 42))


def _invoice_pages(docs: Sequence[InvoiceDoc], fallback_font: Path | None) -> tuple[DocumentPDF, list[Part]]:
    """Every invoice as pages of one document, and where each one's pages are."""
    check_printable(list(docs), fallback_font=fallback_font)
    first = docs[0]
    title = first.title if len(docs) == 1 else f"{len(docs)} invoices, {first.number} to {docs[-1].number}"
    pdf = _document_pdf(max(utc(doc.issued_at) for doc in docs), title, first.seller.name, fallback_font)
    formats: dict[str, Formats] = {}
    parts = []
    for doc in docs:
        locale_formats = formats.get(doc.locale) or formats.setdefault(doc.locale, Formats(doc.locale))
        start = pdf.begin_document(Furniture(foot=_seller_foot(doc.seller, doc.footer),
                                             running_head=f"{KINDS[doc.kind]} {doc.number}"
                                                          f" · {doc.seller.name}"))
        _draw_invoice(pdf, doc, locale_formats)
        stop = pdf.end_document()
        parts.append(Part(start, stop, doc.title, doc.seller.name, doc.issued_at))
    return pdf, parts


def _draw_invoice(pdf: DocumentPDF, doc: InvoiceDoc, formats: Formats) -> None:
    _letterhead(pdf, doc.seller)
    _title(pdf, doc.title)
    top = pdf.y
    address, facts = 52, pdf.epw - 2 * 52 - 10
    ends = [
        _address_block(pdf, "Bill to", doc.billing, _party_lines(doc.billing, tax_id=True),
                       pdf.l_margin, top, address),
        _address_block(pdf, "Ship to", doc.shipping, _party_lines(doc.shipping, phone=True),
                       pdf.l_margin + address + 4, top, address),
        _facts_block(pdf, _invoice_facts(doc, formats), pdf.w - pdf.r_margin - facts, top, facts),
    ]
    pdf.set_xy(pdf.l_margin, max(ends) + 6)
    if doc.reason:
        pdf.style(9)
        pdf.block(pdf.epw, 4.4, f"Reason: {doc.reason}")
        pdf.ln(3)
    _invoice_lines(pdf, doc, formats)
    _invoice_totals(pdf, doc, formats)
    _invoice_closing(pdf, doc)


def _invoice_facts(doc: InvoiceDoc, formats: Formats) -> list[tuple[str, str]]:
    kind = KINDS[doc.kind]
    facts = [(f"{kind} no.", doc.number), (f"{kind} date", formats.day(doc.issued_at))]
    if doc.due_date:
        facts.append(("Due date", formats.day(doc.due_date)))
    if doc.refers_to:
        facts.append(("Credits invoice", doc.refers_to))
    facts += [("Order", f"#{doc.order_number}"), ("Order date", formats.day(doc.order_placed_at)),
              ("Delivery", _method(doc.method))]
    return facts


def _invoice_lines(pdf: DocumentPDF, doc: InvoiceDoc, formats: Formats) -> None:
    money = formats.money
    table = RowTable(pdf, INVOICE_COLUMNS)
    for line in doc.lines:
        table.row([
            line.sku,
            line.description,
            formats.number(line.quantity),
            money(line.unit_price_minor, doc.currency),
            money(-line.discount_minor, doc.currency) if line.discount_minor else "",
            formats.rate(line.tax_rate_bp),
            money(line.net_minor, doc.currency),
        ])
    pdf.ln(4)


def _invoice_totals(pdf: DocumentPDF, doc: InvoiceDoc, formats: Formats) -> None:
    """Subtotal, the discount it includes, shipping, tax per rate and the total, kept on one page."""
    def money(minor: int) -> str:
        return formats.money(minor, doc.currency)

    rows = [("Subtotal (net)", money(doc.subtotal_minor))]
    if doc.discount_minor:
        rows.append(("Discounts included", money(-doc.discount_minor)))
    if doc.shipping_minor:
        rows.append((f"Shipping (net, tax {formats.rate(doc.shipping_tax_rate_bp)})", money(doc.shipping_minor)))
    for tax in doc.taxes:
        rows.append((f"Tax {formats.rate(tax.rate_bp)} on {money(tax.net_minor)}", money(tax.tax_minor)))
    if not doc.taxes and doc.tax_minor:
        rows.append(("Tax", money(doc.tax_minor)))
    height = len(rows) * 5 + 9
    pdf.keep_together(height)
    width, amount_width = 100, 32
    x = pdf.w - pdf.r_margin - width
    for label, amount in rows:
        pdf.set_x(x)
        pdf.style(8.5, color=MUTED)
        pdf.cell(width - amount_width, 5, label, align="R", markdown=False)
        pdf.style(8.5)
        pdf.cell(amount_width, 5, amount, align="R", markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(x, pdf.y + 1, x + width, pdf.y + 1)
    pdf.set_xy(x, pdf.y + 2)
    pdf.style(11, bold=True)
    pdf.cell(width - amount_width, 6.5, "Total", align="R", markdown=False)
    pdf.cell(amount_width, 6.5, money(doc.total_minor), align="R", markdown=False,
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _invoice_closing(pdf: DocumentPDF, doc: InvoiceDoc) -> None:
    """Promo code and payment terms under the totals."""
    for label, text in (("Promo code", doc.promo_code), ("Payment terms", doc.payment_terms)):
        if not text:
            continue
        pdf.keep_together(9)
        _caption(pdf, label, pdf.epw)
        pdf.style(9)
        pdf.block(pdf.epw, 4.4, text)
        pdf.ln(2.5)


# --- packing slips ----------------------------------------------------------------------------

def _draw_packing_slip(pdf: DocumentPDF, doc: PackingSlipDoc) -> None:
    pdf.check_printable(_printed_texts(doc), _what(doc))
    formats = Formats(doc.locale)
    foot = _seller_foot(doc.sender) if doc.sender else ()
    pdf.begin_document(Furniture(foot=foot, running_head=f"Packing slip · shipment {doc.shipment_number}"
                                                         f" · order #{doc.order_number}"))
    _letterhead(pdf, doc.sender)
    top = _slip_title(pdf, "Packing slip", str(doc.shipment_number))
    half = (pdf.epw - 8) / 2
    facts = [("Shipment", str(doc.shipment_number)), ("Order", f"#{doc.order_number}"),
             ("Date", formats.day(doc.created_at)), ("Method", _method(doc.method))]
    if doc.carrier:
        facts.append(("Carrier", doc.carrier))
    if doc.tracking:
        facts.append(("Tracking", doc.tracking))
    if doc.parcels:
        facts.append(("Parcels", formats.number(doc.parcels)))
    ends = [
        _address_block(pdf, "Ship to", doc.ship_to, _party_lines(doc.ship_to, phone=True), pdf.l_margin, top, half),
        _facts_block(pdf, facts, pdf.l_margin + half + 8, top, half),
    ]
    pdf.set_xy(pdf.l_margin, max(ends) + 6)
    _slip_units(pdf, doc.lines, formats)


def _slip_title(pdf: DocumentPDF, title: str, barcode: str) -> float:
    """A slip's title with its barcode at the right; returns where what follows starts."""
    top = pdf.y
    barcode_width = 64
    pdf.code128(barcode, pdf.w - pdf.r_margin - barcode_width, top, barcode_width, 12, module=0.4, align="R")
    pdf.set_xy(pdf.l_margin, top)
    pdf.style(16, bold=True)
    pdf.block(pdf.epw - barcode_width - 4, 7.5, title)
    return max(pdf.y + 3, top + 12 + 8)


def _slip_units(pdf: DocumentPDF, lines, formats: Formats) -> None:
    """What is in the parcel, line by line, and how many units in all."""
    table = RowTable(pdf, SLIP_COLUMNS, size=9)
    for line in lines:
        table.row([line.sku, line.description, formats.number(line.quantity)])
    pdf.ln(3)
    quantity = SLIP_COLUMNS[-1].width
    pdf.set_x(pdf.l_margin + table.width - quantity - 40)
    pdf.style(9, bold=True)
    pdf.cell(40, 5, "Units", align="R", markdown=False)
    pdf.cell(quantity, 5, formats.number(sum(line.quantity for line in lines)), align="R", markdown=False,
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _draw_return_slip(pdf: DocumentPDF, doc: ReturnSlipDoc) -> None:
    pdf.check_printable(_printed_texts(doc), _what(doc))
    code128_modules(doc.barcode)  # a bad barcode text fails before any page is drawn
    formats = Formats(doc.locale)
    foot = _seller_foot(doc.return_to) if doc.return_to else ()
    pdf.begin_document(Furniture(foot=foot, running_head=f"Return slip · return {doc.return_number}"
                                                         f" · order #{doc.order_number}"))
    _letterhead(pdf, doc.return_to)
    top = _slip_title(pdf, "Exchange slip" if doc.kind == "exchange" else "Return slip", doc.barcode)
    half = (pdf.epw - 8) / 2
    facts = [("Return", doc.barcode), ("Order", f"#{doc.order_number}"), ("Date", formats.day(doc.requested_at))]
    if doc.replacement_order is not None:
        facts.append(("Replacement", f"order #{doc.replacement_order}"))
    ends = [
        _address_block(pdf, "From", doc.customer, _party_lines(doc.customer, phone=True), pdf.l_margin, top, half),
        _facts_block(pdf, facts, pdf.l_margin + half + 8, top, half),
    ]
    y = max(ends) + 4
    if doc.return_to is not None:
        y = _address_block(pdf, "Send to", Party(doc.return_to.name, doc.return_to.lines),
                           list(doc.return_to.lines), pdf.l_margin, y, half) + 4
    pdf.set_xy(pdf.l_margin, y)
    _caption(pdf, "Reason", pdf.epw)
    pdf.style(10)
    pdf.block(pdf.epw, 5, doc.reason)
    pdf.ln(4)
    _slip_units(pdf, doc.lines, formats)
    pdf.ln(6)
    pdf.style(9, color=MUTED)
    pdf.block(pdf.epw, 4.5, f"Put this slip in the parcel with the goods, and write {doc.barcode} on the outside. "
                            "The goods are checked when they arrive; the refund follows the inspection.")


# --- labels -----------------------------------------------------------------------------------

def _draw_labels(pdf: DocumentPDF, doc: LabelDoc) -> None:
    pdf.check_printable(texts_of(doc), _what(doc))
    code128_modules(doc.barcode)  # a bad barcode text fails before any page is drawn
    for parcel in range(1, doc.parcels + 1):
        pdf.begin_document(Furniture(numbered=False))
        pdf.set_auto_page_break(False)  # everything is placed; the bottom block sits in the margin's reach
        _draw_label(pdf, doc, parcel)
        pdf.end_document()


def _draw_label(pdf: DocumentPDF, doc: LabelDoc, parcel: int) -> None:
    """Sender small at the top, recipient large, then carrier, numbers, barcode and parcel
    count anchored to the bottom edge, where a scanner and a sorter look for them."""
    left, width = pdf.l_margin, pdf.epw
    pdf.set_xy(left, pdf.t_margin)
    _caption(pdf, "From", width)
    pdf.style(8, bold=True)
    pdf.block(width, 3.6, doc.sender.name)
    pdf.style(7.5)
    pdf.lines(doc.sender.lines, width, 3.3)
    pdf.ln(1.5)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.4)
    pdf.line(left, pdf.y, left + width, pdf.y)
    recipient_top = pdf.y + 2.5

    parcel_top = pdf.h - pdf.t_margin - 8
    barcode_height = 22
    barcode_top = parcel_top - 5.5 - barcode_height - 2
    facts_top = barcode_top - 12.5
    pdf.line(left, facts_top - 2, left + width, facts_top - 2)

    _fit_recipient(pdf, doc.recipient, left, recipient_top, width, facts_top - 4 - recipient_top)

    pdf.set_xy(left, facts_top)
    pdf.style(12, bold=True)
    pdf.cell(width, 5.5, doc.carrier or "", markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(9)
    pdf.cell(width, 4.5, f"Order #{doc.order_number} · Shipment {doc.shipment_number}", markdown=False)
    pdf.code128(doc.barcode, left, barcode_top, width, barcode_height, module=0.5, caption_size=10, align="C")
    pdf.set_xy(left, parcel_top)
    pdf.style(14, bold=True)
    pdf.cell(width, 7, f"Parcel {parcel} of {doc.parcels}", align="C", markdown=False)


def _fit_recipient(pdf: DocumentPDF, recipient: Party, x: float, y: float, width: float, room: float) -> None:
    """The recipient as large as fits in the room between the sender and the barcode."""
    lines = _party_lines(recipient, phone=True)
    for name_size, line_size in ((16, 13), (14, 11.5), (12, 10), (10, 8.5), (8, 7)):
        name_h, line_h = name_size * 0.45, line_size * 0.45
        pdf.style(name_size, bold=True)
        needed = pdf.measure(width, name_h, recipient.name)
        pdf.style(line_size)
        needed += sum(pdf.measure(width, line_h, text) for text in lines)
        if needed + 4 <= room:
            break
    else:
        raise InvalidData(f"the recipient's address is too long to fit on a {pdf.w:g} x {pdf.h:g} mm label")
    pdf.set_xy(x, y)
    _caption(pdf, "To", width)
    pdf.style(name_size, bold=True)
    pdf.block(width, name_h, recipient.name)
    pdf.style(line_size)
    pdf.lines(lines, width, line_h)


# --- pick lists -------------------------------------------------------------------------------

def _draw_pick_list(pdf: DocumentPDF, doc: PickListDoc) -> None:
    pdf.check_printable(texts_of(doc), _what(doc))
    pdf.begin_document(Furniture(running_head=f"{doc.title} · {timestamp(doc.created_at)}"))
    _title(pdf, doc.title)
    pdf.style(9, color=MUTED)
    pdf.block(pdf.epw, 4.4, f"Created {timestamp(doc.created_at)}")
    if doc.note:
        pdf.style(9)
        pdf.block(pdf.epw, 4.4, doc.note)
    if doc.orders:
        pdf.style(9)
        pdf.block(pdf.epw, 4.4, "Orders: " + ", ".join(f"#{number}" for number in doc.orders))
    pdf.ln(4)
    if not doc.groups:
        pdf.style(10)
        pdf.cell(pdf.epw, 6, "Nothing to pick.", markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for group in doc.groups:
        pdf.keep_together(24)
        pdf.style(11, bold=True)
        pdf.block(pdf.epw, 6, f"Location: {group.location}")
        pdf.ln(1)
        table = RowTable(pdf, PICK_COLUMNS, size=9)
        for item in group.items:
            table.row(["", item.sku, item.description, str(item.quantity), _for_orders(item)])
        pdf.ln(5)


def _for_orders(item: PickItem) -> str:
    return ", ".join(f"#{wanted.order_number} ×{wanted.quantity}" for wanted in item.orders)


