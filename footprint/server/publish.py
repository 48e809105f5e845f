"""From a declaration file to a published PACT record: ``footprint publish DECL.json --to CLIENT|--public``.

The record is the same one ``footprint export --format pact`` writes (footprint/export/pact.py);
the host serves it unchanged, so what a customer's system fetches is what the producer exported
(a correction published with ``--replace`` also names the records it replaces in ``precedingPfIds``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from footprint.declaration.signing import ALGORITHM, NOT_A_LIST, OTHER_CONTENT, RecordProblem, record_problems
from footprint.export.pact import to_pact
from footprint.inputs.upstream import content_hash
from footprint.server.store import PUBLIC, PublishError, Published, Store


def signatures_for_extension(document: Mapping[str, Any]) -> list[Any] | None:
    """A signed declaration's ``signatures`` list, kept verbatim in the PACT record's extension.

    The record lets a recipient check who issued the declaration (footprint/declaration/signing.py
    verifies each signature against the public keys the recipient trusts).  The host holds no keys,
    but it refuses what no key could ever verify: a signature record that is not an Ed25519 record
    over this very content (its ``content_sha256`` is the document's recomputed hash).  Serving such
    a record would show customers a signature that belongs to other numbers.
    """
    signatures = document.get("signatures")
    if signatures is None or signatures == []:
        return None
    digest = content_hash(dict(document))
    problems = record_problems(document, digest)
    if problems:  # the first one refuses the declaration
        raise _refusal(problems[0], signatures, digest)
    return list(signatures)


def _refusal(problem: RecordProblem, signatures: Any, digest: str) -> PublishError:
    """The host's words for a problem signing.record_problems found (the same check footprint verify makes)."""
    if problem.kind == NOT_A_LIST:
        return PublishError("the declaration's 'signatures' is not a list", field="signatures",
                            expected="the list 'footprint sign' writes")
    if problem.kind == OTHER_CONTENT:
        key = str(signatures[problem.number - 1].get("key_id"))[:16]
        return PublishError(f"signature {problem.number} (key {key}) was made over other content than this "
                            "declaration's; it is not published", field="signatures",
                            expected=f"signatures over content_sha256 {digest[:16]}...")
    return PublishError(f"signature {problem.number} is not an {ALGORITHM} signature record ({problem.reason})",
                        field="signatures",
                        expected="the records 'footprint sign' writes (algorithm, key_id, signature, ...)")


def pact_record(document: Mapping[str, Any]) -> dict[str, Any]:
    """The PACT v3 record served for a declaration (the export's record, plus any signatures)."""
    record = to_pact(document)
    signatures = signatures_for_extension(document)
    if signatures:
        record["extensions"][0]["data"]["signatures"] = signatures
    return record


def publish(document: Mapping[str, Any], *, to: Sequence[str] = (), public: bool = False,
            database: str | Path | None = None, replace: bool = False) -> Published:
    """Publish a (checked) declaration to clients and/or everyone; ``replace``: in place of the Active
    record(s) of the same facility and an overlapping period (Store.publish)."""
    if not to and not public:
        raise PublishError("say who may see the declaration", field="--to",
                           expected="--to CLIENT (repeatable) or --public")
    audiences = list(to) + ([PUBLIC] if public else [])
    return Store(database).publish(document, pact_record(document), audiences, replace=replace)
