"""content hashes and previews (issue 18, item 1): distributions.sha256, preview,
content_checked_at; uploaded_files.preview; byte sizes as BIGINT (a 12 GB file overflows
a PostgreSQL INTEGER)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("preview", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("content_checked_at", sa.DateTime(), nullable=True))
        batch_op.alter_column(
            "byte_size", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
        )
        batch_op.create_index(batch_op.f("ix_distributions_sha256"), ["sha256"], unique=False)
    with op.batch_alter_table("uploaded_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preview", sa.JSON(), nullable=True))
        batch_op.alter_column(
            "byte_size", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )
    # what uploads and publishers already gave as a sha256 checksum becomes the content hash
    op.execute(
        "UPDATE distributions SET sha256 = lower(checksum) "
        "WHERE lower(checksum_algorithm) = 'sha256' AND length(checksum) = 64"
    )


def downgrade() -> None:
    with op.batch_alter_table("uploaded_files", schema=None) as batch_op:
        batch_op.alter_column(
            "byte_size", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
        batch_op.drop_column("preview")
    with op.batch_alter_table("distributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_distributions_sha256"))
        batch_op.alter_column(
            "byte_size", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
        )
        batch_op.drop_column("content_checked_at")
        batch_op.drop_column("preview")
        batch_op.drop_column("sha256")
