"""Foundation: customers, addresses, products, promo codes, orders, lines, history.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("open", "ready_to_ship", "partially_shipped", "partially_closed", "closed",
            "canceled", "returned", "failed", "abandoned")
CHANNELS = ("web", "mobile", "phone", "store", "marketplace", "other")
KINDS = ("physical", "digital", "service")
DELIVERY = ("ship", "pickup", "hand_over", "download", "service")
VERIFICATION = ("phone", "email", "in-person", "automatic")


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def utc():
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("line1", sa.String(), nullable=False),
        sa.Column("line2", sa.String(), nullable=True),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=True),
        sa.Column("postal_code", sa.String(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_addresses"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("phone", sa.String(), nullable=True),
        sa.Column("billing_address_id", sa.Integer(), nullable=True),
        sa.Column("shipping_address_id", sa.Integer(), nullable=True),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.ForeignKeyConstraint(["billing_address_id"], ["addresses.id"],
                                name="fk_customers_billing_address_id_addresses"),
        sa.ForeignKeyConstraint(["shipping_address_id"], ["addresses.id"],
                                name="fk_customers_shipping_address_id_addresses"),
        sa.UniqueConstraint("email", name="uq_customers_email"),
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="ck_customers_contact"),
    )
    op.create_index("ix_customers_phone", "customers", ["phone"])
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint("sku", name="uq_products_sku"),
        sa.CheckConstraint("unit_price_minor >= 0", name="ck_products_price"),
        sa.CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="ck_products_tax_rate"),
        sa.CheckConstraint(one_of("kind", KINDS), name="ck_products_kind"),
    )
    op.create_table(
        "promo_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("percent_bp", sa.Integer(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("valid_from", utc(), nullable=True),
        sa.Column("valid_until", utc(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_promo_codes"),
        sa.UniqueConstraint("code", name="uq_promo_codes_code"),
        sa.CheckConstraint("(percent_bp IS NULL) <> (amount_minor IS NULL)",
                           name="ck_promo_codes_percent_or_amount"),
        sa.CheckConstraint("(amount_minor IS NULL) = (currency IS NULL)",
                           name="ck_promo_codes_amount_currency"),
        sa.CheckConstraint("percent_bp IS NULL OR percent_bp BETWEEN 1 AND 10000",
                           name="ck_promo_codes_percent"),
        sa.CheckConstraint("amount_minor IS NULL OR amount_minor > 0", name="ck_promo_codes_amount"),
        sa.CheckConstraint("max_uses IS NULL OR uses <= max_uses", name="ck_promo_codes_uses"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("channel_ref", sa.String(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("billing_address_id", sa.Integer(), nullable=False),
        sa.Column("shipping_address_id", sa.Integer(), nullable=False),
        sa.Column("promo_code_id", sa.Integer(), nullable=True),
        sa.Column("subtotal_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("placed_at", utc(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.Column("verified_at", utc(), nullable=True),
        sa.Column("verified_by", sa.String(), nullable=True),
        sa.Column("verification_method", sa.String(), nullable=True),
        sa.Column("verification_note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_orders_customer_id_customers"),
        sa.ForeignKeyConstraint(["billing_address_id"], ["addresses.id"],
                                name="fk_orders_billing_address_id_addresses"),
        sa.ForeignKeyConstraint(["shipping_address_id"], ["addresses.id"],
                                name="fk_orders_shipping_address_id_addresses"),
        sa.ForeignKeyConstraint(["promo_code_id"], ["promo_codes.id"],
                                name="fk_orders_promo_code_id_promo_codes"),
        sa.UniqueConstraint("channel", "channel_ref", name="uq_orders_channel_ref"),
        sa.CheckConstraint(one_of("status", STATUSES), name="ck_orders_status"),
        sa.CheckConstraint(one_of("channel", CHANNELS), name="ck_orders_channel"),
        sa.CheckConstraint("verification_method IS NULL OR " + one_of("verification_method", VERIFICATION),
                           name="ck_orders_verification_method"),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"])
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("order_discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("tax_minor", sa.BigInteger(), nullable=False),
        sa.Column("delivery_method", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_lines"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_lines_order_id_orders"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name="fk_order_lines_product_id_products"),
        sa.UniqueConstraint("order_id", "line_no", name="uq_order_lines_order_line_no"),
        sa.CheckConstraint("quantity > 0", name="ck_order_lines_quantity"),
        sa.CheckConstraint("unit_price_minor >= 0", name="ck_order_lines_price"),
        sa.CheckConstraint("discount_minor >= 0 AND order_discount_minor >= 0", name="ck_order_lines_discounts"),
        sa.CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="ck_order_lines_tax_rate"),
        sa.CheckConstraint(one_of("kind", KINDS), name="ck_order_lines_kind"),
        sa.CheckConstraint(one_of("delivery_method", DELIVERY), name="ck_order_lines_delivery_method"),
    )
    op.create_index("ix_order_lines_product_id", "order_lines", ["product_id"])
    op.create_table(
        "order_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("from_status", sa.String(), nullable=True),
        sa.Column("to_status", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_order_history"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_history_order_id_orders"),
    )
    op.create_index("ix_order_history_order_id", "order_history", ["order_id", "id"])
    _make_history_append_only()


def _make_history_append_only() -> None:
    """The database refuses UPDATE and DELETE on order_history, whoever sends them."""
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER order_history_no_{action.lower()} BEFORE {action} ON order_history "
                "BEGIN SELECT RAISE(ABORT, 'order history is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION ordercli_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'order history is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER order_history_append_only BEFORE UPDATE OR DELETE ON order_history "
            "FOR EACH ROW EXECUTE FUNCTION ordercli_append_only()"
        )


def downgrade() -> None:
    for table in ("order_history", "order_lines", "orders", "promo_codes", "products", "customers", "addresses"):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS ordercli_append_only()")
