"""The column layouts of `ordercli export` (and of what `ordercli import` reads back).

The headers are a contract: documented in the README and docs/commands.md, checked by tests;
a layout may only gain columns at its end. Money is a plain decimal ("12.50") next to a
currency column; times are UTC ISO 8601 ("2026-11-29T10:15:00Z"); rates are percents ("19").
"""

from __future__ import annotations

# One row per order line, with the order's fields repeated: `export` by default, and the
# layout `import --format ordercli` reads.
ORDER_COLUMNS = (
    "order", "channel", "channel_ref", "status", "placed_at", "updated_at", "currency",
    "customer_name", "customer_email", "customer_phone",
    "billing_name", "billing_line1", "billing_line2", "billing_city", "billing_region", "billing_postal_code",
    "billing_country",
    "shipping_name", "shipping_line1", "shipping_line2", "shipping_city", "shipping_region", "shipping_postal_code",
    "shipping_country",
    "promo_code", "note", "subtotal", "discount", "shipping", "shipping_tax_rate", "shipping_tax", "tax", "total",
)
LINE_COLUMNS = (
    "line", "sku", "description", "kind", "delivery_method", "quantity", "unit_price", "line_discount",
    "order_discount_share", "tax_rate", "line_net", "line_tax", "line_total", "shipped",
)
# After the lines' columns (a layout only grows at its end): when the order's goods last left,
# so that a historic order imported elsewhere keeps its fulfillment date.
LINES = ORDER_COLUMNS + LINE_COLUMNS + ("fulfilled_at",)

# One row per order, with its totals and how much of it has shipped.
ORDERS = ORDER_COLUMNS + ("line_count", "units", "units_shipped", "verified_at", "verified_by")

# One row per shipment line, for carriers and reconciliation.
SHIPMENTS = (
    "shipment", "order", "channel", "channel_ref", "method", "location", "stage", "carrier", "tracking", "parcels",
    "weight_kg", "created_at", "handed_over_at", "delivered_at", "signed_by", "deleted_at",
    "shipping_name", "shipping_line1", "shipping_line2", "shipping_city", "shipping_region", "shipping_postal_code",
    "shipping_country",
    "line", "sku", "description", "quantity",
)

# Shopify's order export (orders_export.csv): one row per line item; the order's own columns
# are filled on its first row and empty on the others, as Shopify writes them.
SHOPIFY = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Street", "Billing Address1", "Billing Address2", "Billing Company", "Billing City",
    "Billing Zip", "Billing Province", "Billing Country", "Billing Phone",
    "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2", "Shipping Company",
    "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone",
    "Notes", "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source",
    "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value",
    "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties",
    "Billing Province Name", "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
)

FORMATS = {"lines": LINES, "orders": ORDERS, "shipments": SHIPMENTS, "shopify": SHOPIFY}
