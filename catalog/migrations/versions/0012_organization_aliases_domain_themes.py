"""organizations merged into others keep their old name as an alias (issue 12, item 4);
curators' readings of domain (所属领域) values as themes (issue 12, item 5)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organization_aliases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("organization_id", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("organization_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organization_aliases_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_organization_aliases_title"), ["title"], unique=False)
    op.create_table(
        "domain_theme_mappings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("theme", sa.String(length=30), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("value"),
    )


def downgrade() -> None:
    op.drop_table("domain_theme_mappings")
    with op.batch_alter_table("organization_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organization_aliases_title"))
        batch_op.drop_index(batch_op.f("ix_organization_aliases_organization_id"))
    op.drop_table("organization_aliases")
