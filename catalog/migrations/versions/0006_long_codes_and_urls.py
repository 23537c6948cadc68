"""resource codes, identifiers and landing pages of up to 2,000 characters (issue 12)

Real open-list sheets carry resource codes and links longer than the 100 / 500 / 1,000
characters these columns held; distribution links already had 2,000.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 16:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (table, column, old length)
_WIDENED = (
    ("datasets", "identifier", 500),
    ("datasets", "landing_page", 1000),
    ("datasets", "resource_code", 100),
    ("openlist_entries", "resource_code", 100),
)


def upgrade() -> None:
    for table, column, old in _WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=old),
                type_=sa.String(length=2000),
                existing_nullable=table == "datasets",
            )


def downgrade() -> None:
    for table, column, old in reversed(_WIDENED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=2000),
                type_=sa.String(length=old),
                existing_nullable=table == "datasets",
            )
