"""What 'footprint serve' hands out: PACT records, who may see them, API clients, received events.

* ``published``: one row per PACT ProductFootprint (``pf_id``, a UUID v5 of the declaration id),
  the declaration and its PACT record as JSON, and the columns the web pages and ListFootprints
  filter on.  ``seq`` orders pages and pins a paginated listing to what existed when it began.
* ``audiences``: who may see a record: an API client id, or ``*`` for everyone (and the web pages).
* ``pf_keys``: the record's product ids, company ids, classifications and geographies, lower-cased,
  so ListFootprints filters run in SQL (the PACT matches are case-insensitive).
* ``clients``: API clients; ``secret_hash`` is a salted scrypt hash, never the secret.
* ``events``: CloudEvents received on POST /3/events; (source, event_id) is unique (a resent event
  is a duplicate, not a second request).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published",
        sa.Column("seq", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("pf_id", sa.String(36), nullable=False, unique=True),
        sa.Column("declaration_id", sa.Text, nullable=False, unique=True),
        sa.Column("rule_id", sa.Text, nullable=False),
        sa.Column("rule_version", sa.Text, nullable=False),
        sa.Column("declarant", sa.Text, nullable=False),
        sa.Column("period_start", sa.String(10), nullable=False),
        sa.Column("period_end", sa.String(10), nullable=False),
        sa.Column("class_label", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created", sa.String(40), nullable=False),
        sa.Column("valid_from", sa.String(40), nullable=False),
        sa.Column("valid_to", sa.String(40), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("published_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_published_rule", "published", ["rule_id"])
    op.create_table(
        "audiences",
        sa.Column("pf_id", sa.String(36), primary_key=True),
        sa.Column("audience", sa.Text, primary_key=True),
    )
    op.create_index("ix_audiences_audience", "audiences", ["audience"])
    op.create_table(
        "pf_keys",
        sa.Column("pf_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.Text, primary_key=True),
    )
    op.create_index("ix_pf_keys_kind_value", "pf_keys", ["kind", "value"])
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("created", sa.String(40), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.UniqueConstraint("source", "event_id", name="uq_events_source_id"),
    )


def downgrade() -> None:
    for table in ("events", "clients", "pf_keys", "audiences", "published"):
        op.drop_table(table)
