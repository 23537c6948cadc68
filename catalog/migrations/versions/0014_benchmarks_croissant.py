"""benchmark integrity and Croissant fields (issue 18, items 2 and 3): datasets.record_sets,
rai, derived_from; distributions.split; benchmark_versions, benchmark_results,
contamination_findings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_sets", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("rai", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("derived_from", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("split", sa.String(length=20), nullable=True))
    op.create_table(
        "benchmark_versions",
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=True),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("previous_id", sa.String(length=32), nullable=True),
        sa.Column("pinned_at", sa.DateTime(), nullable=True),
        sa.Column("pinned_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["previous_id"], ["datasets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("dataset_id"),
    )
    with op.batch_alter_table("benchmark_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_benchmark_versions_previous_id"), ["previous_id"], unique=False
        )
    op.create_table(
        "benchmark_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("organization", sa.String(length=300), nullable=True),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=True),
        sa.Column("benchmark_version", sa.String(length=50), nullable=True),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=True),
        sa.Column("verified_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["verified_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("benchmark_results", schema=None) as batch_op:
        batch_op.create_index(
            "ix_benchmark_results_dataset_state", ["dataset_id", "state"], unique=False
        )
    op.create_table(
        "contamination_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("training_id", sa.String(length=32), nullable=False),
        sa.Column("benchmark_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("evidence_key", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["benchmark_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["training_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("training_id", "benchmark_id", "kind", "evidence_key"),
    )
    with op.batch_alter_table("contamination_findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contamination_findings_benchmark_id"), ["benchmark_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contamination_findings_training_id"), ["training_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("contamination_findings")
    op.drop_table("benchmark_results")
    op.drop_table("benchmark_versions")
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_column("split")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("derived_from")
        batch_op.drop_column("rai")
        batch_op.drop_column("record_sets")
