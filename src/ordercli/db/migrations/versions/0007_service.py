"""Service after the sale: returns (RMA) with their lines, exchanges, named resources and
appointments; the return window in the profile; credit notes naming the return they credit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

A return goes requested -> received -> inspected -> refunded or credited (or is canceled
before it is received). An exchange is a return whose replacement is a new order, linked both
ways through `replacement_order_id`. An appointment books a named resource for a time span
(UTC); a resource is never double-booked: the commands lock the resource's row and check, and
on PostgreSQL an exclusion constraint refuses an overlap whoever writes it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

RETURN_KINDS = ("return", "exchange")
RETURN_STAGES = ("requested", "received", "inspected", "refunded", "credited", "canceled")
RESOURCE_KINDS = ("technician", "van", "room", "other")
APPOINTMENT_STAGES = ("booked", "completed", "canceled")


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def at(name, nullable=True):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text(name, nullable=True):
    return sa.Column(name, sa.String(), nullable=nullable)


def upgrade() -> None:
    # plain ALTER TABLE on both backends: SQLite's batch mode would rebuild the tables and lose
    # the triggers that keep issued invoices immutable
    op.execute("ALTER TABLE company_profile ADD COLUMN return_days INTEGER DEFAULT 30 "
               "CONSTRAINT ck_company_profile_return_days CHECK (return_days IS NULL OR return_days BETWEEN 0 AND 3650)")
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        text("kind", False),
        text("stage", False),
        text("reason", False),
        sa.Column("refund_shipping", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        text("window_override"),
        sa.Column("replacement_order_id", sa.Integer(), nullable=True),
        sa.Column("refund_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        text("settled_as"),
        text("settle_reference"),
        at("requested_at", False),
        text("requested_by", False),
        at("received_at"),
        text("received_by"),
        at("inspected_at"),
        text("inspected_by"),
        at("settled_at"),
        text("settled_by"),
        at("canceled_at"),
        text("canceled_by"),
        text("cancel_reason"),
        at("updated_at", False),
        sa.PrimaryKeyConstraint("id", name="pk_returns"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_returns_order_id_orders"),
        sa.ForeignKeyConstraint(["replacement_order_id"], ["orders.id"],
                                name="fk_returns_replacement_order_id_orders"),
        sa.CheckConstraint(one_of("kind", RETURN_KINDS), name="ck_returns_kind"),
        sa.CheckConstraint(one_of("stage", RETURN_STAGES), name="ck_returns_stage"),
        sa.CheckConstraint("settled_as IS NULL OR " + one_of("settled_as", ("refund", "credit", "exchange")),
                           name="ck_returns_settled_as"),
    )
    op.create_index("ix_returns_order_id", "returns", ["order_id"])
    op.create_index("ix_returns_replacement_order_id", "returns", ["replacement_order_id"])
    op.create_index("ix_returns_stage", "returns", ["stage"])
    op.create_table(
        "return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("restocked", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("written_off", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_return_lines"),
        sa.ForeignKeyConstraint(["return_id"], ["returns.id"], name="fk_return_lines_return_id_returns"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_return_lines_order_line_id_order_lines"),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name="fk_return_lines_location_id_locations"),
        sa.CheckConstraint("quantity > 0", name="ck_return_lines_quantity"),
        sa.CheckConstraint("restocked >= 0 AND written_off >= 0 AND restocked + written_off <= quantity",
                           name="ck_return_lines_inspected"),
    )
    op.create_index("ix_return_lines_return_id", "return_lines", ["return_id"])
    op.create_index("ix_return_lines_order_line_id", "return_lines", ["order_line_id"])
    op.execute("ALTER TABLE invoices ADD COLUMN return_id INTEGER "
               "CONSTRAINT fk_invoices_return_id_returns REFERENCES returns (id)")
    op.create_index("ix_invoices_return_id", "invoices", ["return_id"])
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        text("kind", False),
        text("note"),
        at("created_at", False),
        sa.PrimaryKeyConstraint("id", name="pk_resources"),
        sa.UniqueConstraint("name", name="uq_resources_name"),
        sa.CheckConstraint(one_of("kind", RESOURCE_KINDS), name="ck_resources_kind"),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        at("starts_at", False),
        at("ends_at", False),
        text("place"),
        text("note"),
        text("stage", False),
        text("signed_by"),
        at("created_at", False),
        text("created_by", False),
        at("updated_at", False),
        at("completed_at"),
        text("completed_by"),
        at("canceled_at"),
        text("canceled_by"),
        text("cancel_reason"),
        sa.PrimaryKeyConstraint("id", name="pk_appointments"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_appointments_order_id_orders"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_appointments_order_line_id_order_lines"),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"], name="fk_appointments_resource_id_resources"),
        sa.CheckConstraint("ends_at > starts_at", name="ck_appointments_span"),
        sa.CheckConstraint(one_of("stage", APPOINTMENT_STAGES), name="ck_appointments_stage"),
    )
    op.create_index("ix_appointments_order_id", "appointments", ["order_id"])
    op.create_index("ix_appointments_resource_starts", "appointments", ["resource_id", "starts_at"])
    op.create_index("ix_appointments_starts_at", "appointments", ["starts_at"])
    if op.get_bind().dialect.name == "postgresql":
        _exclusion()


def _exclusion() -> None:
    """No two live appointments of one resource overlap, enforced by PostgreSQL itself. GiST's
    built-in range operator class supports both `=` and `&&`, so the resource goes in as a
    one-value range: no extension (btree_gist) to install."""
    op.execute("ALTER TABLE appointments ADD CONSTRAINT ex_appointments_resource_overlap EXCLUDE USING gist "
               "(int4range(resource_id, resource_id, '[]') WITH =, tstzrange(starts_at, ends_at) WITH &&) "
               "WHERE (stage <> 'canceled')")


def downgrade() -> None:
    op.drop_table("appointments")
    op.drop_table("resources")
    op.drop_index("ix_invoices_return_id", "invoices")
    op.execute("ALTER TABLE invoices DROP COLUMN return_id")
    op.drop_table("return_lines")
    op.drop_table("returns")
    op.execute("ALTER TABLE company_profile DROP COLUMN return_days")
