"""The market register: declarations, their declared category values, the mass placed per year.

Exactly the schema the register had before migrations existed (footprint 0.1), so a register
written then is stamped at this revision and upgraded from here.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declarations",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("rule_version", sa.Text, nullable=False),
        sa.Column("declarant", sa.Text),
        sa.Column("date", sa.Text),
        sa.Column("content_sha256", sa.Text),
    )
    op.create_table(
        "category_values",
        sa.Column("declaration_id", sa.Text, primary_key=True),
        sa.Column("category", sa.Text, primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.Text),
    )
    op.create_table(
        "placements",
        sa.Column("declaration_id", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("mass_kg", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("placements")
    op.drop_table("category_values")
    op.drop_table("declarations")
