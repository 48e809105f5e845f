"""Secrets, tokens and failed-authentication limits for the PACT host.

* Client secrets are stored as salted scrypt hashes (hashlib, RFC 7914; N=2**14, r=8, p=1: about
  16 MiB and tens of milliseconds per check), never in plain text.  An unknown client id is checked
  against a dummy hash so that timing does not tell which client ids exist.
* Access tokens are JWTs signed with HMAC-SHA256 under a key that lives only in the server
  process's memory (a new random key per start): nothing to steal from disk or the database, and a
  restart revokes every token (clients then authenticate again, as PACT expects them to on 401).
  The header must be exactly HS256 (no ``alg: none``), the signature is compared in constant time,
  and expiry is checked on every request.
* Failed authentications are counted per remote address in a sliding window; past the limit the
  address is refused (HTTP 429) until the window has moved on, whether the next try is right or not.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2 ** 14, 8, 1, 32
_DUMMY_SALT = secrets.token_bytes(16)
MAX_SECRET_BYTES = 1024


def new_secret() -> str:
    """A client secret with 256 bits of entropy (URL-safe text)."""
    return secrets.token_urlsafe(32)


def b64(data: bytes) -> str:
    """URL-safe base64 without padding (JWT's and the pagination cursor's encoding)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mac(key: bytes, text: str) -> str:
    """HMAC-SHA256 of ``text`` under ``key``, base64url: the signature of tokens and pagination cursors.

    UTF-8, not ASCII: what the host issues is ASCII either way, but a token or cursor a client made up
    with other characters raised UnicodeEncodeError (HTTP 500); now it simply fails to match (a 401/400).
    """
    return b64(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest())


def hash_secret(secret: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64url): what the database stores instead of the secret."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 * 1024 * 1024, dklen=SCRYPT_LEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(digest)}"


def verify_secret(secret: str, stored: str | None) -> bool:
    """True if ``secret`` matches the stored hash; with no stored hash a dummy hash is computed (same time)."""
    encoded = secret.encode("utf-8")
    if stored is None or len(encoded) > MAX_SECRET_BYTES:
        hashlib.scrypt(encoded[:MAX_SECRET_BYTES], salt=_DUMMY_SALT, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                       maxmem=64 * 1024 * 1024, dklen=SCRYPT_LEN)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = unb64(digest)
        actual = hashlib.scrypt(encoded, salt=unb64(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=64 * 1024 * 1024, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Claims:
    client_id: str
    scopes: frozenset[str]
    expires: int
    credential: str = ""  # credential_tag of the secret the token was issued for


def credential_tag(secret_hash: str | None) -> str:
    """A short tag of a client's stored secret hash, carried in its tokens and compared on every request.

    Why: a client id names whoever holds its current secret.  'footprint clients remove' then 'add'
    with the same id (how a leaked secret is replaced) made a new secret, yet a token issued for the
    old one was accepted again until it expired: the check only asked whether the id existed.  The
    tag changes with every new secret (a new salt), so such a token is refused at once.  It reveals
    nothing of the secret: a hash of a salted scrypt hash.
    """
    return hashlib.sha256((secret_hash or "").encode("utf-8")).hexdigest()[:32]


class TokenError(Exception):
    """The bearer token is missing, malformed, forged (``expired`` False) or expired (``expired`` True)."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


_HEADER = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())


class TokenSigner:
    """Issues and checks HS256 JWT access tokens under a per-process random key."""

    def __init__(self, ttl_seconds: int = 3600, *, key: bytes | None = None, clock=time.time):
        self.ttl = int(ttl_seconds)
        self._key = key if key is not None else secrets.token_bytes(32)
        self._clock = clock

    def _sign(self, text: str) -> str:
        return mac(self._key, text)

    def issue(self, client_id: str, scopes: frozenset[str], credential: str = "") -> str:
        """A token for ``client_id``; ``credential`` is the credential_tag of the secret it authenticated with."""
        now = int(self._clock())
        payload = {"sub": client_id, "iat": now, "exp": now + self.ttl, "jti": secrets.token_hex(8),
                   "scope": " ".join(sorted(scopes)), "cred": credential}
        body = b64(json.dumps(payload, separators=(",", ":")).encode())
        signed = f"{_HEADER}.{body}"
        return f"{signed}.{self._sign(signed)}"

    def check(self, token: str) -> Claims:
        parts = token.split(".")
        if len(parts) != 3 or len(token) > 4096:
            raise TokenError("not a token")
        header, body, signature = parts
        if not hmac.compare_digest(self._sign(f"{header}.{body}"), signature) or header != _HEADER:
            raise TokenError("bad signature")
        try:
            payload = json.loads(unb64(body))
            claims = Claims(str(payload["sub"]), frozenset(str(payload.get("scope", "")).split()),
                            int(payload["exp"]), str(payload.get("cred", "")))
        except (ValueError, KeyError, TypeError):
            raise TokenError("bad payload") from None
        if claims.expires <= self._clock():
            raise TokenError("expired", expired=True)
        return claims


class FailureLimiter:
    """At most ``limit`` failed authentications per address within ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 60.0, *, clock=time.monotonic):
        self.limit, self.window, self._clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str) -> deque[float]:
        now = self._clock()
        times = self._failures.setdefault(address, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, address: str) -> int:
        """Seconds until ``address`` may try again (0: it may try now)."""
        with self._lock:
            times = self._recent(address)
            if len(times) < self.limit:
                if not times:
                    self._failures.pop(address, None)
                return 0
            return max(1, int(times[0] + self.window - self._clock() + 0.999))

    def fail(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(self._clock())
            if len(self._failures) > 100_000:  # bounded memory under a flood of addresses
                self._failures = {a: t for a, t in self._failures.items() if t}
