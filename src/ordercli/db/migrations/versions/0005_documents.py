"""Documents: the seller's profile, logos, numbering series, issued invoices and credit notes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

An issued invoice (or credit note) is stored with everything it shows, and the database
itself refuses UPDATE, DELETE, REPLACE and TRUNCATE on invoices, their lines and the logos
they name, whoever sends them: a mistake on an issued invoice is corrected by a credit note.
A number is taken by updating its series row in the transaction that stores the document,
so a failed or killed issue takes no number and the series stays gapless.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KINDS = ("invoice", "credit_note")
POLICIES = ("fulfilled", "ordered")
LABEL_SIZES = ("4x6", "a6")
IMMUTABLE = {
    "invoices": "an issued invoice cannot be changed or deleted: issue a credit note",
    "invoice_lines": "an issued invoice cannot be changed or deleted: issue a credit note",
    "document_logos": "a logo that documents show cannot be changed or deleted",
}


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def money(name):
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "document_logos",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_document_logos"),
    )
    op.create_table(
        "company_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.String(), nullable=True) for name in ("name", "line1", "line2", "city", "region",
                                                                    "postal_code")),
        sa.Column("country", sa.String(length=2), nullable=True),
        *(sa.Column(name, sa.String(), nullable=True) for name in ("tax_id", "email", "phone", "bank")),
        sa.Column("logo_sha256", sa.String(length=64), nullable=True),
        sa.Column("invoice_prefix", sa.String(), nullable=False, server_default="INV-"),
        sa.Column("credit_prefix", sa.String(), nullable=False, server_default="CN-"),
        sa.Column("yearly_reset", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("number_padding", sa.Integer(), nullable=False, server_default=sa.text("6")),
        sa.Column("locale", sa.String(), nullable=False, server_default="en_US"),
        sa.Column("payment_terms", sa.String(), nullable=True),
        sa.Column("payment_days", sa.Integer(), nullable=True),
        sa.Column("footer", sa.String(), nullable=True),
        sa.Column("invoice_policy", sa.String(), nullable=False, server_default="fulfilled"),
        sa.Column("fallback_font", sa.String(), nullable=True),
        sa.Column("label_size", sa.String(), nullable=False, server_default="4x6"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_company_profile"),
        sa.ForeignKeyConstraint(["logo_sha256"], ["document_logos.sha256"],
                                name="fk_company_profile_logo_sha256_document_logos"),
        sa.CheckConstraint("id = 1", name="ck_company_profile_single"),
        sa.CheckConstraint("number_padding BETWEEN 1 AND 12", name="ck_company_profile_padding"),
        sa.CheckConstraint("payment_days IS NULL OR payment_days BETWEEN 0 AND 3650",
                           name="ck_company_profile_payment_days"),
        sa.CheckConstraint(one_of("invoice_policy", POLICIES), name="ck_company_profile_invoice_policy"),
        sa.CheckConstraint(one_of("label_size", LABEL_SIZES), name="ck_company_profile_label_size"),
    )
    op.create_table(
        "document_series",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name="pk_document_series"),
        sa.CheckConstraint(one_of("kind", KINDS), name="ck_document_series_kind"),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("locale", sa.String(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(), nullable=False),
        sa.Column("seller", sa.String(), nullable=False),
        sa.Column("billing", sa.String(), nullable=False),
        sa.Column("ship_to", sa.String(), nullable=False),
        money("shipping_minor"),
        sa.Column("shipping_tax_rate_bp", sa.Integer(), nullable=False),
        money("shipping_tax_minor"),
        money("subtotal_minor"),
        money("discount_minor"),
        money("tax_minor"),
        money("total_minor"),
        sa.Column("promo_code", sa.String(), nullable=True),
        sa.Column("payment_terms", sa.String(), nullable=True),
        sa.Column("footer", sa.String(), nullable=True),
        sa.Column("due_date", sa.String(), nullable=True),
        sa.Column("credits_invoice_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invoices"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_invoices_order_id_orders"),
        sa.ForeignKeyConstraint(["credits_invoice_id"], ["invoices.id"], name="fk_invoices_credits_invoice_id_invoices"),
        sa.UniqueConstraint("number", name="uq_invoices_number"),
        sa.UniqueConstraint("kind", "year", "seq", name="uq_invoices_kind_year_seq"),
        sa.CheckConstraint(one_of("kind", KINDS), name="ck_invoices_kind"),
        sa.CheckConstraint(one_of("policy", POLICIES), name="ck_invoices_policy"),
    )
    op.create_index("ix_invoices_order_id", "invoices", ["order_id"])
    op.create_index("ix_invoices_credits_invoice_id", "invoices", ["credits_invoice_id"])
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("credited_line_id", sa.Integer(), nullable=True),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        money("unit_price_minor"),
        money("discount_minor"),
        sa.Column("tax_rate_bp", sa.Integer(), nullable=False),
        money("net_minor"),
        money("tax_minor"),
        sa.PrimaryKeyConstraint("id", name="pk_invoice_lines"),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name="fk_invoice_lines_invoice_id_invoices"),
        sa.ForeignKeyConstraint(["order_line_id"], ["order_lines.id"],
                                name="fk_invoice_lines_order_line_id_order_lines"),
        sa.ForeignKeyConstraint(["credited_line_id"], ["invoice_lines.id"],
                                name="fk_invoice_lines_credited_line_id_invoice_lines"),
    )
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id"])
    op.create_index("ix_invoice_lines_order_line_id", "invoice_lines", ["order_line_id"])
    _make_immutable()


def _make_immutable() -> None:
    """UPDATE, DELETE, REPLACE (SQLite) and TRUNCATE (PostgreSQL) are refused on issued
    documents, whoever sends them (see 0001 and 0003 for why each trigger is needed)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, message in IMMUTABLE.items():
        key = "sha256" if table == "document_logos" else "id"
        if sqlite:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
            op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                       f"WHEN NEW.{key} IS NOT NULL AND EXISTS (SELECT 1 FROM {table} WHERE {key} = NEW.{key}) "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        else:
            op.execute(f"CREATE FUNCTION {table}_immutable() RETURNS trigger LANGUAGE plpgsql AS "
                       f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$")
            op.execute(f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_immutable()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_immutable()")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("invoice_lines", "invoices", "document_series", "company_profile", "document_logos"):
        op.drop_table(table)  # drops the table's triggers with it
    if not sqlite:
        for table in IMMUTABLE:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_immutable()")
