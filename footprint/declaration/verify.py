"""Verification: compare a declaration with its recomputation, value by value and hash by hash.

A verifier (Annex V conformity assessment, the Commission's review) must be
able to say "these inputs give exactly this declaration".  This module does the
comparison only; footprint.api.verify recomputes the declaration with the same
engine and hands both documents here, so the comparison is testable on its own.

What counts as a difference:

* the content hash: ``content_sha256`` must match a hash of the file's own
  content; an edit after writing is caught even without recomputing;
* every number in the document (results, stage and process splits,
  contributions, data quality): relative tolerance ``tolerance``,
  |a - b| <= tolerance * max(|a|, |b|); parts of a category's result (by
  stage, by process, contributions) also pass when
  |a - b| <= tolerance * |category total| (floating-point noise near zero);
* every other value (ids, hashes of rule, activity data, inventories and CF
  tables, units, labels): exact;
* library versions differ: a warning, not a failure (results decide);
  the declaration id mixes in the footprint version, so the recomputation
  (footprint.api) makes the id under the version the declaration records
  and the id is compared exactly (an id that differed "because the version
  differs" was a warning, so any id passed with any version string);
* what describes the whole background rather than what the declaration used
  (the snapshot id, the hash and size of the whole dataset library, when an
  imported database was imported): a warning.  The content hash of every
  dataset the declaration used (and those they draw on) and of every method
  it used are compared exactly, so adding an unrelated dataset does not fail
  a verification and changing a used one does;
* a declaration written before those hashes were recorded (no
  ``provenance.snapshot``): their absence is a warning, and so is an id that
  differs only because the id's recipe now uses them (results decide), once
  it is the id that earlier recipe gives from the hashes the declaration
  records (earlier_recipe_ids); any other id is a failure.

A declaration whose mapping provenance is in the older form (every entry of the
mapping file under ``entries``, applied or not) is compared with the recomputation's
``applied``/``not_applied`` folded into that form, with a warning naming the entries
it listed although this product system did not use them.

A schema 1.0 declaration is compared in its 1.0 form: the recomputation (schema
2.0) is folded back (every category in ``results`` with its ``declared`` flag;
blocks new in 2.0 left out), with a warning saying so.  Numbers that the newer
engine computes differently (the DQR procedure, the recycled-content formula)
then show as differences, which is what a verifier must see.

Not compared: ``provenance.created`` (the recomputation reuses it; it must be an
ISO date-time no later than the verification, created_problems), every
``path`` under ``provenance`` (activity data, rule, supplier declarations,
background mapping: files may be verified from another directory; their
hashes are compared),
and ``signatures`` (added after the calculation,
outside the content hash; ``verify --public-key`` checks them), but for what
needs no key: a record that is malformed or made over other content is a failure.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping as _AbcMapping
from typing import Any, Iterator, Mapping

from footprint.declaration.declaration import content_hash, legacy_mapping
from footprint.errors import DeclarationError
from footprint.inputs.rule import LoadedRule

#: ``performance_class`` is compared: the caller puts the class the recomputation gets into it
#: (footprint.api._reclassed), since a class edited and hashed again is otherwise undetectable.
IGNORED = ("provenance.created", "content_sha256", "signatures")
WARN_PREFIX = ("provenance.libraries",)
#: describe the whole background, not what the declaration used: a difference is a warning
BACKGROUND_WIDE = ("provenance.snapshot", "provenance.inventories.sha256", "provenance.inventories.datasets",
                   "provenance.background.sha256")
#: recorded since provenance format 2; absent from older declarations
USED_HASHES = ("provenance.snapshot", "provenance.methods", "provenance.inventories.used_sha256")
_KEYS = ("category", "stage", "process", "item", "id", "name")
_UNDER_IGNORED = tuple(p + end for p in IGNORED for end in ".[")  # what lies under an item of IGNORED


@dataclass
class Difference:
    item: str
    declared: Any
    recomputed: Any
    severity: str  # "failure" or "warning"
    note: str = ""


#: what single and batch verify say of a declaration verified with a class scheme that records no class
NO_CLASS_RECORDED = "no performance class was recorded, so the class scheme was not applied"


@dataclass
class Verification:
    """The outcome: what was compared and what differs."""

    compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    recomputed: bool = True
    allocation: str | None = None
    data: str | None = None  # the activity data recomputed from (None: only the content hash was checked)
    rule: str | None = None  # the rule file recomputed under, absolute (None: only the content hash was checked)
    #: recomputed by the reference path (one bw2calc LCA of foreground and background), not declare's fast path
    reference: bool = False
    #: the document as parsed once and compared: its signatures are the ones to check (api.check_signatures)
    document: dict | None = field(default=None, repr=False)
    #: a class scheme was given but the declaration records no performance class, so none was applied
    #: (footprint.api._scheme_to_apply); what the reader is told is NO_CLASS_RECORDED, never that a class verified
    scheme_not_applied: bool = False

    @property
    def failures(self) -> list[Difference]:
        return [d for d in self.differences if d.severity == "failure"]

    @property
    def warnings(self) -> list[Difference]:
        return [d for d in self.differences if d.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def note(self) -> str:
        """What a reader must be told beside the verdict (single and batch verify print it); "" for nothing."""
        return NO_CLASS_RECORDED if self.scheme_not_applied else ""


def check_content_hash(document: Mapping[str, Any]) -> Difference | None:
    """A difference if the file's content does not hash to its recorded ``content_sha256``."""
    recorded = document.get("content_sha256")
    actual = content_hash(dict(document))
    if recorded != actual:
        return Difference("content_sha256", recorded, actual, "failure",
                          "the file was edited after it was written")
    return None


#: how far ahead of the verifier's clock a declaring machine's clock may be (a declaration verified minutes after
#: it was made on a machine whose clock is fast is no forgery; one dated next year is)
CLOCK_SKEW = dt.timedelta(days=1)


def created_problems(document: Mapping[str, Any], now: dt.datetime | None = None) -> list[Difference]:
    """A failure where ``provenance.created`` is no ISO date-time, or after ``now`` (default: now, UTC) + CLOCK_SKEW.

    ``created`` is not compared (the recomputation reuses it), so it was taken as stated: a declaration
    claiming to be made in 2031, or 'yesterday', hashed again, was verified, exit 0 (the recomputation
    checks the period against the earlier of ``created`` and today; the PACT export then failed on
    the text).  A declaration cannot be made after the moment it is verified.
    """
    from footprint.inputs.upstream import created_at

    provenance = document.get("provenance")
    stated = provenance.get("created") if isinstance(provenance, Mapping) else None
    moment = created_at(document)
    if moment is None:
        return [Difference("provenance.created", stated, "an ISO 8601 date-time", "failure",
                           "when the declaration was made, as 'footprint declare' writes it")]
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    from footprint._time import utc_now

    now = now or utc_now()  # the clock the declaration's created was read from (footprint._time)
    if moment > now + CLOCK_SKEW:
        return [Difference("provenance.created", stated, f"no later than now ({now:%Y-%m-%dT%H:%M:%SZ})", "failure",
                           "a declaration made after the moment it is verified")]
    return []


def signature_records(document: Mapping[str, Any]) -> list[Difference]:
    """A failure per signature record that is malformed or made over other content than this document's.

    Signatures are outside the content hash and their keys are checked only with ``--public-key``,
    but what needs no key is checked always (signing.record_problems, as the PACT host does): a
    verifier's signature record copied from another declaration into this one (its recorded content
    hash not this content's) was carried through "verified", exit 0, as if the signer had signed these
    numbers.
    """
    from footprint.declaration.signing import record_problems

    return [Difference(f"signatures[{problem.number}]" if problem.number else "signatures",
                       problem.kind, "a record over this content", "failure", problem.reason)
            for problem in record_problems(document, content_hash(dict(document)))]


def allocation_override(document: Mapping[str, Any], loaded: LoadedRule) -> str | None:
    """The --allocation option the declaration was made with (None: the rule's own methods)."""
    defaults = {p.id: p.allocation.method for _stage, p in loaded.rule.processes() if p.allocation}
    recorded = {a.get("process"): a.get("method") for a in document.get("allocation", []) or []}
    if all(defaults.get(process) == method for process, method in recorded.items()):
        return None
    methods = set(recorded.values())
    return methods.pop() if len(methods) == 1 else None


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, leaf) pairs; list items of dicts are keyed by their category/stage/process/item/id.

    ``collections.abc.Mapping``, not ``typing.Mapping``: the same test, without typing's
    ``__instancecheck__`` (a fifth of a verification's comparison, ~20,000 calls a declaration).
    """
    if isinstance(value, _AbcMapping) and value:  # an empty mapping is a leaf: {} vs absent is a difference
        for key in sorted(value):
            yield from flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and all(isinstance(v, _AbcMapping) for v in value):
        seen: dict[str, int] = {}
        for index, item in enumerate(value):
            parts = [str(item[k]) for k in _KEYS if k in item and not isinstance(item[k], (Mapping, list))]
            key = "/".join(parts) if parts else str(index)
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key += f"#{seen[key]}"
            yield from flatten(item, f"{prefix}[{key}]")
    else:
        yield prefix, value


def _ignored(path: str) -> bool:
    if path.startswith("provenance") and path.endswith(".path"):  # where a file was, not what it held
        return True
    # an item of IGNORED, or anything under one (one startswith over every prefix: called per leaf)
    return path in IGNORED or path.startswith(_UNDER_IGNORED)


def _background_wide(path: str) -> bool:
    if any(path == p or path.startswith(p + ".") for p in BACKGROUND_WIDE):
        return True
    return path.startswith("provenance.background.imported[") and path.endswith("].imported")  # the import date


def recorded_path(document: Mapping[str, Any], key: str) -> str | None:
    """The path ``provenance.<key>.path`` records (``activity_data``, ``rule``), or None when none is recorded."""
    provenance = document.get("provenance")
    record = provenance.get(key) if isinstance(provenance, Mapping) else None
    path = record.get("path") if isinstance(record, Mapping) else None
    return path if isinstance(path, str) and path else None


def find_recorded(recorded: str, declaration: Path, sha256: str | None = None) -> Path | None:
    """The file a declaration records by path, looked for the one way every verification looks for it.

    In recorded_candidates' order: as written (absolute, or relative to the current directory, as
    ``--data`` and ``--mapping`` are read), then beside the declaration (by the recorded relative
    path, then by the file's name), then under footprint's repository root (declare records a file
    inside the repository relative to that root, so the repository's examples are found from any
    directory).  Single verify (the activity data, the rule, the mapping) and batch verify both
    call this, so a declaration is recomputed from the same file alone or in a batch; batch verify
    once tried the repository root before the current directory.

    With the recorded ``sha256``, the first candidate with that content is taken (first_with_content).
    """
    return first_with_content(recorded_candidates(recorded, declaration), sha256)


def first_with_content(candidates: list[Path], sha256: str | None) -> Path | None:
    """The first of ``candidates`` whose bytes hash to ``sha256``; where none does, the first that exists.

    Why by content: a recorded path says where a file was on the machine that made the declaration,
    its hash what it held.  A stale or edited copy at an earlier place no longer hides the very file
    that was declared (verify failed, naming the copy, while the declared file lay in the repository).
    When none has the content, the first that exists is returned, and the recomputation's hash
    comparison fails it: a file found here that is not the one declared is never a pass.
    """
    existing = list(dict.fromkeys(candidate for candidate in candidates if candidate.is_file()))
    if sha256 and len(existing) > 1:
        from footprint._io import file_sha256

        for candidate in existing:
            try:
                if file_sha256(candidate) == sha256:
                    return candidate
            except OSError:  # unreadable: the recomputation reports it if nothing better is found
                continue
    return existing[0] if existing else None


#: the recorded hashes of an input file, and which file of the recomputation a difference in one is about
_INPUT_HASHES = {"rule.sha256": "rule", "provenance.rule.sha256": "rule", "provenance.rule.content_sha256": "rule",
                 "provenance.activity_data.sha256": "data"}


def name_input_files(outcome: Verification) -> None:
    """Say, on a failed hash of the rule or activity data, which file the recomputation read.

    Why: a recorded path is where the file was on the declaring machine, not necessarily what was read
    here (find_recorded, the rule library, --rule, --data); a failure "provenance.rule.sha256 differs"
    did not say which file differs from the declared one, so a reviewer could not tell a stale copy
    from an edited rule.
    """
    for diff in outcome.failures:
        which = _INPUT_HASHES.get(diff.item)
        read = outcome.rule if which == "rule" else outcome.data if which == "data" else None
        if read and not diff.note:
            diff.note = f"recomputed {'under' if which == 'rule' else 'from'} {read}, whose content differs"


def recorded_footprint_version(document: Mapping[str, Any]) -> str | None:
    """The footprint version a declaration records (``provenance.libraries.footprint``), or None.

    The recomputation mixes it into the id instead of its own: the id of a declaration that
    records another version is then compared exactly.  Before, a differing version made an id
    difference a warning, so a declaration given another declaration's id (and any other version
    string) was "verified", exit 0.
    """
    provenance = document.get("provenance")
    libraries = provenance.get("libraries") if isinstance(provenance, Mapping) else None
    version = libraries.get("footprint") if isinstance(libraries, Mapping) else None
    return version if isinstance(version, str) else None


def recorded_sha256(document: Mapping[str, Any], key: str) -> str | None:
    """The content hash ``provenance.<key>.sha256`` records beside its path, or None."""
    provenance = document.get("provenance")
    record = provenance.get(key) if isinstance(provenance, Mapping) else None
    digest = record.get("sha256") if isinstance(record, Mapping) else None
    return digest if isinstance(digest, str) and digest else None


def recorded_candidates(recorded: str, declaration: Path | None = None) -> list[Path]:
    """Where a file recorded by path may lie, in find_recorded's order (beside ``declaration`` when given).

    Beside the declaration both by the recorded relative path and by the file's name alone: declare
    records a file outside the repository by its absolute path on the declaring machine
    (paths.provenance_path), so a reviewer handed the declaration with its activity data and rule
    file in one folder, on another machine or after the folder moved, was refused "nothing to
    recompute from" (exit 2) for a file lying beside it.  Which candidate is taken is decided by the
    recorded content hash (first_with_content), and the hash is compared in any case.

    Also what a written declaration must never replace (api.declaration_inputs protects every
    candidate that exists: a recorded relative path may mean the current directory or the repository).
    """
    from footprint.paths import REPO_ROOT

    path = Path(recorded)
    beside = [declaration.parent / path, declaration.parent / path.name] if declaration is not None else []
    if path.is_absolute():
        return [path, *beside[1:]]
    return [path, *beside, REPO_ROOT / path]


def provenance_file(recorded: str) -> Path:
    """The file a path written by paths.provenance_path names on this machine: a relative one is relative to
    footprint's repository root, whatever the current directory.

    For the recomputation's own provenance (made here, by this footprint); a declaration's recorded
    paths are looked for by find_recorded, since they name places on the machine that made it.
    """
    from footprint.paths import REPO_ROOT

    path = Path(recorded)
    return path if path.is_absolute() else REPO_ROOT / path


def recorded_mapping(document: Mapping[str, Any], declaration: Path,
                     given: str | Path | None) -> tuple[Path | None, str | None]:
    """The background mapping file a recomputation must use, and the default database it was used with.

    The recorded path is looked for by find_recorded; ``given`` (``--mapping``) replaces it.
    A recorded mapping that cannot be found is an error: recomputing without it would compare
    the declaration with another calculation.
    """
    record = ((document.get("provenance") or {}).get("background") or {}).get("mapping")
    if not isinstance(record, Mapping) or not record.get("path"):
        if given is not None:
            raise DeclarationError("the declaration was computed without a background mapping", field="--mapping",
                                   value=str(given), expected="no --mapping for this declaration")
        return None, None
    default = record.get("default_database")
    if given is not None:
        if not Path(given).is_file():
            raise DeclarationError("mapping file not found", file=given, field="--mapping",
                                   expected="the mapping file the declaration was computed with")
        return Path(given), default
    digest = record.get("sha256")
    found = find_recorded(str(record["path"]), declaration, digest if isinstance(digest, str) else None)
    if found is not None:
        return found, default
    raise DeclarationError("the background mapping this declaration was computed with cannot be found",
                           file=str(record["path"]), field="provenance.background.mapping.path",
                           expected="the mapping file: give it with --mapping FILE (its sha256 is recorded: "
                                    f"{str(record.get('sha256', ''))[:12]}...)")


def _close(a: Any, b: Any, tolerance: float, scale: float = 0.0) -> bool:
    numeric = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):  # Python's True == 1: a flag and a number never agree
        return type(a) is type(b) and a == b
    if isinstance(a, numeric) and isinstance(b, numeric):
        if a == b:
            return True
        return math.isclose(float(a), float(b), rel_tol=tolerance, abs_tol=tolerance * scale)
    return a == b


V2_BLOCKS = ("system_boundary", "impact_categories", "additional_information", "bill_of_materials", "sampling",
             "conformity_assessment")
V2_QUALITY = ("by_category", "rescored_datasets", "primary_data_share_basis")


def as_schema_1(document: Mapping[str, Any]) -> dict[str, Any]:
    """A schema 2.0 document in the shape of 1.0 (for comparing with a 1.0 declaration)."""
    from footprint.inputs.upstream import additional_results, declared_results

    if str(document.get("schema_version", "1.0")).startswith("1."):
        return dict(document)
    folded = {k: v for k, v in document.items() if k not in V2_BLOCKS}
    folded["schema_version"] = "1.0"

    def strip(result: Mapping[str, Any], declared: bool) -> dict[str, Any]:
        out = {k: v for k, v in result.items() if k != "coverage_note"}
        out["declared"] = declared
        return out

    folded["results"] = ([strip(r, True) for r in declared_results(dict(document))]
                         + [strip(r, False) for r in additional_results(dict(document))])
    folded["rule"] = {k: v for k, v in (document.get("rule") or {}).items() if k not in ("validity", "crm_list_version")}
    folded["data_quality"] = {k: v for k, v in (document.get("data_quality") or {}).items() if k not in V2_QUALITY}
    return folded


def _scales(document: Mapping[str, Any]) -> dict[str, float]:
    """|total| per category: parts of a result (stages, processes, contributions) are compared relative to it.

    A contribution of 1e-17 next to a total of 0.4 is floating-point noise whose relative
    change means nothing; measured against the total it is within any tolerance.
    """
    from footprint.inputs.upstream import all_results

    scales = {}
    for result in all_results(dict(document)):
        value = result.get("value")
        if isinstance(value, (int, float)):
            scales[str(result.get("category"))] = abs(float(value))
    return scales


def _scale_of(path: str, scales: Mapping[str, float]) -> float:
    for prefix in ("results[", "contributions[", "additional_information.results["):
        if path.startswith(prefix):
            category = path[len(prefix):].split("]", 1)[0].split("/", 1)[0]
            return scales.get(category, 0.0)
    if path.startswith("recycled_content.by_category."):  # the CFF line's terms of one category
        return scales.get(path[len("recycled_content.by_category."):].split(".", 1)[0], 0.0)
    return 0.0


_ORDER = ("content_sha256", "id", "rule", "provenance", "method", "results", "data_quality", "allocation")


def _priority(diff: "Difference") -> tuple[int, str]:
    for rank, prefix in enumerate(_ORDER):
        if diff.item == prefix or diff.item.startswith((prefix + ".", prefix + "[")):
            return rank, diff.item
    return len(_ORDER), diff.item


def _mapping_of(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return ((document.get("provenance") or {}).get("background") or {}).get("mapping")


def _fold_mapping(declared: Mapping[str, Any], recomputed: Mapping[str, Any],
                  outcome: Verification) -> Mapping[str, Any]:
    """A recomputation whose mapping provenance is in the declaration's older form (``entries``), if it is in that.

    The older form listed every entry of the mapping file as ``entries``, used by the
    product system or not; the recomputation says which were applied to which inputs.  The
    entries (dataset each key resolved to) are still compared exactly; a warning names the
    entries the older form listed although this product system did not use them.
    """
    old, new = _mapping_of(declared), _mapping_of(recomputed)
    if not isinstance(old, Mapping) or not isinstance(new, Mapping) or "entries" not in old or "entries" in new:
        return recomputed
    folded = dict(recomputed)
    provenance = dict(folded["provenance"])
    provenance["background"] = {**provenance["background"], "mapping": legacy_mapping(new)}
    folded["provenance"] = provenance
    unused = sorted(new.get("not_applied") or {})
    outcome.differences.append(Difference(
        "provenance.background.mapping", "entries", "applied, not_applied", "warning",
        "written before the declaration said which mapping entries were applied: it lists every entry of the file "
        "as 'entries', compared with the recomputation folded into that form"
        + (f"; not applied to this product system: {', '.join(unused)}" if unused else "")))
    return folded


def _fold_rule_notes(declared: Mapping[str, Any], recomputed: Mapping[str, Any],
                     outcome: "Verification") -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """Both documents without the warnings of upstream.rule_check, and one verification warning where they differ.

    Why: those warnings say what the library holds today (a supplier's rule version it no longer holds, a
    supplier's declaration older than the rule content hash), not what the declaration was computed from: a
    reviewer recomputing last year's declaration after the library moved to a new rule version would
    otherwise see it fail on a warning's text while every number and hash agrees.
    """
    from footprint.inputs.upstream import RULE_NOTE

    def split(document: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[str]]:
        quality = document.get("data_quality")
        warnings = quality.get("warnings") if isinstance(quality, Mapping) else None
        if not isinstance(warnings, list):
            return document, []
        notes = [w for w in warnings if isinstance(w, str) and w.startswith(RULE_NOTE)]
        if not notes:
            return document, []
        kept = [w for w in warnings if not (isinstance(w, str) and w.startswith(RULE_NOTE))]
        return {**document, "data_quality": {**quality, "warnings": kept}}, notes

    declared, ours = split(declared)
    recomputed, theirs = split(recomputed)
    if ours != theirs:
        outcome.differences.append(Difference(
            "data_quality.warnings (suppliers' rules)", "; ".join(ours) or "(none)", "; ".join(theirs) or "(none)",
            "warning", "what the library holds now about the suppliers' rules, not an input of the declaration"))
    return declared, recomputed


def earlier_recipe_ids(document: Mapping[str, Any]) -> set[str]:
    """The ids a declaration of the earlier provenance format (no ``provenance.snapshot``) can have.

    That footprint made the id from the rule and activity-data hashes, the whole dataset library's
    hash, the CF tables' hash, the ``--allocation`` given, its version, an imported background and the
    suppliers' content hashes, all recorded in the document itself.  Why: the recomputation's id
    now derives from other hashes, so an id difference of such a declaration was a warning whatever
    the id, and a declaration stripped of ``provenance.snapshot`` (hashed again) passed, exit 0, under
    another declaration's id.  The id must now be one these recorded fields give (the few
    candidates cover an ``--allocation`` equal to the rule's method, an imported background, suppliers).
    """
    import uuid

    from footprint.declaration.declaration import ID_NAMESPACE
    from footprint.inputs.upstream import canonical_json

    provenance = document.get("provenance") if isinstance(document.get("provenance"), Mapping) else {}

    def field(*keys: str) -> str:
        value: Any = provenance if keys[0] != "method" else document
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value if isinstance(value, str) else ""

    allocations = {""} | {str(a.get("method")) for a in document.get("allocation") or [] if isinstance(a, Mapping)}
    background = provenance.get("background") if isinstance(provenance.get("background"), Mapping) else {}
    info = {k: v for k, v in background.items() if k not in ("database", "sha256")}
    suppliers = [s.get("content_sha256") for s in provenance.get("upstream_declarations") or []
                 if isinstance(s, Mapping)]
    tails = [""]
    if info:
        tails.append("|" + canonical_json(info))
    if suppliers and all(isinstance(s, str) for s in suppliers):
        tails += [tail + "|" + "|".join(suppliers) for tail in tails]
    ids = set()
    for allocation in allocations:
        head = "|".join([field("rule", "sha256"), field("activity_data", "sha256"), field("inventories", "sha256"),
                         field("method", "cf_sha256"), allocation, field("libraries", "footprint")])
        ids |= {f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, head + tail)}" for tail in tails}
    return ids


def _monte_carlo_model(document: Mapping[str, Any]) -> tuple[Any, Any] | None:
    """(model version, pedigree table sha256) the ``uncertainty`` block records, or None without a block."""
    block = document.get("uncertainty")
    if not isinstance(block, Mapping):
        return None
    model = block.get("model") if isinstance(block.get("model"), Mapping) else {}
    table = model.get("pedigree") if isinstance(model.get("pedigree"), Mapping) else {}
    return model.get("version"), table.get("sha256")


def _fold_model_change(declared: Mapping[str, Any], recomputed: Mapping[str, Any], outcome: Verification) -> None:
    """One plain failure where a Monte Carlo made under another model or pedigree table cannot be reproduced.

    Why: after the model changed (a version, a pedigree table), verifying a declaration an earlier
    footprint wrote listed hundreds of percentiles, an inputs hash and a table hash that "differ",
    which reads as a forgery or a bug; the cause is that this footprint no longer computes that
    model.  Where the block's numbers still agree, a version that differs stays a warning (compare).
    Not a pass: the percentiles are not reproduced, so they are not verified.
    """
    made, here = _monte_carlo_model(declared), _monte_carlo_model(recomputed)
    if made is None or here is None or made == here:
        return
    differing = [d for d in outcome.differences if d.item == "uncertainty" or d.item.startswith("uncertainty.")]
    if not any(d.severity == "failure" for d in differing):
        return

    version, table = (str(v) if v is not None else "(not recorded)" for v in made)

    outcome.differences = [d for d in outcome.differences if d not in differing]
    failed = sum(1 for d in differing if d.severity == "failure")
    outcome.differences.append(Difference(
        "uncertainty.model", f"{version} / pedigree table {table[:12]}",
        f"{here[0]} / pedigree table {str(here[1])[:12]}", "failure",
        f"made under Monte Carlo model version {version} / pedigree table {table}; this footprint computes "
        f"version {here[0]} / {here[1]}; its percentiles cannot be reproduced here ({failed} value(s) of the "
        "uncertainty block differ); declare again"))


def _earlier_rule_content(declared: Mapping[str, Any], recomputed: Mapping[str, Any]) -> str | None:
    """rule.content_sha256(earlier=True) of the rule file the recomputation read (None: it cannot be read, or
    what ``declared`` records of the fields that hash left out contradicts that rule: earlier_record_problem).

    Why: a declaration made before product names and the module counted as what a rule says records the
    earlier hash; recomputed, the same rule file hashes otherwise, and the shipped suppliers' declarations
    failed verify on that alone (their rule file's bytes, compared beside it, agree).  The earlier hash is no
    warning where the declaration's own module or allocation product names are not the rule's."""
    from footprint.errors import FootprintError
    from footprint.inputs.rule import content_sha256, earlier_record_problem, load_rule

    record = (recomputed.get("provenance") or {}).get("rule") if isinstance(recomputed, Mapping) else None
    path = record.get("path") if isinstance(record, Mapping) else None
    if not isinstance(path, str):
        return None
    try:  # relative to the repository root, as declare recorded it: read from the current directory, the
        # shipped suppliers' declarations failed verify from any directory but the repository's (exit 1)
        loaded = load_rule(provenance_file(path))
    except (FootprintError, OSError):
        return None
    return content_sha256(loaded, earlier=True) if earlier_record_problem(declared, loaded) is None else None


def compare(declared: Mapping[str, Any], recomputed: Mapping[str, Any] | None, *,
            tolerance: float = 1e-6) -> Verification:
    """Compare a declaration with its recomputation (None: only the content hash is checked)."""
    outcome = Verification(recomputed=recomputed is not None)
    edited = check_content_hash(declared)
    outcome.compared += 1
    if edited:
        outcome.differences.append(edited)
    outcome.differences.extend(signature_records(declared))
    outcome.differences.extend(created_problems(declared))
    if recomputed is None:
        return outcome
    if str(declared.get("schema_version", "1.0")).startswith("1.") and not str(
            recomputed.get("schema_version", "1.0")).startswith("1."):
        recomputed = as_schema_1(recomputed)
        outcome.differences.append(Difference(
            "schema_version", declared.get("schema_version"), "2.0", "warning",
            "a schema 1.0 declaration, compared with the recomputation folded into the 1.0 form; blocks new in "
            "2.0 (system boundary, bill of materials, conformity assessment, ...) are not compared"))
    recomputed = _fold_mapping(declared, recomputed, outcome)
    declared, recomputed = _fold_rule_notes(declared, recomputed, outcome)
    left = {p: v for p, v in flatten(declared) if not _ignored(p)}
    right = {p: v for p, v in flatten(recomputed) if not _ignored(p)}
    results_differ = False
    scales = _scales(recomputed)
    old_format = "snapshot" not in (declared.get("provenance") or {})
    for path in sorted(set(left) | set(right)):
        outcome.compared += 1
        a, b = left.get(path, "(absent)"), right.get(path, "(absent)")
        if _close(a, b, tolerance, _scale_of(path, scales)):
            continue
        if path.startswith(WARN_PREFIX):
            severity, note = "warning", "library version"
        elif old_format and a == "(absent)" and path.startswith(USED_HASHES):
            severity, note = "warning", "not recorded by the footprint that wrote this declaration"
        elif a == "(absent)" and path.startswith("provenance.inventories.own"):  # recorded since the fifth sitting
            severity, note = "warning", "the user's own datasets, not marked by the footprint that wrote this"
        elif a == "(absent)" and path.startswith("provenance.background.imported[") \
                and path.endswith("].content_sha256"):  # recorded since imports.content_sha256 exists
            severity, note = "warning", ("what the imported database holds, not recorded by the footprint that "
                                         "wrote this; its source's sha256 and the numbers are compared")
        elif a == "(absent)" and path == "provenance.rule.content_sha256":  # recorded since rule_check exists
            severity, note = "warning", ("what the rule says (prose aside), not recorded by the footprint that "
                                         "wrote this; the rule file's sha256 is compared")
        elif path == "provenance.rule.content_sha256" and a == _earlier_rule_content(declared, recomputed):
            severity, note = "warning", ("footprint's earlier hash of what the rule says, which took product names "
                                         "and the conformity-assessment module for prose; the rule file's sha256 "
                                         "is compared")
        elif path == "uncertainty.model.version":  # the percentiles and the inputs' hash decide
            severity, note = ("warning", "the Monte Carlo model of the footprint that wrote this declaration; the "
                              "percentiles and the model's inputs are compared")
        elif _background_wide(path):
            severity, note = "warning", "describes the whole background; the used datasets' hashes decide"
        else:
            severity, note = "failure", ""
        outcome.differences.append(Difference(path, a, b, severity, note))
        if severity == "failure" and path != "id":
            results_differ = True
    _fold_model_change(declared, recomputed, outcome)
    # No warning for an id where only the footprint version differs: the caller recomputes the id under
    # the version the declaration records (recorded_footprint_version), so that id must match exactly.
    for diff in outcome.differences:
        if diff.item == "id" and not results_differ:
            if old_format and declared.get("id") in earlier_recipe_ids(declared):
                diff.severity, diff.note = "warning", ("the id now derives from the used datasets' and methods' "
                                                       "hashes, which this declaration predates")
            elif old_format:
                diff.note = ("not the id the earlier footprint made from the hashes this declaration records "
                             "(rule, activity data, dataset library, CF tables, version)")
    outcome.differences.sort(key=_priority)
    return outcome
