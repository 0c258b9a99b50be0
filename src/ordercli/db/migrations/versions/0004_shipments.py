"""Fulfillment: carriers, shipments with their stages and lines, the ledger naming its shipment,
and what an order charges for delivery.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

A shipment takes (line, quantity) from a location by one method and goes through its stages:
picked, packed, handed over, delivered (or returned to sender). A deleted shipment stays, marked
deleted, so the ledger rows and history that name it keep meaning something. Orders shipped
before this version have no shipments: none could be made.

An order's shipping charge is a net amount with its own tax rate (and the tax on it, part of
the order's tax); orders placed before this version charged none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

METHODS = ("ship", "pickup", "hand_over", "download", "external")
STAGES = ("picked", "packed", "handed_over", "delivered", "returned_to_sender")


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    for column in ("shipping_minor", "shipping_tax_rate_bp", "shipping_tax_minor"):
        kind = sa.Integer() if column.endswith("_bp") else sa.BigInteger()
        op.add_column("orders", sa.Column(column, kind, nullable=False, server_default=sa.text("0")))
    op.create_table(
        "carriers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("tracking_url", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_carriers"),
        sa.UniqueConstraint("name", name="uq_carriers_name"),
    )
    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=True),
        sa.Column("tracking", sa.String(), nullable=True),
        sa.Column("parcels", sa.Integer(), nullable=True),
        sa.Column("weight_grams", sa.Integer(), nullable=True),
        sa.Column("issued", sa.String(), nullable=True),
        sa.Column("signed_by", sa.String(), nullable=True),
        sa.Column("delivery_note", sa.String(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("picked_by", sa.String(), nullable=True),
        sa.Column("packed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("packed_by", sa.String(), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_over_by", sa.String(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_by", sa.String(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_by", sa.String(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.String(), nullable=True),
        sa.Column("delete_reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_shipments"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_shipments_order_id_orders"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name="fk_shipments_location_id_locations"),
        sa.ForeignKeyConstraint(["carrier_id"], ["carriers.id"], name="fk_shipments_carrier_id_carriers"),
        sa.CheckConstraint(one_of("method", METHODS), name="ck_shipments_method"),
        sa.CheckConstraint(one_of("stage", STAGES), name="ck_shipments_stage"),
        sa.CheckConstraint("parcels IS NULL OR parcels > 0", name="ck_shipments_parcels"),
        sa.CheckConstraint("weight_grams IS NULL OR weight_grams > 0", name="ck_shipments_weight"),
    )
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"])
    op.create_index("ix_shipments_stage", "shipments", ["stage"])
    op.create_table(
        "shipment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shipment_lines"),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipments.id"], name="fk_shipment_lines_shipment_id_shipments"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_shipment_lines_order_line_id_order_lines"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name="fk_shipment_lines_location_id_locations"),
        sa.CheckConstraint("quantity > 0", name="ck_shipment_lines_quantity"),
    )
    op.create_index("ix_shipment_lines_shipment_id", "shipment_lines", ["shipment_id"])
    op.create_index("ix_shipment_lines_order_line_id", "shipment_lines", ["order_line_id"])
    # the ledger names the shipment that shipped or brought back its units
    if op.get_bind().dialect.name == "sqlite":  # ADD COLUMN may carry its reference; no rebuild of the ledger
        op.execute("ALTER TABLE stock_movements ADD COLUMN shipment_id INTEGER "
                   "CONSTRAINT fk_stock_movements_shipment_id_shipments REFERENCES shipments (id)")
    else:
        op.add_column("stock_movements", sa.Column("shipment_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_stock_movements_shipment_id_shipments", "stock_movements", "shipments",
                              ["shipment_id"], ["id"])
    op.create_index("ix_stock_movements_shipment_id", "stock_movements", ["shipment_id"])


def downgrade() -> None:
    op.drop_index("ix_stock_movements_shipment_id", table_name="stock_movements")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_stock_movements_shipment_id_shipments", "stock_movements", type_="foreignkey")
    op.drop_column("stock_movements", "shipment_id")
    op.drop_table("shipment_lines")
    op.drop_table("shipments")
    op.drop_table("carriers")
    with op.batch_alter_table("orders") as batch:
        for column in ("shipping_tax_minor", "shipping_tax_rate_bp", "shipping_minor"):
            batch.drop_column(column)
