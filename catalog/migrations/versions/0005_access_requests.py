"""access requests: what is asked for, commitments, decisions, matchmaking record (issue 5)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 04:42:22.897223
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server defaults so that rows written before this revision get values
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("distribution_ids", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("fields_wanted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("security_measures", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "accepted_conditions", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "security_commitment", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("attachment", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("decision_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reviewer_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("holder_org_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("approved_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_access_requests_holder_org_id"), ["holder_org_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_access_requests_reviewer_id_users",
            "users",
            ["reviewer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_access_requests_holder_org_id_organizations",
            "organizations",
            ["holder_org_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_access_requests_holder_org_id_organizations", type_="foreignkey"
        )
        batch_op.drop_constraint("fk_access_requests_reviewer_id_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_access_requests_holder_org_id"))
        for column in (
            "reminded_at",
            "approved_at",
            "holder_org_id",
            "reviewer_id",
            "decision_note",
            "attachment",
            "security_commitment",
            "accepted_conditions",
            "security_measures",
            "fields_wanted",
            "distribution_ids",
        ):
            batch_op.drop_column(column)
