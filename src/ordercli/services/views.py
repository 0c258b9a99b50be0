"""What services hand back to the command line: plain, immutable read models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ordercli.domain.money import Money
from ordercli.domain.orders import Address, ValidOrder


@dataclass(frozen=True)
class Stamp:
    """Who does something, with which command, and when (UTC): read at the edge, passed in."""

    actor: str
    command: str
    at: datetime


# An address reads back as the domain's own (immutable) Address.
AddressView = Address


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    email: str | None
    phone: str | None

    @classmethod
    def of_order(cls, row) -> CustomerView:
        """The customer as an order's row names them: its customer_id, and its own copy of the
        name, email and phone given with the order."""
        return cls(row.customer_id, row.customer_name, row.customer_email, row.customer_phone)


@dataclass(frozen=True)
class Promise:
    """Units of a line held for it at one location."""

    location: str
    quantity: int


@dataclass(frozen=True)
class LineView:
    line_no: int
    sku: str
    description: str
    kind: str
    quantity: int
    unit_price: Money
    discount: Money
    order_discount: Money
    tax_rate_bp: int
    net: Money
    tax: Money
    delivery_method: str
    waiting: int = 0  # units still waiting for stock (backordered)
    promised: tuple[Promise, ...] = ()
    shipped: int = 0  # units handed over by shipments that count
    returned: int = 0  # units back from the customer (returns received, or further)

    @property
    def total(self) -> Money:
        return self.net + self.tax


@dataclass(frozen=True)
class Verification:
    at: datetime
    by: str
    method: str
    note: str | None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    command: str
    event: str
    from_status: str | None
    to_status: str | None
    reason: str | None


@dataclass(frozen=True)
class OrderView:
    number: int
    status: str
    channel: str
    channel_ref: str | None
    currency: str
    placed_at: datetime
    updated_at: datetime
    customer: CustomerView
    billing: AddressView
    shipping: AddressView
    promo_code: str | None
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    note: str | None
    verification: Verification | None
    lines: tuple[LineView, ...]
    history: tuple[HistoryEntry, ...] = field(default=())
    shipments: tuple = field(default=())  # ShipmentView of services.fulfillment, oldest first
    shipping_charge: Money | None = None  # what the customer pays for delivery, net (None: nothing)
    shipping_tax_rate_bp: int = 0
    shipping_tax: Money | None = None
    returns: tuple = field(default=())  # ReturnView of services.returns: its returns and those it replaces
    appointments: tuple = field(default=())  # AppointmentView of services.appointments, by start


@dataclass(frozen=True)
class PlacedOrder:
    """What `create` did: placed `order`, or found it `existing` (a retry with the same channel
    reference and the same content), in which case nothing was written."""

    order: OrderView
    existing: bool


@dataclass(frozen=True)
class OrderPreview:
    """An order as `create` would store it now, before anything is written: the request
    normalized (`order`), its lines filled in from the catalogue and priced, and its totals."""

    order: ValidOrder
    lines: tuple[LineView, ...]
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    shipping_charge: Money | None = None  # net


@dataclass(frozen=True)
class OrderSummary:
    number: int
    placed_at: datetime
    status: str
    channel: str
    channel_ref: str | None
    customer: CustomerView
    lines: int
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    verified: bool
    shipping_charge: Money | None = None  # net
    returns: int = 0  # returns of the order that are not canceled
