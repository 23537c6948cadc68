"""the source hash of a harvested record: an unchanged record is skipped before it is mapped
(issue 17, item 3)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 08:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset_sources") as batch:
        batch.add_column(sa.Column("source_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_sources") as batch:
        batch.drop_column("source_hash")
