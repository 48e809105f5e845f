"""Pin a ListFootprints listing to one moment: a listing clock, and the tick of every change a listing sees.

A paginated ``GET /3/footprints`` was pinned by ``published.seq`` only: records published after its
first page were left out, but an audience added to an older record, or a record deprecated
(``publish --replace``, ``Store.deprecate``) between two pages, moved records in or out of an
audience- or ``status``-filtered listing, and the client skipped a record or got one twice, HTTP 200.

* ``listing_clock``: one row; ``tick`` goes up by one in every transaction that changes what a
  listing can match (a record published, an audience granted, a status changed).  On PostgreSQL the
  ``UPDATE`` holds the row's lock until commit, so ticks commit in order: a reader that sees tick S
  sees every change stamped S or lower.
* ``published.listed_tick``: the tick the record was published at.
* ``published.status_tick`` / ``status_before``: the tick of its status change (PACT v3 allows one
  change: to Deprecated) and the status it had before, so a listing at S filters on the status at S.
* ``audiences.granted_tick``: the tick the audience was granted at.

Rows written before: ``listed_tick`` = ``seq`` and the clock starts at the largest ``seq``, audiences
are granted at tick 0, and a record Deprecated already keeps no status history (it was Deprecated
before any listing this revision pins).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_clock",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("tick", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("published") as batch:
        batch.add_column(sa.Column("listed_tick", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("status_tick", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("status_before", sa.String(16), nullable=True))
    with op.batch_alter_table("audiences") as batch:
        batch.add_column(sa.Column("granted_tick", sa.BigInteger, nullable=True))
    op.execute("UPDATE published SET listed_tick = seq")
    op.execute("UPDATE audiences SET granted_tick = 0")
    op.execute("INSERT INTO listing_clock (id, tick) SELECT 1, COALESCE(MAX(seq), 0) FROM published")


def downgrade() -> None:
    with op.batch_alter_table("audiences") as batch:
        batch.drop_column("granted_tick")
    with op.batch_alter_table("published") as batch:
        batch.drop_column("status_before")
        batch.drop_column("status_tick")
        batch.drop_column("listed_tick")
    op.drop_table("listing_clock")
