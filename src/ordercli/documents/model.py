"""What a document says, as plain frozen data: the renderers draw these and nothing else.

An issued invoice is stored with everything it shows (seller, buyer, lines, taxes), so the
same stored invoice always becomes the same `InvoiceDoc`, and the same PDF bytes.
Amounts are integers of the currency's minor unit; the renderer formats them for `locale`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Party:
    """A name and an address as printed: `lines` are the address lines below the name."""

    name: str
    lines: tuple[str, ...] = ()
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Seller:
    name: str
    lines: tuple[str, ...]  # the address, line by line
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    bank: str | None = None  # bank details as printed (IBAN, BIC, ...), may hold line breaks
    logo: bytes | None = None  # PNG or SVG bytes
    logo_type: str | None = None  # "png" or "svg"


@dataclass(frozen=True)
class DocLine:
    """One line of an invoice or credit note. A credit note's quantities and amounts are
    negative: it negates what it credits."""

    sku: str
    description: str
    quantity: int
    unit_price_minor: int
    discount_minor: int  # the line's discount and its share of the order discount
    tax_rate_bp: int
    net_minor: int
    tax_minor: int

    @property
    def total_minor(self) -> int:
        return self.net_minor + self.tax_minor


@dataclass(frozen=True)
class TaxRow:
    """The tax breakdown: per rate, the net it applies to and the tax."""

    rate_bp: int
    net_minor: int
    tax_minor: int


@dataclass(frozen=True)
class InvoiceDoc:
    kind: str  # "invoice" or "credit_note"
    number: str
    issued_at: datetime  # UTC; also the PDF's creation date, so a render is reproducible
    order_number: int
    order_placed_at: datetime
    method: str  # the delivery method this part covers: ship, pickup, download, hand_over, service
    title: str  # e.g. "Invoice INV-2026-000012 (home delivery, part 1 of 2 of order 42)"
    currency: str
    locale: str  # e.g. "en_US", "de_DE": money and dates are formatted for it (Babel)
    seller: Seller
    billing: Party
    shipping: Party
    lines: tuple[DocLine, ...]
    shipping_minor: int  # the delivery charge on this document, net
    shipping_tax_rate_bp: int
    shipping_tax_minor: int
    subtotal_minor: int  # sum of the lines' net
    discount_minor: int  # discounts included in the lines' net (shown for information)
    tax_minor: int
    total_minor: int
    taxes: tuple[TaxRow, ...]
    promo_code: str | None = None
    payment_terms: str | None = None
    footer: str | None = None
    due_date: date | None = None
    refers_to: str | None = None  # a credit note: the invoice number it credits
    reason: str | None = None  # a credit note: why


@dataclass(frozen=True)
class SlipLine:
    sku: str
    description: str
    quantity: int


@dataclass(frozen=True)
class PackingSlipDoc:
    """What is in one shipment, for the parcel: no prices."""

    shipment_number: int
    order_number: int
    created_at: datetime  # the shipment's creation: the PDF's creation date
    method: str
    ship_to: Party
    sender: Seller | None
    lines: tuple[SlipLine, ...]
    parcels: int | None = None
    carrier: str | None = None
    tracking: str | None = None
    locale: str = "en_US"


@dataclass(frozen=True)
class LabelDoc:
    """An address label: 4x6 in or A6, one per parcel."""

    shipment_number: int
    order_number: int
    created_at: datetime
    sender: Seller
    recipient: Party
    barcode: str  # the tracking number, or the shipment number
    carrier: str | None = None
    parcels: int = 1
    size: str = "4x6"  # "4x6" or "a6"


@dataclass(frozen=True)
class PickFor:
    order_number: int
    quantity: int


@dataclass(frozen=True)
class PickItem:
    sku: str
    description: str
    quantity: int  # summed over the orders
    orders: tuple[PickFor, ...]


@dataclass(frozen=True)
class PickGroup:
    location: str
    items: tuple[PickItem, ...]


@dataclass(frozen=True)
class PickListDoc:
    created_at: datetime
    groups: tuple[PickGroup, ...]
    title: str = "Pick list"
    note: str | None = None  # e.g. the selection: "status ready_to_ship at Main"
    orders: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class ReturnSlipLine:
    sku: str
    description: str
    quantity: int


@dataclass(frozen=True)
class ReturnSlipDoc:
    """A return (RMA): what comes back, from whom, to whom, and why; it goes in the parcel
    the customer sends back, its barcode (`barcode`, e.g. RMA-12) read at the goods-in desk."""

    return_number: int
    order_number: int
    requested_at: datetime  # the PDF's creation date
    kind: str  # "return" or "exchange"
    reason: str
    customer: Party  # who sends the goods back: the order's shipping name and address
    return_to: Seller | None  # the seller (the company profile), when there is one
    lines: tuple[ReturnSlipLine, ...]
    barcode: str
    replacement_order: int | None = None  # an exchange: the order that sends the replacement
    locale: str = "en_US"
