"""footprint serve: a PACT v3 data-exchange host (TLS, OAuth2 client credentials) and web pages.

The wing on top of the house: it may import the API and every wing below; nothing below api.py
imports it.  Its third-party imports (Starlette, uvicorn, SQLAlchemy) happen only when a server is
built or a declaration published, so ``import footprint`` and the commands that calculate nothing
stay light.
"""
