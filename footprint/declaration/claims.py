"""What a declaration claims about its verification, decided once for every reader (report, PACT, web pages).

"Verified" is one of the claims a reader trusts most, so it is made only from a record that says who
verified: a ``verification`` block (written by hand or by another tool; the schema does not hold it)
whose status, when given, is "verified" and which names its provider, or the schema's
``conformity_assessment`` with status "verified" and the body filled.  Anything else -- a block with
only a comment ("verification planned for Q3"), a status "pending" or "not verified", a provider left
empty -- is no verification: the report showed each of them as "verified" and the PACT export wrote it
as a ``verification`` record, exit 0.
"""
from __future__ import annotations

from typing import Any, Mapping

#: A ``verification`` block's own keys that name who verified (PACT's and the report's spelling).
PROVIDER_KEYS = ("providerName", "provider")


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def verification_block(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The document's ``verification`` block when it is a verification (status verified or unstated, a provider)."""
    block = document.get("verification")
    if not isinstance(block, Mapping):
        return None
    status = block.get("status")
    if status is not None and str(status).strip().lower() != "verified":
        return None
    return block if any(_filled(block.get(key)) for key in PROVIDER_KEYS) else None


def conformity_verified(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``conformity_assessment`` block once a verifier filled it (status verified, body named), else None."""
    block = document.get("conformity_assessment")
    if isinstance(block, Mapping) and block.get("status") == "verified" and _filled(block.get("body")):
        return block
    return None


def is_verified(document: Mapping[str, Any]) -> bool:
    """Whether the declaration claims a verification any reader may show as "verified"."""
    return verification_block(document) is not None or conformity_verified(document) is not None
