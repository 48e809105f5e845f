"""A received event is unique per sending client: (client_id, source, event_id), not (source, event_id).

CloudEvents ids are unique per ``source``, and the source is whatever the sender writes, so a
(source, id) unique across all clients let client B, sending an event under client A's source and
id first, make A's own event refused (HTTP 400 since the audit; before it, answered 200 and dropped).
The host now scopes events by the authenticated client: B's event and A's are both stored, each as
its sender's; the same client sending the same (source, id) again is still a duplicate.

Rows written before already satisfy the new constraint (it is wider than the old one).  Downgrading
needs (source, event_id) unique again: it is refused while two clients' events share one.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_source_id", type_="unique")
        batch.create_unique_constraint("uq_events_client_source_id", ["client_id", "source", "event_id"])


def downgrade() -> None:
    shared = op.get_bind().execute(sa.text(
        "SELECT source, event_id FROM events GROUP BY source, event_id HAVING COUNT(*) > 1")).first()
    if shared is not None:
        raise RuntimeError(f"cannot downgrade below 0008: events of several clients share source {shared[0]!r} "
                           f"and id {shared[1]!r}, which revision 0007 keeps unique")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_client_source_id", type_="unique")
        batch.create_unique_constraint("uq_events_source_id", ["source", "event_id"])
