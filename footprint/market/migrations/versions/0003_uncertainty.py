"""The Monte Carlo statistics of a declared value: median and 95 % interval (2.5th, 97.5th percentile).

Nullable: declarations without an ``uncertainty`` block (and every row written before) have none.
``classes derive --basis median`` reads the median; ``classes revise`` counts the declarations whose
95 % interval contains a threshold.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("category_values") as batch:
        batch.add_column(sa.Column("median", sa.Float, nullable=True))
        batch.add_column(sa.Column("p2_5", sa.Float, nullable=True))
        batch.add_column(sa.Column("p97_5", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("category_values") as batch:
        batch.drop_column("p97_5")
        batch.drop_column("p2_5")
        batch.drop_column("median")
