"""The facility and reporting period of a registered declaration: one declaration per facility and period.

Nullable: rows imported from a register CSV and every row written before have none (not known), and
are never matched.  ``market add`` refuses a second declaration of the same rule, declarant and facility
whose reporting period overlaps a registered one (a correction replaces it with ``--replace``): the same
production counted twice would weigh twice in the class thresholds.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("facility", sa.String(64), nullable=True))
        batch.add_column(sa.Column("period_start", sa.String(10), nullable=True))
        batch.add_column(sa.Column("period_end", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("period_end")
        batch.drop_column("period_start")
        batch.drop_column("facility")
