"""Inventory: locations, stock per product and location, the stock ledger, backorders.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Orders placed before this version hold no stock: their physical lines are marked as waiting
for stock (backordered) if the order is still open, ready to ship or partially shipped, so
they are promised, oldest first, as soon as stock is received.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MOVEMENTS = ("received", "adjusted", "transferred", "reserved", "released", "shipped", "returned")


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.add_column("products", sa.Column("gtin", sa.String(length=14), nullable=True))
    op.add_column("products", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true")))
    op.create_index("uq_products_gtin", "products", ["gtin"], unique=True)

    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_locations"),
        sa.ForeignKeyConstraint(["address_id"], ["addresses.id"], name="fk_locations_address_id_addresses"),
        sa.UniqueConstraint("name", name="uq_locations_name"),
        sa.CheckConstraint(one_of("kind", ("warehouse", "store")), name="ck_locations_kind"),
    )
    op.create_index("uq_locations_one_default", "locations", ["is_default"], unique=True,
                    sqlite_where=sa.text("is_default"), postgresql_where=sa.text("is_default"))

    op.create_table(
        "stock_levels",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("reserved", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("product_id", "location_id", name="pk_stock_levels"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name="fk_stock_levels_product_id_products"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name="fk_stock_levels_location_id_locations"),
        sa.CheckConstraint("on_hand >= 0", name="ck_stock_levels_on_hand"),
        sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="ck_stock_levels_reserved"),
    )

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("command", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("on_hand_delta", sa.Integer(), nullable=False),
        sa.Column("reserved_delta", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stock_movements"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name="fk_stock_movements_product_id_products"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name="fk_stock_movements_location_id_locations"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_stock_movements_order_id_orders"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_stock_movements_order_line_id_order_lines"),
        sa.CheckConstraint(one_of("kind", MOVEMENTS), name="ck_stock_movements_kind"),
        sa.CheckConstraint("on_hand_delta <> 0 OR reserved_delta <> 0", name="ck_stock_movements_changes_something"),
    )
    op.create_index("ix_stock_movements_product_location", "stock_movements", ["product_id", "location_id", "id"])
    op.create_index("ix_stock_movements_order_id", "stock_movements", ["order_id"])
    op.create_index("ix_stock_movements_order_line_id", "stock_movements", ["order_line_id"])
    _make_append_only("stock_movements", "the stock ledger is append-only")

    op.add_column("order_lines", sa.Column("backordered", sa.Boolean(), nullable=False,
                                           server_default=sa.text("false")))
    op.create_index("ix_order_lines_waiting", "order_lines", ["product_id"],
                    sqlite_where=sa.text("backordered"), postgresql_where=sa.text("backordered"))
    op.execute(
        "UPDATE order_lines SET backordered = true WHERE kind = 'physical' AND product_id IS NOT NULL "
        "AND order_id IN (SELECT id FROM orders WHERE status IN ('open', 'ready_to_ship', 'partially_shipped'))"
    )


def _make_append_only(table: str, message: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    else:
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def downgrade() -> None:
    op.drop_index("ix_order_lines_waiting", table_name="order_lines")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("backordered")
    op.drop_table("stock_movements")
    op.drop_table("stock_levels")
    op.drop_table("locations")
    op.drop_index("uq_products_gtin", table_name="products")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("active")
        batch.drop_column("gtin")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS stock_movements_append_only()")
