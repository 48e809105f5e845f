"""The host answers a RequestCreated event: each client's event endpoint, and an outbox of the answers.

PACT v3 (Action Events): a data owner answers a RequestCreatedEvent by sending the requester a
RequestFulfilledEvent (the matching ProductFootprints, ``data.pfs``) or a RequestRejectedEvent
(``data.error``), both with ``data.requestEventId``, to the requester's own ``POST /3/events``
(WBCSD's mandatory conformance cases #13 and #14.B wait for it).  The host stored the request and
never answered it.

* ``client_endpoints``: where and how the host sends a client's events: the client's base URL
  (https; events go to ``{base}/3/events``), its token endpoint, and the client id and secret the host
  authenticates with there.  The secret has to be sent, so it is kept as given (not hashed, unlike
  the host's own clients' secrets): whoever reads the database reads it.
* ``outbox``: one answer per received RequestCreated (unique by the request's client, source and id:
  a request is answered once), the CloudEvent to send as JSON, and its delivery state
  (``pending``/``delivered``/``failed``), attempts, the last error, when to try next and a lease (so
  two server processes on one database do not both send it).  A restart resumes the pending ones.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_endpoints",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("base_url", sa.Text, nullable=False),
        sa.Column("token_url", sa.Text, nullable=False),
        sa.Column("remote_client_id", sa.Text, nullable=False),
        sa.Column("remote_secret", sa.Text, nullable=False),
        sa.Column("ca_file", sa.Text, nullable=True),
        sa.Column("created", sa.String(40), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("request_source", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt", sa.Float, nullable=False),
        sa.Column("lease_until", sa.Float, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created", sa.String(40), nullable=False),
        sa.Column("delivered_at", sa.String(40), nullable=True),
        sa.UniqueConstraint("client_id", "request_source", "request_id", name="uq_outbox_request"),
    )
    op.create_index("ix_outbox_state", "outbox", ["state", "next_attempt"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("client_endpoints")
