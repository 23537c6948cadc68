"""reviewed revisions of published datasets and old addresses (issue 13, items 1 and 6)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("proposed_by", sa.String(length=32), nullable=True),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dataset_revisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dataset_revisions_dataset_state", ["dataset_id", "state"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dataset_revisions_state"), ["state"], unique=False)
    op.create_table(
        "name_aliases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("old_name", sa.String(length=200), nullable=False),
        sa.Column("object_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_type", "old_name", name="uq_name_alias"),
    )
    with op.batch_alter_table("name_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_name_aliases_object_id"), ["object_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("name_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_name_aliases_object_id"))
    op.drop_table("name_aliases")
    with op.batch_alter_table("dataset_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_revisions_state"))
        batch_op.drop_index("ix_dataset_revisions_dataset_state")
    op.drop_table("dataset_revisions")
