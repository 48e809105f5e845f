"""A registered declaration's facility by its declarant's name and by its identifier (two keys, not one).

Revision 0005 kept one key, of the declarant's identifier else its name, and the facility: a correction
that added or dropped the identifier became another facility, and the same production was registered
twice (weighed twice in the classes, exit 0).  Now two declarations are of one facility when the
facilities match and both identifiers match, or one states none and the names match
(footprint.market.registry.FacilityKeys).  Nullable: rows written before keep only the 0005 key and
are matched by it (a row whose key is of an identifier, against a declaration without one, is
refused until its declaration is added again; re-adding fills both keys).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("facility_by_name", sa.String(64), nullable=True))
        batch.add_column(sa.Column("facility_by_id", sa.String(64), nullable=True))
    # market add looks a declaration's facility up by either key (once per entry of an import)
    op.create_index("ix_declarations_facility_by_name", "declarations", ["facility_by_name"])
    op.create_index("ix_declarations_facility_by_id", "declarations", ["facility_by_id"])


def downgrade() -> None:
    op.drop_index("ix_declarations_facility_by_id", "declarations")
    op.drop_index("ix_declarations_facility_by_name", "declarations")
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("facility_by_id")
        batch.drop_column("facility_by_name")
