"""Each order keeps the customer details it was placed with; append-only tables that really are.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Orders get their own copy of the customer's name, email and phone, as they already keep
their addresses: a later order from the same email no longer rewrites what earlier orders
say. Orders placed before this version take what the customer record holds now (the best
that is left).

The append-only tables (order_history, stock_movements) had triggers on UPDATE and DELETE.
Two ways around them are closed here:
- SQLite: `REPLACE INTO` / `INSERT OR REPLACE` deletes the conflicting row without firing
  DELETE triggers (unless recursive_triggers is on, which another program need not set). A
  BEFORE INSERT trigger now refuses a row whose id already exists, whatever the conflict
  clause; an upsert's DO UPDATE already meets the UPDATE trigger.
- PostgreSQL: row triggers do not fire on TRUNCATE; a statement-level BEFORE TRUNCATE
  trigger refuses it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = {
    "order_history": "order history is append-only",
    "stock_movements": "the stock ledger is append-only",
}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # NOT NULL from the start: SQLite can add such a column only with a default, and cannot
    # drop the default again without rebuilding the table (every order is written with a
    # name, so the default is never used); PostgreSQL drops it.
    op.add_column("orders", sa.Column("customer_name", sa.String(), nullable=False, server_default=""))
    op.add_column("orders", sa.Column("customer_email", sa.String(), nullable=True))
    op.add_column("orders", sa.Column("customer_phone", sa.String(), nullable=True))
    op.execute(
        "UPDATE orders SET "
        "customer_name = (SELECT c.name FROM customers c WHERE c.id = orders.customer_id), "
        "customer_email = (SELECT c.email FROM customers c WHERE c.id = orders.customer_id), "
        "customer_phone = (SELECT c.phone FROM customers c WHERE c.id = orders.customer_id)"
    )
    if not sqlite:
        op.alter_column("orders", "customer_name", server_default=None)

    for table, message in APPEND_ONLY.items():
        if sqlite:
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_function(table)}()"
            )


def _function(table: str) -> str:
    """The PostgreSQL function that raises for `table` (created by 0001 and 0002)."""
    return "ordercli_append_only" if table == "order_history" else f"{table}_append_only"


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in APPEND_ONLY:
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("customer_phone")
        batch.drop_column("customer_email")
        batch.drop_column("customer_name")
