"""From a declaration file to a published PACT record: ``footprint publish DECL.json --to CLIENT|--public``.

The record is the same one ``footprint export --format pact`` writes (footprint/export/pact.py);
the host serves it unchanged, so what a customer's system fetches is what the producer exported.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from footprint.export.pact import to_pact
from footprint.server.store import PUBLIC, PublishError, Published, Store


def signatures_for_extension(document: Mapping[str, Any]) -> list[Any] | None:
    """Hook for signed declarations (issue 10b): a declaration's ``signatures`` list, kept in the record.

    A signed declaration carries a ``signatures`` list (Ed25519, footprint/declaration/signing.py once it
    lands); the PACT record keeps it verbatim in its footprint extension so a recipient can check who
    issued the declaration.  Verification of the signatures belongs to the signing module, not here.
    """
    signatures = document.get("signatures")
    return list(signatures) if isinstance(signatures, list) and signatures else None


def pact_record(document: Mapping[str, Any]) -> dict[str, Any]:
    """The PACT v3 record served for a declaration (the export's record, plus any signatures)."""
    record = to_pact(document)
    signatures = signatures_for_extension(document)
    if signatures:
        record["extensions"][0]["data"]["signatures"] = signatures
    return record


def publish(document: Mapping[str, Any], *, to: Sequence[str] = (), public: bool = False,
            database: str | Path | None = None) -> Published:
    """Publish a (checked) declaration to clients and/or everyone."""
    if not to and not public:
        raise PublishError("say who may see the declaration", field="--to",
                           expected="--to CLIENT (repeatable) or --public")
    audiences = list(to) + ([PUBLIC] if public else [])
    return Store(database).publish(document, pact_record(document), audiences)
