"""property-rights registration records and nomination rounds (issue 18, items 4 and 5)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 06:45:22
"""
import sqlalchemy as sa
from alembic import op


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nomination_rounds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('programme', sa.String(length=300), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('data_registrations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dataset_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('reg_type', sa.String(length=20), nullable=False),
    sa.Column('registering_body', sa.String(length=300), nullable=False),
    sa.Column('rights', sa.JSON(), nullable=False),
    sa.Column('holder_name', sa.String(length=300), nullable=False),
    sa.Column('holder_credit_code', sa.String(length=18), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('evidence_file', sa.String(length=300), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('state_note', sa.Text(), nullable=True),
    sa.Column('entered_by', sa.String(length=32), nullable=True),
    sa.Column('verified_by', sa.String(length=32), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entered_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('data_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_registrations_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index('ix_data_registrations_state', ['state'], unique=False)

    op.create_table('nominations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.String(length=32), nullable=False),
    sa.Column('organization_id', sa.String(length=32), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('materials_file', sa.String(length=300), nullable=True),
    sa.Column('materials_sha256', sa.String(length=64), nullable=True),
    sa.Column('measured', sa.JSON(), nullable=False),
    sa.Column('shortlisted', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('nominated_by', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nominated_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['nomination_rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'dataset_id', name='uq_nomination_dataset')
    )
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nominations_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_round_id'), ['round_id'], unique=False)

    op.create_table('nomination_scores',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.String(length=32), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['nominations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('nomination_id', 'reviewer_id', name='uq_nomination_reviewer')
    )
    with op.batch_alter_table('nomination_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_scores_nomination_id'), ['nomination_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('nomination_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_scores_nomination_id'))

    op.drop_table('nomination_scores')
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nominations_round_id'))
        batch_op.drop_index(batch_op.f('ix_nominations_dataset_id'))

    op.drop_table('nominations')
    with op.batch_alter_table('data_registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_data_registrations_state')
        batch_op.drop_index(batch_op.f('ix_data_registrations_dataset_id'))

    op.drop_table('data_registrations')
    op.drop_table('nomination_rounds')
