"""Alembic environment for footprint's database, configured in code (footprint/market/db.py), no alembic.ini.

The connection comes from ``config.attributes['connection']``: migrations always run inside the
caller's transaction, so a failed migration leaves the database as it was.
"""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
context.run_migrations()
