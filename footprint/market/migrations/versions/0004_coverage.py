"""The coverage of a declared value: "complete", or "partial" (a lower bound: some flows have no factor).

Nullable: values imported from a register CSV without a ``coverage:<category>`` column, and every
row written before, have none (unknown).  ``classes derive`` leaves partial values out of the
population and ``classes assign`` refuses a partial value: a lower bound compared with complete
values gives a better class than the product's.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("category_values") as batch:
        batch.add_column(sa.Column("coverage", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("category_values") as batch:
        batch.drop_column("coverage")
