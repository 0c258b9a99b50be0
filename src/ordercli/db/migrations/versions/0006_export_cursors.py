"""Incremental exports: a named cursor remembers up to which change the last export went.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

A change is an order history row (every change to an order adds one): a cursor holds the
highest history id its last successful export covered.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_export_cursors"),
    )


def downgrade() -> None:
    op.drop_table("export_cursors")
