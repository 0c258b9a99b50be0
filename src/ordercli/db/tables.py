"""The schema as SQLModel tables: the shape Alembic's migrations must produce.

Money columns hold integer minor units (`*_minor`) next to an ISO 4217 `currency`; rates are
basis points (`*_bp`, 1900 = 19 %); times are UTC. Choices are TEXT columns with CHECK
constraints rather than native enums, so both backends and the migrations stay simple.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, Index, Integer, LargeBinary, String,
                        UniqueConstraint, text)
from sqlmodel import Field, SQLModel

from ordercli.db.types import UTCDateTime
from ordercli.domain.appointments import APPOINTMENT_STAGES, RESOURCE_KINDS
from ordercli.domain.fulfillment import Method, Stage
from ordercli.domain.orders import ALL_DELIVERY_METHODS, CHANNELS, PRODUCT_KINDS, VERIFICATION_METHODS
from ordercli.domain.returns import RETURN_KINDS, SETTLEMENTS, ReturnStage
from ordercli.domain.stock import LOCATION_KINDS, MOVEMENT_KINDS
from ordercli.domain.statuses import Status

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def money(nullable: bool = False) -> Column:
    return Column(BigInteger, nullable=nullable)


class Address(SQLModel, table=True):
    """A postal address as it was given; never changed, so orders keep what they were sent to."""

    __tablename__ = "addresses"

    id: int | None = Field(default=None, primary_key=True)
    name: str | None = None
    line1: str
    line2: str | None = None
    city: str
    region: str | None = None
    postal_code: str | None = None
    country: str = Field(max_length=2)


class Customer(SQLModel, table=True):
    """One customer per email (or, without one, per phone), with the details of their latest
    order; each order keeps its own copy of the details it was placed with."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="contact"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str | None = Field(default=None, unique=True)
    phone: str | None = Field(default=None, index=True)
    billing_address_id: int | None = Field(default=None, foreign_key="addresses.id")
    shipping_address_id: int | None = Field(default=None, foreign_key="addresses.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Product(SQLModel, table=True):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("unit_price_minor >= 0", name="price"),
        CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate"),
        CheckConstraint(one_of("kind", PRODUCT_KINDS), name="kind"),
        Index("uq_products_gtin", "gtin", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(unique=True, max_length=64)
    name: str
    unit_price_minor: int = Field(sa_column=money())
    currency: str = Field(max_length=3)
    tax_rate_bp: int = 0
    kind: str = "physical"
    gtin: str | None = Field(default=None, max_length=14)
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=text("true")))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Location(SQLModel, table=True):
    """A warehouse or a store. Names are identifiers (lower case); exactly one is the default."""

    __tablename__ = "locations"
    __table_args__ = (
        CheckConstraint(one_of("kind", LOCATION_KINDS), name="kind"),
        Index("uq_locations_one_default", "is_default", unique=True,
              sqlite_where=text("is_default"), postgresql_where=text("is_default")),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    kind: str
    address_id: int | None = Field(default=None, foreign_key="addresses.id")
    is_default: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))
    created_at: datetime = Field(sa_type=UTCDateTime)


class StockLevel(SQLModel, table=True):
    """What is at a location: on hand, and how much of that is promised to orders. Always equal
    to the sums of the ledger (stock_movements); the database refuses a negative count or more
    reserved than on hand."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved"),
    )

    product_id: int = Field(foreign_key="products.id", primary_key=True)
    location_id: int = Field(foreign_key="locations.id", primary_key=True)
    on_hand: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    reserved: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))


class StockMovement(SQLModel, table=True):
    """The stock ledger, append-only: every change of on hand or reserved, with who, when, why.
    The database refuses UPDATE, DELETE, REPLACE and TRUNCATE on it (migrations 0002, 0003)."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        CheckConstraint(one_of("kind", MOVEMENT_KINDS), name="kind"),
        CheckConstraint("on_hand_delta <> 0 OR reserved_delta <> 0", name="changes_something"),
        Index("ix_stock_movements_product_location", "product_id", "location_id", "id"),
        Index("ix_stock_movements_order_id", "order_id"),
        Index("ix_stock_movements_order_line_id", "order_line_id"),
        Index("ix_stock_movements_shipment_id", "shipment_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str
    command: str
    kind: str
    product_id: int = Field(foreign_key="products.id")
    location_id: int = Field(foreign_key="locations.id")
    on_hand_delta: int
    reserved_delta: int
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    order_line_id: int | None = Field(default=None, foreign_key="order_lines.id")
    reason: str | None = None
    # the shipment that shipped the units, or that brought them back when it was deleted
    shipment_id: int | None = Field(default=None, foreign_key="shipments.id")


class PromoCode(SQLModel, table=True):
    __tablename__ = "promo_codes"
    __table_args__ = (
        CheckConstraint("(percent_bp IS NULL) <> (amount_minor IS NULL)", name="percent_or_amount"),
        CheckConstraint("(amount_minor IS NULL) = (currency IS NULL)", name="amount_currency"),
        CheckConstraint("percent_bp IS NULL OR percent_bp BETWEEN 1 AND 10000", name="percent"),
        CheckConstraint("amount_minor IS NULL OR amount_minor > 0", name="amount"),
        CheckConstraint("max_uses IS NULL OR uses <= max_uses", name="uses"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    percent_bp: int | None = None
    amount_minor: int | None = Field(default=None, sa_column=money(nullable=True))
    currency: str | None = Field(default=None, max_length=3)
    valid_from: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    max_uses: int | None = None
    uses: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    created_at: datetime = Field(sa_type=UTCDateTime)


class Order(SQLModel, table=True):
    """An order; its id is the order number people and scripts use."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(one_of("status", Status), name="status"),
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(
            "verification_method IS NULL OR " + one_of("verification_method", VERIFICATION_METHODS),
            name="verification_method",
        ),
        UniqueConstraint("channel", "channel_ref", name="uq_orders_channel_ref"),
        Index("ix_orders_placed_at", "placed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(index=True)
    channel: str
    channel_ref: str | None = None
    currency: str = Field(max_length=3)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    # The customer's details as given with this order; the customer row holds the latest.
    customer_name: str
    customer_email: str | None = None
    customer_phone: str | None = None
    billing_address_id: int = Field(foreign_key="addresses.id")
    shipping_address_id: int = Field(foreign_key="addresses.id")
    promo_code_id: int | None = Field(default=None, foreign_key="promo_codes.id")
    subtotal_minor: int = Field(sa_column=money())
    discount_minor: int = Field(sa_column=money())
    tax_minor: int = Field(sa_column=money())  # the lines' tax and the shipping tax
    total_minor: int = Field(sa_column=money())
    # What the customer pays for delivery, net, with its tax rate and tax.
    shipping_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))
    shipping_tax_rate_bp: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    shipping_tax_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0")))
    note: str | None = None
    placed_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_by: str | None = None
    verification_method: str | None = None
    verification_note: str | None = None


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no", name="uq_order_lines_order_line_no"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("unit_price_minor >= 0", name="price"),
        CheckConstraint("discount_minor >= 0 AND order_discount_minor >= 0", name="discounts"),
        CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate"),
        CheckConstraint(one_of("kind", PRODUCT_KINDS), name="kind"),
        CheckConstraint(one_of("delivery_method", ALL_DELIVERY_METHODS), name="delivery_method"),
        Index("ix_order_lines_waiting", "product_id", sqlite_where=text("backordered"),
              postgresql_where=text("backordered")),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id")
    line_no: int
    product_id: int | None = Field(default=None, foreign_key="products.id", index=True)
    sku: str
    description: str
    kind: str
    quantity: int
    unit_price_minor: int = Field(sa_column=money())
    discount_minor: int = Field(sa_column=money())
    order_discount_minor: int = Field(sa_column=money())
    tax_rate_bp: int
    net_minor: int = Field(sa_column=money())
    tax_minor: int = Field(sa_column=money())
    delivery_method: str
    # Units still waiting for stock (accepted with --backorder, or from before inventory).
    backordered: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false")))


class OrderHistory(SQLModel, table=True):
    """Append-only: the database itself refuses UPDATE, DELETE, REPLACE and TRUNCATE on it
    (triggers made by the migrations 0001 and 0003)."""

    __tablename__ = "order_history"
    __table_args__ = (Index("ix_order_history_order_id", "order_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id")
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str
    command: str
    event: str
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None


class Carrier(SQLModel, table=True):
    """Who takes parcels; `tracking_url` holds `{tracking}` where the tracking number goes."""

    __tablename__ = "carriers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    tracking_url: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class Shipment(SQLModel, table=True):
    """Units of an order leaving by one method (from one location), through its stages; each
    stage keeps who and when. A deleted shipment stays, marked deleted, and no longer counts."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(one_of("method", Method), name="method"),
        CheckConstraint(one_of("stage", Stage), name="stage"),
        CheckConstraint("parcels IS NULL OR parcels > 0", name="parcels"),
        CheckConstraint("weight_grams IS NULL OR weight_grams > 0", name="weight"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    method: str
    location_id: int | None = Field(default=None, foreign_key="locations.id")
    stage: str = Field(index=True)
    carrier_id: int | None = Field(default=None, foreign_key="carriers.id")
    tracking: str | None = None
    parcels: int | None = None
    weight_grams: int | None = None
    issued: str | None = None  # a download: the link or licence key the customer received
    signed_by: str | None = None  # who signed for the delivery (or the collection at a store)
    delivery_note: str | None = None
    failed_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    reason: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    picked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    picked_by: str | None = None
    packed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    packed_by: str | None = None
    handed_over_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handed_over_by: str | None = None  # at a counter: the salesperson
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_by: str | None = None
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # returned to sender
    returned_by: str | None = None
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_by: str | None = None
    delete_reason: str | None = None


class ShipmentLine(SQLModel, table=True):
    """Units of an order line in a shipment, and the location they leave from (None: none)."""

    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity"),)

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    order_line_id: int = Field(foreign_key="order_lines.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="locations.id")
    quantity: int


# Documents: the seller's profile, the numbering series, and issued invoices and credit notes.
DOCUMENT_KINDS = ("invoice", "credit_note")
INVOICE_POLICIES = ("fulfilled", "ordered")
LABEL_SIZES = ("4x6", "a6")


class CompanyProfile(SQLModel, table=True):
    """The seller's details every document carries, and how invoices are numbered and made.
    One row (id 1); an issued invoice keeps its own copy of what it showed."""

    __tablename__ = "company_profile"
    __table_args__ = (
        CheckConstraint("id = 1", name="single"),
        CheckConstraint("number_padding BETWEEN 1 AND 12", name="padding"),
        CheckConstraint("payment_days IS NULL OR payment_days BETWEEN 0 AND 3650", name="payment_days"),
        CheckConstraint(one_of("invoice_policy", INVOICE_POLICIES), name="invoice_policy"),
        CheckConstraint(one_of("label_size", LABEL_SIZES), name="label_size"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = Field(default=None, max_length=2)
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    bank: str | None = None
    logo_sha256: str | None = Field(default=None, foreign_key="document_logos.sha256")
    invoice_prefix: str = Field(sa_column=Column(String, nullable=False, server_default="INV-"))
    credit_prefix: str = Field(sa_column=Column(String, nullable=False, server_default="CN-"))
    yearly_reset: bool = Field(sa_column=Column(Boolean, nullable=False, server_default=text("true")))
    number_padding: int = Field(sa_column=Column(Integer, nullable=False, server_default=text("6")))
    locale: str = Field(sa_column=Column(String, nullable=False, server_default="en_US"))
    payment_terms: str | None = None
    payment_days: int | None = None
    footer: str | None = None
    invoice_policy: str = Field(sa_column=Column(String, nullable=False, server_default="fulfilled"))
    fallback_font: str | None = None  # a TTF/OTF file on this host for scripts Noto Sans lacks
    label_size: str = Field(sa_column=Column(String, nullable=False, server_default="4x6"))
    # how many days after delivery a return is accepted (None: no limit); `return --force` overrides it
    return_days: int | None = Field(default=30, sa_column=Column(
        Integer, CheckConstraint("return_days IS NULL OR return_days BETWEEN 0 AND 3650",
                                 name="ck_company_profile_return_days"), nullable=True, server_default=text("30")))
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_by: str | None = None


class DocumentLogo(SQLModel, table=True):
    """A logo as it was set, by its SHA-256: invoices name the logo they showed. Append-only."""

    __tablename__ = "document_logos"

    sha256: str = Field(primary_key=True, max_length=64)
    kind: str  # png, jpeg or svg
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DocumentSeries(SQLModel, table=True):
    """The last number taken in a series (a kind, in a year; year 0 when numbers never reset).
    Taking the next one updates this row in the transaction that stores the document, so
    numbers are gapless: a failed or killed issue takes no number."""

    __tablename__ = "document_series"
    __table_args__ = (CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind"),)

    kind: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int


class Invoice(SQLModel, table=True):
    """An issued invoice or credit note, with everything it shows: the database refuses
    UPDATE and DELETE on it (triggers made by migration 0005)."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind"),
        CheckConstraint(one_of("policy", INVOICE_POLICIES), name="policy"),
        UniqueConstraint("kind", "year", "seq", name="uq_invoices_kind_year_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    number: str = Field(unique=True)
    year: int
    seq: int
    order_id: int = Field(foreign_key="orders.id", index=True)
    method: str
    title: str
    policy: str
    currency: str = Field(max_length=3)
    locale: str
    issued_at: datetime = Field(sa_type=UTCDateTime)
    issued_by: str
    seller: str  # JSON: the seller block as printed (the logo by its sha256)
    billing: str  # JSON: the buyer's billing name and address as printed
    ship_to: str  # JSON: the shipping name and address as printed
    shipping_minor: int = Field(sa_column=money())
    shipping_tax_rate_bp: int
    shipping_tax_minor: int = Field(sa_column=money())
    subtotal_minor: int = Field(sa_column=money())
    discount_minor: int = Field(sa_column=money())
    tax_minor: int = Field(sa_column=money())
    total_minor: int = Field(sa_column=money())
    promo_code: str | None = None
    payment_terms: str | None = None
    footer: str | None = None
    due_date: str | None = None  # ISO date
    credits_invoice_id: int | None = Field(default=None, foreign_key="invoices.id", index=True)
    reason: str | None = None
    return_id: int | None = Field(default=None, foreign_key="returns.id", index=True)  # a credit note for a return


class InvoiceLine(SQLModel, table=True):
    """A line of an issued invoice or credit note (a credit note's quantities and amounts are
    negative, and name the invoice line they credit). Immutable like its invoice."""

    __tablename__ = "invoice_lines"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoices.id", index=True)
    position: int
    order_line_id: int | None = Field(default=None, foreign_key="order_lines.id", index=True)
    credited_line_id: int | None = Field(default=None, foreign_key="invoice_lines.id")
    sku: str
    description: str
    quantity: int
    unit_price_minor: int = Field(sa_column=money())
    discount_minor: int = Field(sa_column=money())
    tax_rate_bp: int
    net_minor: int = Field(sa_column=money())
    tax_minor: int = Field(sa_column=money())


class ExportCursor(SQLModel, table=True):
    """How far an incremental export (`export --since-last NAME`) went: the order history id
    of the last change it exported. Moved only after the export's file is in place."""

    __tablename__ = "export_cursors"

    name: str = Field(primary_key=True, max_length=64)
    position: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str


# Service after the sale: returns and exchanges, resources and their appointments.


class Return(SQLModel, table=True):
    """A return (RMA) of fulfilled units: requested, received (by whom, when), inspected
    (each line restocked at a location or written off), then refunded or credited; or
    canceled before it was received. An exchange's replacement is a new order."""

    __tablename__ = "returns"
    __table_args__ = (
        CheckConstraint(one_of("kind", RETURN_KINDS), name="kind"),
        CheckConstraint(one_of("stage", ReturnStage), name="stage"),
        CheckConstraint("settled_as IS NULL OR " + one_of("settled_as", SETTLEMENTS), name="settled_as"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    kind: str
    stage: str = Field(index=True)
    reason: str
    refund_shipping: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                                 server_default=text("false")))
    window_override: str | None = None  # why the return window was overridden (--force)
    replacement_order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    refund_minor: int | None = Field(default=None, sa_column=money(nullable=True))
    currency: str = Field(max_length=3)
    settled_as: str | None = None
    settle_reference: str | None = None
    requested_at: datetime = Field(sa_type=UTCDateTime)
    requested_by: str
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_by: str | None = None
    inspected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    inspected_by: str | None = None
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    settled_by: str | None = None
    canceled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    canceled_by: str | None = None
    cancel_reason: str | None = None
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ReturnLine(SQLModel, table=True):
    """Units of an order line coming back, and what the inspection made of them."""

    __tablename__ = "return_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("restocked >= 0 AND written_off >= 0 AND restocked + written_off <= quantity",
                        name="inspected"),
    )

    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="returns.id", index=True)
    order_line_id: int = Field(foreign_key="order_lines.id", index=True)
    quantity: int
    restocked: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    written_off: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    location_id: int | None = Field(default=None, foreign_key="locations.id")  # where restocked units went


class Resource(SQLModel, table=True):
    """A technician, a van, a fitting room: what an appointment books."""

    __tablename__ = "resources"
    __table_args__ = (CheckConstraint(one_of("kind", RESOURCE_KINDS), name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    kind: str
    note: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class Appointment(SQLModel, table=True):
    """A resource booked for a span of time (UTC) for an order, or for one of its service lines,
    which completing the appointment fulfills. A resource is never double-booked (see 0007)."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="span"),
        CheckConstraint(one_of("stage", APPOINTMENT_STAGES), name="stage"),
        Index("ix_appointments_resource_starts", "resource_id", "starts_at"),
        Index("ix_appointments_starts_at", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    order_line_id: int | None = Field(default=None, foreign_key="order_lines.id")
    resource_id: int = Field(foreign_key="resources.id")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    place: str | None = None
    note: str | None = None
    stage: str
    signed_by: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by: str
    updated_at: datetime = Field(sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_by: str | None = None
    canceled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    canceled_by: str | None = None
    cancel_reason: str | None = None
