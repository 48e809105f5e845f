"""Ed25519 signatures on declarations: who issued or checked a declaration, not only that it is unchanged.

The content hash (``content_sha256``) detects accidents: anyone who edits a declaration
can recompute it, and the file then looks untouched.  A signature cannot be recomputed
without the signer's private key, so a register, a class assignment or a report that
requires a signature from a trusted key (a conformity-assessment body's, a producer's)
refuses a forged, re-hashed declaration.

How a signature relates to the hash:

* the content hash covers everything except ``content_sha256`` and ``signatures``
  (footprint/inputs/upstream.py ``UNHASHED``), so adding a signature never changes what
  it signs, and several parties can sign the same declaration;
* each signature signs a small canonical record: the algorithm, the key id, the signer's
  name and role, the time, and the content hash, prefixed with a context string so a
  footprint signature can never be taken for a signature over anything else;
* checking a signature recomputes the content hash from the document (never trusting the
  recorded one) and verifies the Ed25519 signature over the record with the public key.

What a valid signature proves: the holder of the private key signed exactly this content
(results, provenance, hashes of the inputs) at the stated time under the stated name.  What
it does not prove: that the numbers are right (``footprint verify --data`` recomputes them),
that the name is true (the key id is what is checked; the name is the signer's claim), or
that the key was not stolen.  Which keys to trust is the reader's decision (--require-signature).
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from footprint._io import read_text, write_outputs
from footprint.errors import FootprintError
from footprint.inputs.upstream import canonical_json, content_hash

ALGORITHM = "Ed25519"
#: Domain separation: the signed bytes start with this, so they mean nothing anywhere else.
CONTEXT = b"footprint declaration signature v1\n"
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----\s.*?-----END \1-----", re.S)


class SignatureError(FootprintError):
    """A key file is unusable, or a declaration lacks a valid signature where one is required."""


# ----------------------------------------------------------------------------- keys

def key_id(public_key) -> str:
    """The key's fingerprint: SHA-256 of its 32 raw bytes, hex (what signatures name and readers trust)."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_path(private_path: Path) -> Path:
    """Where 'keys new' puts the public key: beside the private key, with '.pub' added."""
    private_path = Path(private_path)
    return private_path.with_name(private_path.name + ".pub")


@dataclass(frozen=True)
class NewKey:
    private_path: Path
    public_path: Path
    key_id: str


def new_key(path: str | Path, *, force: bool = False) -> NewKey:
    """A new Ed25519 key pair: the private key (PKCS#8 PEM, mode 0600) at ``path``, the public key beside it.

    Neither file is overwritten without ``force``; both are written or neither.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path = Path(path)
    public_path = public_key_path(private_path)
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    # The private key is 0600 from its first byte (mkstemp), never readable by others; both or neither.
    write_outputs([(public_path, public_pem), (private_path, private_pem, 0o600)], force=force)
    return NewKey(private_path, public_path, key_id(private.public_key()))


def load_private_key(path: str | Path):
    """An Ed25519 private key from a PEM file written by 'footprint keys new'."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    text = read_text(path, SignatureError, max_bytes=64 * 1024,
                     expected="a private key file from 'footprint keys new'")
    blocks = [m.group(1).decode("ascii", "replace") for m in _PEM_BLOCK.finditer(text.encode("ascii", "replace"))]
    if len(blocks) > 1:  # the first one signed without a word: two keys pasted into one file sign with the wrong one
        raise SignatureError(f"{len(blocks)} PEM blocks ({', '.join(blocks)}); which key signs would be a guess",
                             file=path, expected="exactly one private key block, as 'footprint keys new' writes it")
    try:
        key = serialization.load_pem_private_key(text.encode("ascii", "replace"), password=None)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"not a usable private key ({excerpt_reason(exc)})", file=path,
                             expected="an unencrypted Ed25519 private key (PEM) from 'footprint keys new'") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"not an Ed25519 key ({type(key).__name__})", file=path,
                             expected="an Ed25519 private key from 'footprint keys new'")
    return key


def load_public_keys(path: str | Path) -> dict[str, Any]:
    """Every Ed25519 public key in a file (one or more PEM blocks; text around them is ignored), by key id.

    A trusted-keys file is such a file: the public keys of the parties whose signatures count.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = Path(path)
    text = read_text(path, SignatureError, max_bytes=4 * 1024 * 1024,
                     expected="one or more public keys (PEM) such as 'footprint keys new' writes to KEY.pub")
    keys: dict[str, Any] = {}
    for number, match in enumerate(_PEM_BLOCK.finditer(text.encode("utf-8")), start=1):
        if match.group(1) != b"PUBLIC KEY":
            raise SignatureError(f"block {number} is a {match.group(1).decode()}, not a PUBLIC KEY"
                                 + (" (never hand out a private key)" if b"PRIVATE" in match.group(1) else ""),
                                 file=path, expected="public keys only")
        try:
            key = serialization.load_pem_public_key(match.group(0))
        except (ValueError, TypeError) as exc:
            raise SignatureError(f"public key {number} is unreadable ({excerpt_reason(exc)})", file=path,
                                 expected="Ed25519 public keys (PEM)") from None
        if not isinstance(key, Ed25519PublicKey):
            raise SignatureError(f"public key {number} is not an Ed25519 key ({type(key).__name__})", file=path,
                                 expected="Ed25519 public keys from 'footprint keys new'")
        keys[key_id(key)] = key
    if not keys:
        raise SignatureError("no public key in the file", file=path,
                             expected="one or more '-----BEGIN PUBLIC KEY-----' blocks "
                                      "(KEY.pub of 'footprint keys new')")
    return keys


def excerpt_reason(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


# ----------------------------------------------------------------------------- signing

def _payload(record: dict[str, Any]) -> bytes:
    """The bytes a signature is made over: the context string and the canonical signed record."""
    signed = {key: record.get(key) for key in ("algorithm", "content_sha256", "key_id", "signed_at", "signer")}
    return CONTEXT + canonical_json(signed).encode("utf-8")


def sign(document: dict[str, Any], private_key, *, name: str | None = None, role: str | None = None,
         signed_at: dt.datetime | None = None) -> dict[str, Any]:
    """The document with one more signature (a key signing again replaces its earlier signature).

    The document's content hash is recomputed first: a document whose ``content_sha256`` does not
    match its content is refused (signing it would vouch for content nobody wrote).  So is one that
    carries a signature record no key could verify for this content (record_problems, the check every
    verify makes): a record over other content shows the file was changed after it was signed and its
    hash recomputed.  Signing it had replaced that evidence (same key) or written a file every verify
    fails (another key), exit 0 both times.
    """
    digest = content_hash(document)
    if document.get("content_sha256") != digest:
        raise SignatureError("the declaration was edited after it was written (content_sha256 does not match); "
                             "it is not signed", field="content_sha256",
                             expected="the file as 'footprint declare' wrote it")
    refuse_record_problems(document, digest, SignatureError, suffix="; it is not signed")
    identity = key_id(private_key.public_key())
    signer = {key: value for key, value in (("name", name), ("role", role)) if value}
    from footprint._time import as_utc, utc_now

    when = as_utc(signed_at or utc_now()).replace(microsecond=0)  # a naive signed_at is UTC, not local time
    record: dict[str, Any] = {"key_id": identity, "algorithm": ALGORITHM, "signer": signer,
                              "signed_at": when.isoformat().replace("+00:00", "Z"), "content_sha256": digest}
    record["signature"] = base64.b64encode(private_key.sign(_payload(record))).decode("ascii")
    others = [s for s in document.get("signatures") or [] if not (isinstance(s, dict) and s.get("key_id") == identity)]
    signed = dict(document)
    signed["signatures"] = others + [record]
    return signed


# ----------------------------------------------------------------------------- checking

@dataclass
class SignatureCheck:
    """Each signature of a declaration against a set of public keys."""

    content_sha256: str  # recomputed from the document
    valid: list[dict] = field(default_factory=list)  # signatures verified with a given key
    invalid: list[tuple[dict, str]] = field(default_factory=list)  # (signature, why) by a given key, not valid
    unknown: list[dict] = field(default_factory=list)  # by keys not given (not checked)

    @property
    def ok(self) -> bool:
        """At least one valid signature by a given key, and none by a given key that fails."""
        return bool(self.valid) and not self.invalid


#: RecordProblem kinds: 'signatures' is no list; a record no Ed25519 key could verify; one made over other content.
NOT_A_LIST, NOT_A_RECORD, OTHER_CONTENT = "not a list", "not a record", "other content"
CONTENT_DIFFERS = "the declaration's content differs from what was signed"


@dataclass(frozen=True)
class RecordProblem:
    """Why a signature record could be verified by no key at all: found without any key.

    ``number`` is the record's place (1 = the first; 0 for a 'signatures' that is no list).
    check reports ``reason`` as the record's invalidity; the PACT host refuses to publish it.
    """

    number: int
    kind: str
    reason: str


def refuse_record_problems(document: Mapping[str, Any], digest: str, error: type[FootprintError], *,
                           file: str | Path | None = None, suffix: str = "") -> None:
    """Raise ``error`` naming the first signature record record_problems finds (none: return).

    One refusal for sign and every reader of a declaration (read_declaration: report, export,
    market add, classes assign): a record over other content shows the file was changed after it
    was signed and its hash recomputed, which verify and the host already refused while the
    register took the changed value, exit 0.
    """
    for problem in record_problems(document, digest):
        where = f"signatures[{problem.number}]" if problem.number else "signatures"
        if problem.kind == OTHER_CONTENT:
            reason = ("the declaration was changed after it was signed (that signature is over other content, "
                      "and its content hash was recomputed)")
        else:
            reason = f"a signature record no key could verify ({problem.reason})"
        raise error(reason + suffix, file=file, field=where,
                    expected="the declaration as its signer signed it (or as 'footprint declare' "
                             "wrote it), its signature records over its content")


def record_problems(document: Mapping[str, Any], digest: str) -> list[RecordProblem]:
    """The key-free check of a document's signatures against its recomputed content hash ``digest``.

    One place decides what a well-formed record over this content is, so check (which then verifies
    the signature with a key) and the host's publish (which holds no keys) cannot drift apart: the
    list is a list, each record an object with algorithm Ed25519 and a signature value, and the
    record's content_sha256 is ``digest``.  No signatures at all is no problem (an unsigned document).
    """
    signatures = document.get("signatures")
    if signatures is None:
        return []
    if not isinstance(signatures, list):
        return [RecordProblem(0, NOT_A_LIST, "'signatures' is not a list")]
    found = ((number, _record_problem(record, digest)) for number, record in enumerate(signatures, start=1))
    return [RecordProblem(number, *problem) for number, problem in found if problem is not None]


def _record_problem(record: Any, digest: str) -> tuple[str, str] | None:
    """(kind, why) for one record; None for a well-formed record over ``digest``."""
    if not isinstance(record, dict):
        return NOT_A_RECORD, "a signature is not an object"
    if record.get("algorithm") != ALGORITHM:
        return NOT_A_RECORD, f"algorithm {str(record.get('algorithm'))[:20]!r}, not {ALGORITHM}"
    if not record.get("signature"):
        return NOT_A_RECORD, "the record carries no signature"
    if record.get("content_sha256") != digest:
        return OTHER_CONTENT, CONTENT_DIFFERS
    return None


def check(document: dict[str, Any], keys: dict[str, Any], *, digest: str | None = None) -> SignatureCheck:
    """Verify the document's signatures made with any of ``keys`` (key id -> public key).

    The key-free part is record_problems (shared with the PACT host); a record by a key not given
    is 'unknown' whatever its shape, as long as it is an object (a key id can be read).
    ``digest``: the document's content hash where the caller recomputed it already (a supplier's
    declaration, whose hash was checked when it was read); else it is recomputed here.
    """
    from cryptography.exceptions import InvalidSignature

    digest = content_hash(document) if digest is None else digest
    outcome = SignatureCheck(content_sha256=digest)
    problems = {problem.number: problem for problem in record_problems(document, digest)}
    if 0 in problems:
        outcome.invalid.append(({}, problems[0].reason))
        return outcome
    for number, record in enumerate(document.get("signatures") or [], start=1):
        problem = problems.get(number)
        if not isinstance(record, dict):
            outcome.invalid.append(({}, problem.reason))
            continue
        key = keys.get(record.get("key_id"))
        if key is None:
            outcome.unknown.append(record)
            continue
        if problem is not None:
            outcome.invalid.append((record, problem.reason))
            continue
        if document.get("content_sha256") != digest:  # the record is over this content, the file's hash is not
            outcome.invalid.append((record, CONTENT_DIFFERS))
            continue
        try:
            raw = base64.b64decode(str(record.get("signature", "")), validate=True)
            key.verify(raw, _payload(record))
        except (InvalidSignature, binascii.Error, ValueError):
            outcome.invalid.append((record, "the signature does not match (forged, or the record was edited)"))
            continue
        outcome.valid.append(record)
    return outcome


def require(document: dict[str, Any], keys: dict[str, Any], *, file: str | Path | None = None,
            keys_file: str | Path | None = None, digest: str | None = None) -> SignatureCheck:
    """Raise SignatureError unless the document carries a valid signature by one of ``keys``."""
    outcome = check(document, keys, digest=digest)
    if outcome.ok:
        return outcome
    trusted = ", ".join(sorted(k[:16] for k in keys))
    if outcome.invalid:
        record, why = outcome.invalid[0]
        message = f"signature by key {str(record.get('key_id', '?'))[:16]} is not valid: {why}"
    elif outcome.unknown:
        signers = ", ".join(str(r.get("key_id", "?"))[:16] for r in outcome.unknown)
        message = f"no signature by a trusted key (signed by {signers}; trusted: {trusted})"
    else:
        message = f"the declaration is not signed (a signature by a trusted key is required; trusted: {trusted})"
    raise SignatureError(message, file=file, field="signatures",
                         expected=f"a declaration signed with a key listed in {keys_file or 'the trusted keys'} "
                                  "('footprint sign DECL --key KEY')")


def require_signed_suppliers(suppliers, keys_file: str | Path, keys: dict[str, Any] | None = None) -> None:
    """Raise SignatureError unless every supplier's declaration used carries a valid signature by a trusted key.

    A supplier's content hash shows an accident, not a forgery: whoever edits a value can hash
    the file again, and the producer's number then rests on it with exit 0.  The signatures are
    the ones read with the values (footprint.inputs.upstream.read checked that content_sha256 is
    the hash of that content), so a signature is checked over exactly the content used.
    ``suppliers``: footprint.inputs.upstream.UpstreamDeclaration.  ``keys``: the keys of ``keys_file``
    already read (a batch reads the file once before its rows run); the messages still name the file.
    """
    keys = load_public_keys(keys_file) if keys is None else keys
    for supplier in suppliers:
        signed = {"content_sha256": supplier.content_sha256, "signatures": supplier.signatures}
        require(signed, keys, file=supplier.path, keys_file=keys_file, digest=supplier.content_sha256)


def describe(record: dict[str, Any]) -> str:
    """'key 3f2a9c1d0b7e4a55 (Jane Doe, verifier), signed 2026-03-01T10:00:00Z' for a terminal line."""
    signer = record.get("signer") or {}
    who = ", ".join(str(signer[k]) for k in ("name", "role") if signer.get(k))
    return (f"key {str(record.get('key_id', '?'))[:16]}" + (f" ({who})" if who else "")
            + f", signed {record.get('signed_at', '?')}")
