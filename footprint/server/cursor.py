"""The snapshot of a paginated ListFootprints listing, carried in its pagination links, signed.

Why signed: the snapshot tick decides which records a page holds.  A plain number in the link
(``x-footprint-asof``) could be edited, carried over to another filter (whose pages then skip
records, HTTP 200) or be left over from another database.  The cursor binds the tick to the client,
to the listing's filters and to a time, under an HMAC-SHA256 key that lives only in the server
process (like the token key: a restart ends the listings in progress, as it ends the tokens).
"""
from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict
from typing import Any

from footprint.server.security import b64, mac, unb64
from footprint.server.store import Filters

#: How long a pagination link works (PACT v3 'Pagination': at least 180 seconds after creation).
LIFETIME_SECONDS = 24 * 3600


class CursorError(ValueError):
    """A pagination cursor that is malformed, forged, expired, of another client or of another filter."""


def filters_digest(filters: Filters) -> str:
    """A digest of a listing's filters (list values sorted: their order does not change the listing)."""
    data = asdict(filters)
    data["keys"] = {kind: sorted(values) for kind, values in sorted(filters.keys.items())}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:32]


class CursorSigner:
    """Issues and checks the ``x-footprint-cursor`` of a listing's pagination links."""

    def __init__(self, key: bytes | None = None, *, lifetime: int = LIFETIME_SECONDS, clock=time.time):
        self._key = key if key is not None else secrets.token_bytes(32)
        self.lifetime, self._clock = lifetime, clock

    def _mac(self, payload: str) -> str:
        return mac(self._key, payload)

    def issue(self, snapshot: int, client_id: str, filters: Filters, issued: int | None = None) -> str:
        """A cursor for the listing pinned at ``snapshot``; ``issued`` is kept across its pages."""
        body = {"s": snapshot, "c": client_id, "f": filters_digest(filters),
                "t": int(self._clock()) if issued is None else issued}
        text = b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
        return f"{text}.{self._mac(text)}"

    def check(self, cursor: str, client_id: str, filters: Filters) -> tuple[int, int]:
        """(snapshot tick, issue time) of a cursor this server issued to ``client_id`` for ``filters``."""
        text, _, mac = cursor.partition(".")
        if not text or not mac or not hmac.compare_digest(mac, self._mac(text)):
            raise CursorError("the pagination cursor was not issued by this server (or was issued before it "
                              "restarted)")
        try:
            body: Any = json.loads(unb64(text))
            snapshot, owner, digest, issued = int(body["s"]), str(body["c"]), str(body["f"]), int(body["t"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise CursorError("the pagination cursor is malformed") from None
        if owner != client_id:
            raise CursorError("the pagination cursor was issued to another client")
        if digest != filters_digest(filters):
            raise CursorError("the pagination cursor belongs to a listing with other filters (productId, companyId, "
                              "geography, classification, validOn, validAfter, validBefore, status)")
        if self._clock() - issued > self.lifetime:
            raise CursorError(f"the pagination cursor expired ({self.lifetime // 3600} h after the listing began)")
        return snapshot, issued
