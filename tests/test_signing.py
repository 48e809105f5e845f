"""Signed declarations: a forged, re-hashed declaration is refused wherever a signature is required.

The content hash alone proves nothing against someone who recomputes it (issue 10): these tests
forge exactly that (change a value, recompute content_sha256) and check that every reader asked to
require a signature (market add, classes assign, report) refuses it with exit 2, and that
verify --public-key reports it (exit 1).
"""
from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import cli
import footprint
from footprint.declaration import signing
from footprint.errors import FootprintError
from footprint.inputs.upstream import content_hash

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


def invoke(*args) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


@pytest.fixture()
def keys(tmp_path) -> dict[str, Path]:
    """Two key pairs: the producer's and someone else's."""
    made = {}
    for name in ("producer", "other"):
        result = invoke("keys", "new", "--out", tmp_path / f"{name}.key")
        assert result.exit_code == 0, result.stderr
        made[name] = tmp_path / f"{name}.key"
    return made


@pytest.fixture()
def signed_file(example_declaration, keys, tmp_path) -> Path:
    path = footprint.write_declaration(example_declaration, tmp_path / "decl.json")
    result = invoke("sign", path, "--key", keys["producer"], "--name", "Example Co.", "--role", "producer")
    assert result.exit_code == 0, result.stderr
    return path


def forge(path: Path, target: Path) -> Path:
    """What a forger can do without the key: halve the climate result and recompute the content hash."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document["results"][0]["value"] /= 2
    document["content_sha256"] = content_hash(document)
    target.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return target


# ----------------------------------------------------------------------------- keys

def test_keys_new_writes_a_private_key_only_its_owner_reads_and_the_public_key_beside_it(keys):
    private, public = keys["producer"], Path(str(keys["producer"]) + ".pub")
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(public).st_mode) & 0o044  # readable by others: it is meant to be handed out
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")


def test_keys_new_never_overwrites_a_key_without_force(keys):
    before = keys["producer"].read_bytes()
    result = invoke("keys", "new", "--out", keys["producer"])
    assert result.exit_code == 2 and "exists" in result.stderr
    assert keys["producer"].read_bytes() == before
    assert invoke("keys", "new", "--out", keys["producer"], "--force").exit_code == 0
    assert keys["producer"].read_bytes() != before
    assert stat.S_IMODE(os.stat(keys["producer"]).st_mode) == 0o600


def test_the_key_id_is_the_sha256_of_the_raw_public_key(keys):
    public = signing.load_public_keys(str(keys["producer"]) + ".pub")
    (key_id, key), = public.items()
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32 and key_id == __import__("hashlib").sha256(raw).hexdigest()


@pytest.mark.parametrize("content,message", [
    (b"not a key", "no public key in the file"),
    (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "unreadable"),
    (b"\x00\x01binary", "binary file"),
])
def test_unusable_trusted_key_files_are_exit_2(signed_file, tmp_path, content, message):
    keys = tmp_path / "trusted.pem"
    keys.write_bytes(content)
    result = invoke("report", signed_file, "-o", tmp_path / "r.html", "--require-signature", keys)
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_a_private_key_in_a_trusted_keys_file_is_refused(signed_file, keys, tmp_path):
    result = invoke("report", signed_file, "-o", tmp_path / "r.html", "--require-signature", keys["producer"])
    assert result.exit_code == 2 and "never hand out a private key" in result.stderr


def test_a_trusted_keys_file_may_hold_several_keys(signed_file, keys, tmp_path):
    trusted = tmp_path / "trusted.pem"
    trusted.write_text("# the conformity-assessment body and the producer\n"
                       + Path(str(keys["other"]) + ".pub").read_text()
                       + Path(str(keys["producer"]) + ".pub").read_text())
    result = invoke("report", signed_file, "-o", tmp_path / "r.html", "--require-signature", trusted)
    assert result.exit_code == 0, result.stderr


# ----------------------------------------------------------------------------- signing and the content hash

def test_signing_does_not_change_the_content_hash_and_is_checked(example_declaration, keys):
    signed = footprint.sign_document(example_declaration, keys["producer"], name="A", role="producer")
    assert signed["content_sha256"] == example_declaration["content_sha256"] == content_hash(signed)
    (record,) = signed["signatures"]
    assert record["algorithm"] == "Ed25519" and record["signer"] == {"name": "A", "role": "producer"}
    assert record["content_sha256"] == example_declaration["content_sha256"]
    assert len(base64.b64decode(record["signature"])) == 64
    check = signing.check(signed, signing.load_public_keys(str(keys["producer"]) + ".pub"))
    assert check.ok and check.valid == [record]
    from footprint.declaration.declaration import validate

    validate(signed)  # the schema knows the signatures block


def test_signing_again_with_the_same_key_replaces_its_signature_and_other_keys_add_theirs(example_declaration, keys):
    once = footprint.sign_document(example_declaration, keys["producer"])
    twice = footprint.sign_document(once, keys["producer"], role="producer")
    assert len(twice["signatures"]) == 1 and twice["signatures"][0]["signer"] == {"role": "producer"}
    both = footprint.sign_document(twice, keys["other"], role="verifier")
    assert len(both["signatures"]) == 2
    for key in keys.values():
        assert signing.check(both, signing.load_public_keys(str(key) + ".pub")).ok


def test_an_edited_signature_record_is_invalid(example_declaration, keys):
    """The signer's name and the time are signed too: changing them breaks the signature."""
    signed = footprint.sign_document(example_declaration, keys["producer"], name="Example Co.")
    public = signing.load_public_keys(str(keys["producer"]) + ".pub")
    for field, value in (("signer", {"name": "Someone Else"}), ("signed_at", "2020-01-01T00:00:00Z")):
        edited = json.loads(json.dumps(signed))
        edited["signatures"][0][field] = value
        check = signing.check(edited, public)
        assert not check.ok and "does not match" in check.invalid[0][1]
    flipped = json.loads(json.dumps(signed))
    raw = bytearray(base64.b64decode(flipped["signatures"][0]["signature"]))
    raw[0] ^= 1
    flipped["signatures"][0]["signature"] = base64.b64encode(bytes(raw)).decode()
    assert not signing.check(flipped, public).ok


@pytest.mark.parametrize("field, value, reason, refusal", [
    ("algorithm", "RSA", "algorithm 'RSA', not Ed25519", "is not an Ed25519 signature record"),
    ("signature", "", "the record carries no signature", "is not an Ed25519 signature record"),
    ("content_sha256", "0" * 64, "the declaration's content differs from what was signed", "made over other content"),
])
def test_one_key_free_check_decides_for_verify_and_the_pact_host(example_declaration, keys, field, value, reason,
                                                                  refusal):
    """check and the host's publish each had their own copy of the record checks, free to drift apart:
    signing.record_problems is now the one that decides, and both report its reason."""
    from footprint.server.publish import signatures_for_extension
    from footprint.server.store import PublishError

    signed = footprint.sign_document(example_declaration, keys["producer"], name="Example Co.")
    edited = json.loads(json.dumps(signed))
    edited["signatures"][0][field] = value
    problems = signing.record_problems(edited, content_hash(edited))
    assert [(p.number, p.reason) for p in problems] == [(1, reason)]
    check = signing.check(edited, signing.load_public_keys(str(keys["producer"]) + ".pub"))
    assert check.invalid == [(edited["signatures"][0], reason)] and not check.valid
    with pytest.raises(PublishError, match=refusal) as refused:
        signatures_for_extension(edited)
    assert "signature 1 " in str(refused.value)
    if problems[0].kind == signing.NOT_A_RECORD:  # the host names the same reason
        assert reason in str(refused.value)
    assert signing.record_problems(signed, content_hash(signed)) == []  # the record as signed is sound
    assert signatures_for_extension(signed) == signed["signatures"]


def test_sign_refuses_a_declaration_edited_after_it_was_written(example_declaration, keys, tmp_path):
    edited = json.loads(json.dumps(example_declaration))
    edited["results"][0]["value"] *= 2  # content changed, hash not recomputed
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(edited), encoding="utf-8")
    result = invoke("sign", path, "--key", keys["producer"])
    assert result.exit_code == 2 and "edited after it was written" in result.stderr
    assert "signatures" not in json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("signer", ["producer", "other"])
def test_sign_refuses_a_declaration_changed_after_it_was_signed(signed_file, keys, tmp_path, signer):
    """A forged file (value halved, content hash recomputed) still carries the producer's signature record
    over the old content: the evidence that it was changed after signing.  'footprint sign' signed it,
    exit 0: with the producer's own key the stale record was replaced, so the forged value left with a
    valid signature (verify --public-key: 'verified'); with another key it was written beside a record
    every verify fails."""
    forged = forge(signed_file, tmp_path / "forged.json")
    before = forged.read_bytes()
    result = invoke("sign", forged, "--key", keys[signer])
    assert result.exit_code == 2, result.stdout
    assert "signatures[1]" in result.stderr and "changed after it was signed" in result.stderr
    assert "Traceback" not in result.stderr and forged.read_bytes() == before
    assert invoke("sign", forged, "--key", keys[signer], "-o", tmp_path / "out.json").exit_code == 2
    assert not (tmp_path / "out.json").exists()


def test_sign_to_another_file_leaves_the_input_untouched(example_declaration, keys, tmp_path):
    path = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    before = path.read_bytes()
    assert invoke("sign", path, "--key", keys["producer"], "-o", tmp_path / "s.json").exit_code == 0
    assert path.read_bytes() == before
    assert invoke("sign", path, "--key", keys["producer"], "-o", tmp_path / "s.json").exit_code == 2  # exists


def test_a_bad_private_key_file_is_exit_2(example_declaration, keys, tmp_path):
    path = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    result = invoke("sign", path, "--key", str(keys["producer"]) + ".pub")
    assert result.exit_code == 2 and "not a usable private key" in result.stderr


# ----------------------------------------------------------------------------- a forged declaration is refused

@pytest.mark.parametrize("command", [
    ["market", "add", "{decl}", "--mass", "1000", "--year", "2025", "--register", "{out}.sqlite"],
    ["classes", "assign", "{decl}", "--scheme", "{tmp}/no-scheme.json", "-o", "{out}.json"],
    ["report", "{decl}", "-o", "{out}.html"],
], ids=["market-add", "classes-assign", "report"])
def test_a_forged_rehashed_declaration_is_refused_where_a_signature_is_required(signed_file, keys, tmp_path, command):
    forged = forge(signed_file, tmp_path / "forged.json")
    trusted = str(keys["producer"]) + ".pub"
    runs = iter(range(10))

    def run(decl: Path, *extra) -> Result:
        out = tmp_path / f"out{next(runs)}"
        return invoke(*[part.format(decl=decl, tmp=tmp_path, out=out) for part in command], *extra)

    result = run(forged, "--require-signature", trusted)
    assert result.exit_code == 2, result.stderr
    assert "changed after it was signed" in result.stderr and "signatures[1]" in result.stderr
    # without the requirement too: the signature record it carries is over other content (it passed, exit 0,
    # where verify and the host refused it: market add registered the halved value)
    result = run(forged)
    assert result.exit_code == 2 and "changed after it was signed" in result.stderr, result.stderr
    stripped = json.loads(forged.read_text(encoding="utf-8"))  # the forger drops the record too: an unsigned file
    stripped.pop("signatures")
    stripped["content_sha256"] = content_hash(stripped)
    (tmp_path / "stripped.json").write_text(json.dumps(stripped), encoding="utf-8")
    result = run(tmp_path / "stripped.json", "--require-signature", trusted)
    assert result.exit_code == 2 and "not signed" in result.stderr, result.stderr  # only a requirement tells
    if command[0] != "classes":  # (assign has no scheme here: it would fail after the signature check)
        assert run(tmp_path / "stripped.json").exit_code == 0  # unsigned and consistent: nothing to refuse
        assert run(signed_file, "--require-signature", trusted).exit_code == 0


def test_an_unsigned_declaration_or_one_signed_by_another_key_is_refused(example_declaration, keys, tmp_path):
    path = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    trusted = str(keys["producer"]) + ".pub"
    result = invoke("market", "add", path, "--mass", "1", "--year", "2025", "--register", tmp_path / "m.sqlite",
                    "--require-signature", trusted)
    assert result.exit_code == 2 and "is not signed" in result.stderr
    assert invoke("sign", path, "--key", keys["other"]).exit_code == 0
    result = invoke("market", "add", path, "--mass", "1", "--year", "2025", "--register", tmp_path / "m.sqlite",
                    "--require-signature", trusted)
    assert result.exit_code == 2 and "no signature by a trusted key" in result.stderr
    assert invoke("sign", path, "--key", keys["producer"]).exit_code == 0
    result = invoke("market", "add", path, "--mass", "1", "--year", "2025", "--register", tmp_path / "m.sqlite",
                    "--require-signature", trusted)
    assert result.exit_code == 0, result.stderr


# ----------------------------------------------------------------------------- verify --public-key

def test_verify_public_key_accepts_the_signed_file_and_rejects_the_forgery(signed_file, keys, tmp_path):
    public = str(keys["producer"]) + ".pub"
    result = invoke("verify", signed_file, "--public-key", public)
    assert result.exit_code == 0 and "signature valid:   key" in result.stdout and "(Example Co., producer)" in \
        result.stdout
    forged = forge(signed_file, tmp_path / "forged.json")
    result = invoke("verify", forged, "--public-key", public)
    assert result.exit_code == 1
    assert "signature INVALID" in result.stdout and "NOT VERIFIED" in result.stderr
    result = invoke("verify", signed_file, "--public-key", str(keys["other"]) + ".pub")
    assert result.exit_code == 1 and "no signature by a key in" in result.stdout


def test_declare_sign_then_verify_data_and_public_key(project, keys, tmp_path):
    out = tmp_path / "d.json"
    result = invoke("declare", "ndpr-oxide", EXAMPLE, "-o", out, "--report", tmp_path / "d.html",
                    "--sign", keys["producer"], "--signer-name", "Example Co.", "--signer-role", "producer")
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["signatures"][0]["signer"]["name"] == "Example Co."
    result = invoke("verify", out, "--data", EXAMPLE, "--public-key", str(keys["producer"]) + ".pub")
    assert result.exit_code == 0, result.stdout
    assert ", 0 differ," in result.stdout  # the signatures are not a difference from the recomputation


def test_classes_assign_can_require_and_add_signatures(signed_file, keys, example_scheme, tmp_path):
    scheme = example_scheme
    trusted = str(keys["producer"]) + ".pub"
    out = tmp_path / "classed.json"
    result = invoke("classes", "assign", signed_file, "--scheme", scheme, "-o", out, "--require-signature", trusted,
                    "--sign", keys["other"], "--signer-role", "conformity-assessment body")
    assert result.exit_code == 0, result.stderr
    classed = json.loads(out.read_text(encoding="utf-8"))
    assert [s["signer"] for s in classed["signatures"]] == [{"role": "conformity-assessment body"}]
    assert invoke("verify", out, "--public-key", str(keys["other"]) + ".pub", "--scheme", example_scheme).exit_code == 0
    # the producer's signature covered the content without the class: it is not carried over
    assert invoke("verify", out, "--public-key", trusted, "--scheme", example_scheme).exit_code == 1


def test_the_api_reader_requires_a_signature_too(signed_file, keys, tmp_path):
    with pytest.raises(FootprintError):
        footprint.read_declaration(forge(signed_file, tmp_path / "f.json"),
                                   require_signature=str(keys["producer"]) + ".pub")


def test_signing_never_writes_over_the_private_key_or_the_scheme_it_reads(example_declaration, example_scheme, keys,
                                                                         tmp_path):
    """``sign DECL --key K -o K --force`` replaced the only copy of the private key with the declaration (exit 0);
    ``declare --sign K -o K`` and ``classes assign -o SCHEME`` are the same mistake."""
    key = keys["producer"]
    before = key.read_bytes()
    decl = footprint.write_declaration(example_declaration, tmp_path / "decl.json")
    for args in (("sign", decl, "--key", key, "-o", key, "--force"),
                 ("declare", "ndpr-oxide", EXAMPLE, "--sign", key, "-o", key, "--force"),
                 ("classes", "assign", decl, "--scheme", example_scheme, "--sign", key, "-o", key, "--force")):
        result = invoke(*args)
        assert result.exit_code == 2 and "the output is an input (private key)" in result.output, (args, result.output)
    assert key.read_bytes() == before
    scheme = example_scheme.read_bytes()
    result = invoke("classes", "assign", decl, "--scheme", example_scheme, "-o", example_scheme, "--force")
    assert result.exit_code == 2 and "the output is an input (class scheme)" in result.output
    assert example_scheme.read_bytes() == scheme
    assert invoke("sign", decl, "--key", key).exit_code == 0      # signing in place (no -o) still works


def test_a_private_key_file_with_two_blocks_is_refused(example_declaration, keys, tmp_path):
    """Two keys pasted into one file: the first signed without a word (maybe not the one meant)."""
    both = tmp_path / "both.key"
    both.write_bytes(keys["producer"].read_bytes() + keys["other"].read_bytes())
    decl = footprint.write_declaration(example_declaration, tmp_path / "decl.json")
    before = decl.read_bytes()
    result = invoke("sign", decl, "--key", both)
    assert result.exit_code == 2 and "2 PEM blocks (PRIVATE KEY, PRIVATE KEY)" in result.output, result.output
    assert decl.read_bytes() == before
    assert invoke("sign", decl, "--key", keys["other"]).exit_code == 0


# ============================================================ suppliers' declarations used as inputs

def _magnet_with_suppliers(tmp_path: Path) -> Path:
    """examples/ndfeb-magnet with its two suppliers' declarations, copied with their relative layout."""
    import shutil

    for folder in ("ndfeb-magnet", "suppliers"):
        shutil.copytree(REPO / "examples" / folder, tmp_path / "examples" / folder)
    return tmp_path / "examples" / "ndfeb-magnet" / "activity-2025.yaml"


def _magnet_with_signed_suppliers(tmp_path: Path, keys: dict[str, Path]) -> tuple[Path, list[Path], str]:
    """_magnet_with_suppliers with both suppliers' files signed by the producer key: (data, suppliers, trusted keys)."""
    data = _magnet_with_suppliers(tmp_path)
    suppliers = sorted((tmp_path / "examples" / "suppliers").glob("*metal-2025.json"))
    for supplier in suppliers:
        assert invoke("sign", supplier, "--key", keys["producer"]).exit_code == 0
    return data, suppliers, str(keys["producer"]) + ".pub"


def _forged_supplier(path: Path) -> dict:
    """A supplier's declaration with its first value divided by 10 and its content hash recomputed."""
    document = json.loads(path.read_text())
    document["results"][0]["value"] /= 10
    document["content_sha256"] = content_hash(document)
    return document


def test_declare_with_supplier_keys_requires_every_supplier_signed_by_a_trusted_key(project, keys, tmp_path):
    """Before --supplier-keys a supplier file edited and hashed again was used with exit 0 (its hash checks out)."""
    data = _magnet_with_suppliers(tmp_path)
    suppliers = sorted((tmp_path / "examples" / "suppliers").glob("*metal-2025.json"))
    trusted, other = str(keys["producer"]) + ".pub", str(keys["other"]) + ".pub"
    out = tmp_path / "decl.json"
    unsigned = invoke("declare", "ndfeb-magnet", data, "-o", out, "--supplier-keys", trusted)
    assert unsigned.exit_code == 2 and "is not signed" in unsigned.stderr and not out.exists()
    for supplier in suppliers:  # the suppliers sign their files (the producer key stands for theirs)
        assert invoke("sign", supplier, "--key", keys["producer"]).exit_code == 0
    assert invoke("declare", "ndfeb-magnet", data, "-o", out, "--supplier-keys", trusted).exit_code == 0
    assert invoke("declare", "ndfeb-magnet", data, "-o", out, "--force",
                  "--supplier-keys", other).exit_code == 2  # signed, but not by a key this producer trusts
    # a supplier's value edited and hashed again: the hash is fine, the signature is not
    document = json.loads(suppliers[0].read_text())
    document["results"][0]["value"] /= 10
    document["content_sha256"] = content_hash(document)
    suppliers[0].write_text(json.dumps(document))
    forged = invoke("declare", "ndfeb-magnet", data, "-o", out, "--force", "--supplier-keys", trusted)
    assert forged.exit_code == 2 and "is not valid" in forged.stderr
    assert invoke("declare", "ndfeb-magnet", data, "-o", out, "--force").exit_code == 0  # without keys: as before


def test_verify_with_supplier_keys_recomputes_only_with_signed_suppliers(project, keys, tmp_path):
    """A supplier's file edited and hashed again, then declared from: verify recomputes the same forged numbers
    and says verified (exit 0, the gap a reviewer could not close).  ``verify --supplier-keys`` holds the
    recomputation to what ``declare --supplier-keys`` requires: each supplier's declaration signed by a
    trusted key over exactly its content."""
    data, suppliers, trusted = _magnet_with_signed_suppliers(tmp_path, keys)
    out = tmp_path / "decl.json"
    assert invoke("declare", "ndfeb-magnet", data, "-o", out).exit_code == 0
    assert invoke("verify", out, "--supplier-keys", trusted).exit_code == 0  # signed suppliers: verified
    suppliers[0].write_text(json.dumps(_forged_supplier(suppliers[0])))  # now a supplier's value is edited
    forged = tmp_path / "forged.json"
    assert invoke("declare", "ndfeb-magnet", data, "-o", forged).exit_code == 0
    assert invoke("verify", forged).exit_code == 0  # without keys the forged supplier recomputes alike
    refused = invoke("verify", forged, "--supplier-keys", trusted)
    assert refused.exit_code == 2 and "is not valid" in refused.stderr and "Traceback" not in refused.stderr
    both = invoke("verify", forged, "--hash-only", "--supplier-keys", trusted)
    assert both.exit_code == 2 and "--hash-only recomputes nothing" in both.stderr


def test_batch_verify_with_supplier_keys_recomputes_only_with_signed_suppliers(project, keys, tmp_path):
    """``batch verify`` had no ``--supplier-keys``: a directory holding a magnet declared from a supplier's
    file edited and hashed again recomputed to the same forged numbers and said verified (exit 0), where single
    ``verify --supplier-keys`` refuses it.  Now the batch holds every row to the same check: the forged row is
    that row's error (exit 2), the honest one still verifies, and a bad keys file stops the run before any row."""
    data, suppliers, trusted = _magnet_with_signed_suppliers(tmp_path, keys)
    directory = tmp_path / "declarations"
    directory.mkdir()
    assert invoke("declare", "ndfeb-magnet", data, "-o", directory / "honest.json").exit_code == 0
    forged_supplier = tmp_path / "examples" / "suppliers" / "forged-metal-2025.json"
    forged_supplier.write_text(json.dumps(_forged_supplier(suppliers[0])))
    forged_data = data.with_name("forged.yaml")
    forged_data.write_text(data.read_text().replace(suppliers[0].name, forged_supplier.name))
    assert forged_data.read_text() != data.read_text()
    assert invoke("declare", "ndfeb-magnet", forged_data, "-o", directory / "forged.json").exit_code == 0

    assert invoke("batch", "verify", directory).exit_code == 0  # without keys both recompute alike
    outcomes = {Path(o.output).name: o for o in footprint.batch_verify(directory, supplier_keys=trusted).outcomes}
    assert outcomes["honest.json"].status == "ok", outcomes["honest.json"].message
    assert outcomes["forged.json"].status == "error" and "is not valid" in outcomes["forged.json"].message
    result = invoke("batch", "verify", directory, "--supplier-keys", trusted)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key\n")
    result = invoke("batch", "verify", directory, "--supplier-keys", bad)
    assert result.exit_code == 2 and "bad.pub" in result.output and "Traceback" not in result.output


def test_batch_verify_with_public_key_holds_every_declaration_to_a_signature(signed_file, keys, tmp_path):
    """batch verify recomputed the numbers only: a market directory of declarations could pass although some
    were never signed, or signed by someone else, where ``verify --public-key`` says NOT VERIFIED (exit 1).

    Three declarations of the same (right) numbers: signed by the producer, unsigned, signed by another key.
    With the producer's public key: one verified, two differ (each saying why); without it: three verified.
    """
    directory = signed_file.parent
    unsigned = json.loads(signed_file.read_text(encoding="utf-8"))
    unsigned.pop("signatures")
    (directory / "unsigned.json").write_text(json.dumps(unsigned, indent=2), encoding="utf-8")
    other = directory / "other.json"
    other.write_text(json.dumps(unsigned, indent=2), encoding="utf-8")
    assert invoke("sign", other, "--key", keys["other"], "--force").exit_code == 0
    public = Path(str(keys["producer"]) + ".pub")

    summary = footprint.batch_verify(directory, public_keys=public)
    by_file = {Path(o.output).name: o for o in summary.outcomes}
    assert by_file["decl.json"].status == "ok"
    assert by_file["unsigned.json"].status == "differs" and f"no signature by a key in {public}" in \
        by_file["unsigned.json"].message
    assert by_file["other.json"].status == "differs" and "no signature by a key in" in by_file["other.json"].message
    assert "values agree" in by_file["unsigned.json"].message  # the numbers themselves were recomputed and agree
    result = invoke("batch", "verify", directory, "--public-key", public)
    assert result.exit_code == 1 and "3 rows: 1 verified, 2 differ, 0 failed" in result.output, result.output
    assert invoke("batch", "verify", directory).exit_code == 0

    forged = forge(signed_file, directory / "forged.json")  # signed record kept, content changed and re-hashed
    outcome = {Path(o.output).name: o for o in footprint.batch_verify(directory, public_keys=public).outcomes}
    assert outcome["forged.json"].status == "differs" and "signature INVALID" in outcome["forged.json"].message
    forged.unlink()

    bad = tmp_path / "bad.pub"
    bad.write_text("not a key\n")
    result = invoke("batch", "verify", directory, "--public-key", bad)
    assert result.exit_code == 2 and "bad.pub" in result.output and "Traceback" not in result.output


def test_verify_without_keys_fails_a_signature_record_made_over_other_content(example_declaration, keys, tmp_path,
                                                                             example_copy):
    """A verifier's signature copied from the declaration it signed into one declared from changed data:
    the numbers agree with the changed data, and verify (no --public-key) said verified, exit 0, with a
    record claiming the verifier signed it.  What needs no key (signing.record_problems) now fails it, in
    verify and batch verify alike; the honest signed file still verifies."""
    signed = footprint.sign_document(example_declaration, keys["producer"], name="Example Verification GmbH",
                                     role="verifier")
    honest = footprint.write_declaration(signed, tmp_path / "honest" / "decl.json")
    assert invoke("verify", honest, "--data", EXAMPLE).exit_code == 0

    example_copy.write_text(example_copy.read_text(encoding="utf-8") + "\n# a copy\n",
                            encoding="utf-8")  # another input file, another document
    other = footprint.declare("ndpr-oxide", example_copy)
    assert other["content_sha256"] != signed["content_sha256"]
    other["signatures"] = signed["signatures"]
    copied = footprint.write_declaration(other, tmp_path / "copied" / "decl.json")
    result = invoke("verify", copied, "--data", example_copy)
    assert result.exit_code == 1 and "signatures[1]" in result.output, result.output
    summary = footprint.batch_verify(copied.parent)
    assert [o.status for o in summary.outcomes] == ["differs"]


def test_verify_public_key_checks_the_signatures_of_the_document_it_recomputed(example_declaration, keys, tmp_path,
                                                                              monkeypatch):
    """verify --public-key read the file a second time for its signatures: a file replaced by a signed one
    after verify had parsed and recomputed an unsigned one printed 'signature valid' and verified, exit 0.
    The signatures checked are now those of the document compared."""
    unsigned = footprint.write_declaration(example_declaration, tmp_path / "decl.json")
    signed = footprint.sign_document(example_declaration, keys["producer"], name="Example Co.")
    verify = footprint.verify_declaration

    def then_replaced(*args, **kwargs):  # a writer replacing the file between verify's reads
        outcome = verify(*args, **kwargs)
        unsigned.write_text(json.dumps(signed), encoding="utf-8")
        return outcome

    monkeypatch.setattr(footprint, "verify_declaration", then_replaced)
    result = invoke("verify", unsigned, "--data", EXAMPLE, "--public-key", str(keys["producer"]) + ".pub")
    assert result.exit_code == 1 and "signature valid" not in result.output, result.output
