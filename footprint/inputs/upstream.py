"""Suppliers' declarations read as inputs: the secondary data of a producer further down the chain.

A magnet maker buys NdPr metal and Dy from suppliers who declared their own
footprint with this engine.  Their declaration JSON is the best secondary data
for that input: per category, the supplier's declared value per kg times the
amount bought.  Because the number travels down the chain, the file must be
exactly what the supplier wrote: its ``content_sha256`` is recomputed here and
an edited copy is refused.  This module sits beside activity.py in the flow
(it reads an input file), so the canonical hash lives here and declaration.py,
higher in the flow, writes declarations with the same function.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from footprint import _canonical, _io, _json
from footprint.errors import ActivityDataError, FootprintError, UnitError
from footprint.inputs import units
from footprint.inputs.categories import METHOD_NAME, RECYCLED_CONTENT_ID, all_categories


def canonical_json(document: dict) -> str:
    """Sorted keys, no whitespace: the form declaration hashes are taken over.

    That is ``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)``, byte for byte; footprint._canonical builds the same text faster for a
    document with long tables (a large foreground's contributions).
    """
    return _canonical.canonical_json(document)


#: Top-level keys the content hash does not cover: the hash itself, and the signatures made over it
#: (adding a signature must not change what it signs; footprint/declaration/signing.py).
UNHASHED = ("content_sha256", "signatures")


def content_hash(document: dict) -> str:
    """The declaration's content hash: SHA-256 of the canonical JSON of everything but UNHASHED."""
    body = {key: value for key, value in document.items() if key not in UNHASHED}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def declared_results(document: dict) -> list[dict]:
    """The declared results of a declaration of any schema version.

    Schema 1.0 kept every computed category in ``results`` with a ``declared`` flag;
    schema 2.0 keeps only the rule's declared categories there and the others under
    ``additional_information.results``.  Every reader goes through these three helpers.
    """
    results = [r for r in document.get("results") or [] if isinstance(r, dict)]
    if str(document.get("schema_version", "1.0")).startswith("1."):
        return [r for r in results if r.get("declared")]
    return results


def additional_results(document: dict) -> list[dict]:
    """Computed categories that are not declared (additional information, never part of the declaration)."""
    if str(document.get("schema_version", "1.0")).startswith("1."):
        return [r for r in document.get("results") or [] if isinstance(r, dict) and not r.get("declared")]
    block = document.get("additional_information") or {}
    return [r for r in block.get("results") or [] if isinstance(r, dict)]


def all_results(document: dict) -> list[dict]:
    """Declared results first, then the additional ones (for readers that need every computed category)."""
    return declared_results(document) + additional_results(document)


@dataclass(frozen=True)
class UpstreamDeclaration:
    """What a downstream calculation needs from a supplier's declaration."""

    path: Path
    id: str
    content_sha256: str
    product: str
    unit: str  # the supplier's declared unit (a mass)
    amount: float  # of the declared unit
    declarant: str
    rule: str
    values: dict[str, float]  # category id -> value per declared unit
    coverage: dict[str, str]  # category id -> complete | partial | none
    criteria: dict[str, float] = field(default_factory=dict)  # supplier's DQR criteria (TeR, GeR, TiR, P)
    dqr: float | None = None
    # the supplier's Monte Carlo result, where it ran one: category -> percentiles 0..100 per declared unit
    quantiles: dict[str, tuple[float, ...]] = field(default_factory=dict)
    # element -> kg per declared unit of the supplier, from its mineral_resources block (if it has one)
    elements: dict[str, float] = field(default_factory=dict)
    # the file's signature records as read (declare --supplier-keys checks them against content_sha256)
    signatures: Any = None
    # the supplier's reporting period (start, end): what its numbers describe (check_period)
    period: tuple[dt.date, dt.date] | None = None
    # the supplier's rule as its declaration records it: provenance.rule.sha256 (the file's bytes) and
    # provenance.rule.content_sha256 (what it says, prose aside; absent from declarations made before it was
    # recorded): rule_check compares them with the library's rule of the same id and version
    rule_sha256: str | None = None
    rule_content_sha256: str | None = None
    # why the supplier's rule could not be compared with the library's (a warning the declaration carries)
    rule_note: str | None = None
    # the day the supplier's declaration was made (provenance.created; None where absent or unreadable)
    created: dt.date | None = None
    # the supplier's method identity: category -> content hash of the factors it was characterised with
    # (provenance.methods[category].sha256), and the files all of them were written from (method.cf_sha256,
    # bw2io's LCIA file; the CF extensions' sha256 by id); check_methods compares them with the buyer's
    method_hashes: dict[str, str] = field(default_factory=dict)
    cf_sha256: str | None = None
    extension_sha256: dict[str, str] = field(default_factory=dict)
    # the declaration as read: rule_check holds its stages and process ids to the library's rule on every read
    document: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    # the supplier's own primary data share (0..1) and the category it was computed on (primary_share_for);
    # None where the declaration records none
    primary_share: float | None = None
    primary_share_basis: str | None = None

    def primary_share_for(self, category: str) -> float | None:
        """The share of primary data the supplier states for ``category``, or None where it states none for it.

        Why: a buyer's primary data share counted a supplier's number as wholly primary, though that number is
        itself partly secondary data (ndpr-metal on an NdPr oxide declaration, dy-metal on a Dy oxide one with
        a share of 0.82): the buyer claimed more primary data than its suppliers' own declarations state.
        """
        return self.primary_share if self.primary_share_basis == category else None

    def per_kg(self, category: str) -> float | None:
        """The supplier's value per kg of its product, or None when it did not compute the category.

        A category the supplier declared with coverage "none" was not computed either (its
        0 is no value): None, so that nothing downstream takes it for a real zero.
        """
        if category not in self.values or self.coverage.get(category) == "none":
            return None
        return self.values[category] / units.convert(self.amount, self.unit, "kg")

    def provenance(self) -> dict[str, Any]:
        return {"id": self.id, "content_sha256": self.content_sha256, "product": self.product,
                "declarant": self.declarant, "rule": self.rule, "path": self.path.as_posix()}


def _fail(message: str, path: Path, *, file: Path | None, field: str | None, expected: str,
          value: Any = None) -> FootprintError:
    return ActivityDataError(f"{message} (supplier declaration {path})", file=file, field=field, value=value,
                             expected=expected)


def read(path: str | Path, *, file: str | Path | None = None, field: str | None = None) -> UpstreamDeclaration:
    """Read a supplier's declaration JSON, refusing it if its content hash does not match.

    ``file`` and ``field`` name the activity-data file and the input that referenced
    it, so the error tells the producer which line to look at.
    """
    path = Path(path)
    where = Path(file) if file is not None else None
    if not path.exists():  # a FIFO or device exists: _io.read_text refuses it as no regular file (it said "not found")
        raise _fail("supplier declaration not found", path, file=where, field=field,
                    expected="the path of a declaration JSON written by 'footprint declare', relative to the "
                             "activity-data file", value=str(path))
    expected = "a declaration JSON written by 'footprint declare'"
    try:
        text = _io.read_text(path, ActivityDataError, max_bytes=_json.MAX_BYTES, expected=expected)
    except ActivityDataError as exc:
        raise _fail(f"supplier declaration unreadable: {exc.message}", path, file=where, field=field,
                    expected=expected) from None
    key = (str(path), hashlib.sha256(text.encode("utf-8")).hexdigest())
    known = _READ.get(key)
    if known is not None:  # the same text was read and checked before: the same declaration
        return _rule_checked(known, where, field)  # the library may have changed since: compared on every read
    try:
        document = _json.loads(text)
    except ValueError as exc:
        raise _fail(f"supplier declaration unreadable: {exc}", path, file=where, field=field,
                    expected=expected) from None
    declaration = _parse(document, path, where, field)
    if len(_READ) > 1024:
        _READ.clear()
    _READ[key] = declaration
    return _rule_checked(declaration, where, field)


def _rule_checked(supplier: UpstreamDeclaration, where: Path | None, field: str | None) -> UpstreamDeclaration:
    """``supplier`` refused when its rule is not the library's rule it names (rule_check), else with the note."""
    note = rule_check(supplier, file=where, field=field)
    return supplier if note == supplier.rule_note else replace(supplier, rule_note=note)


#: how every note of rule_check begins (verify sets such warnings apart: they follow the library, not the inputs)
RULE_NOTE = "supplier's rule not compared with the library: "


def rule_check(supplier: UpstreamDeclaration, *, file: str | Path | None = None, field: str | None = None) -> str | None:
    """Refuse a supplier's declaration made under a changed copy of a library rule; else None, or a warning why
    its rule could not be compared.

    Why: a supplier's value is multiplied into the buyer's result as "a declaration under rule X V".  Our own
    ``declare`` refuses a rule file claiming a library rule's id and version with other content (the library
    twin, rule.conflict_with), but a supplier's declaration computed under such a file was accepted as a
    declaration under the library's rule, exit 0.  The declaration records what its rule says
    (``provenance.rule.content_sha256``, prose aside): when the library holds that id and version, the two
    must be equal.  What cannot be compared is said, not hidden: a declaration made before that hash was
    recorded (compared by its rule file's bytes only: equal bytes pass, other bytes may be a mended wording or
    a changed number), a version the library no longer holds (a declaration of its time), a rule id the
    library does not have (the supplier's word alone).

    A rule id the library does not have is taken with that warning too (as the market's gate lets it pass).

    Refused: a version ahead of the library's, as the market's gate (refuse_rule_not_in_library) refuses it.
    It was taken with a warning, so the changed copy refused under the library's id and version passed under
    a version of its own (ndpr-metal on an NdPr oxide declared under 'ndpr-oxide 1.1.1' with the REO
    concentrate price at 5: 48.74 instead of 65.51 kg CO2-Eq/kg, exit 0).
    """
    from footprint.errors import RuleError
    from footprint.inputs import rule as _rule
    from footprint.paths import rules_dir

    rule_id, _, version = supplier.rule.partition(" ")
    named = f"rule {supplier.rule}" if supplier.rule else "no rule"
    library_path = rules_dir() / f"{rule_id}.yaml"
    try:
        library = _rule.library_rule(rule_id)
    except RuleError as exc:  # the library's own file is broken: say so, the buyer's declaration does not rest on it
        return f"{RULE_NOTE}the library's {library_path.name} cannot be read ({exc.message})"
    where = Path(file) if file else None
    if library is None:  # a policy question left open: the market's gate lets such a rule id pass too
        return (f"{RULE_NOTE}supplier declaration {supplier.path.name} was made under {named}, which this "
                f"library ({rules_dir()}) does not hold, so what that rule says is the supplier's word alone")
    # the period length first, whatever version the supplier names: naming the superseded 1.0.0 (which stated
    # no length) or a version the library does not hold yet let a quarter through with a warning, exit 0
    _period_length_check(supplier, library, file, field)
    if _version_ahead(version, library.rule.version):  # as the market's gate (refuse_rule_not_in_library)
        raise _fail(f"supplier declaration was made under {named}, a version this library does not hold (it holds "
                    f"{rule_id} {library.rule.version}): a changed copy of the rule under a version of its own "
                    "cannot be compared with anything", supplier.path, file=where, field=field, value=supplier.rule,
                    expected=f"a supplier declaration under the library's rule {rule_id} {library.rule.version} "
                             "(or an earlier version); if a newer footprint holds this version, update footprint")
    if library.rule.version != version:
        return (f"{RULE_NOTE}supplier declaration {supplier.path.name} was made under {named}; the library holds "
                f"{rule_id} {library.rule.version}, so the supplier's version is not compared with it")
    problem = declared_unit_problem({"amount": supplier.amount, "unit": supplier.unit, "product": supplier.product},
                                    library.rule, ("amount", "unit", "product"))
    if problem is not None:  # the buyer divides the supplier's values by this unit: it must be the rule's
        name, stated, want = problem
        raise _fail(f"supplier declaration's {name} is not its rule's: rule {supplier.rule} declares per "
                    f"{_unit_text(library.rule)}", supplier.path, file=Path(file) if file else None, field=field,
                    value=f"{name} {stated!r}", expected=f"{want!r}, as the library's rule {supplier.rule} states it")
    ours = _rule.content_sha256(library)
    agrees = _rule.recorded_content_agrees(supplier.rule_content_sha256, library, supplier.document or {})
    earlier = agrees is None  # recorded by a footprint before product names and the module counted (rule.py)
    unhashed = supplier.rule_content_sha256 is None or earlier
    the_library_text = agrees is True or (unhashed and supplier.rule_sha256 == library.sha256)
    split = _supplier_boundary_problem(supplier, library.rule, library.sha256) \
        if supplier.document is not None and the_library_text else None
    if split is not None:  # as every reader of a declaration holds it (refuse_declared_unit_not_rules)
        name, stated, want = split
        raise _fail(f"supplier declaration's {name} is not its rule's: rule {supplier.rule} has other stages or "
                    "processes there", supplier.path, file=Path(file) if file else None, field=field,
                    value=f"{name} {stated!r}", expected=f"{want}, as the library's rule {supplier.rule} states it")
    if not unhashed:
        if not agrees:
            earlier_problem = _earlier_problem(supplier.rule_content_sha256, library, supplier.document or {})
            why = f" (it records footprint's earlier hash of the rule, and {earlier_problem})" if earlier_problem \
                else " (what the rule says, prose aside, hashes otherwise)"
            raise _fail(f"supplier declaration was made under a rule that says it is {supplier.rule} but differs "
                        f"from the library's {library_path.name} of that id and version{why}", supplier.path,
                        file=Path(file) if file else None, field=field,
                        value=f"provenance.rule.content_sha256 {supplier.rule_content_sha256[:12]}..., the "
                              f"library's {ours[:12]}...",
                        expected=f"a supplier declaration made under the library's rule {supplier.rule} unchanged "
                                 "(a changed rule is another version or another id)")
        return None
    if supplier.rule_sha256 == library.sha256:
        return None  # the very file of the library: nothing to compare beyond its bytes
    if earlier:
        return (f"{RULE_NOTE}supplier declaration {supplier.path.name}: {_rule.EARLIER_CONTENT_NOTE}, and its rule "
                f"file's sha256 {str(supplier.rule_sha256)[:12]}... is not the library's {library_path.name} "
                f"({library.sha256[:12]}...); ask the supplier for a declaration made with a current footprint")
    return (f"{RULE_NOTE}supplier declaration {supplier.path.name} records no provenance.rule.content_sha256 "
            f"(written before footprint recorded it) and its rule file's sha256 {str(supplier.rule_sha256)[:12]}... "
            f"is not the library's {library_path.name} ({library.sha256[:12]}...): a mended wording or a changed "
            "number, which cannot be told apart; ask the supplier for a declaration made with a current footprint")


def _earlier_problem(recorded: str | None, library: Any, document: Mapping[str, Any]) -> str | None:
    """rule.earlier_record_problem where ``recorded`` is ``library``'s earlier content hash (None otherwise):
    the refusals name the field the declaration contradicts the library in, not only two hashes."""
    from footprint.inputs import rule as _rule

    if recorded is None or recorded != _rule.content_sha256(library, earlier=True):
        return None
    return _rule.earlier_record_problem(document, library)


def _version_ahead(version: str, held: str) -> bool:
    """Whether a supplier's rule ``version`` is after the library's ``held`` one (a version that is no N.N.N
    counts as ahead: it is no version of the library's rule either)."""
    from footprint.inputs.rule import version_key

    try:
        return version_key(version) > version_key(held)
    except ValueError:
        return True


def _period_length_check(supplier: UpstreamDeclaration, library: Any, file: str | Path | None,
                         field: str | None) -> None:
    """Refuse a supplier's declaration whose period is not as long as the library's rule of its id asks
    (validity.reporting_periods.length_months).

    Why: the rule's own declare refuses a quarter, but a supplier's file covering its best quarter (written by
    another tool, or edited and re-hashed) was multiplied into the buyer's annual result as a declaration
    under that rule, exit 0.  Checked against the library's rule of that id whatever version the supplier
    names: checked only at the same version, the same quarter naming ndpr-oxide 1.0.0 (the text the library
    superseded because it stated no length) or a version the library does not hold passed with a warning,
    exit 0.
    """
    spans = library.rule.validity.reporting_periods
    if spans is None or supplier.period is None:
        return
    start, end = supplier.period
    problem = spans.length_problem(start, end)
    if problem:
        raise _fail(f"supplier declaration does not cover its rule's period length: {problem}", supplier.path,
                    file=Path(file) if file else None, field=field,
                    value=f"period {start.isoformat()}..{end.isoformat()}",
                    expected=f"a supplier declaration of a {spans.length_months}-month reporting period, as the "
                             f"library's rule {library.rule.id} {library.rule.version} asks")


#: what a sensitivity run is, in its own record and in every refusal to use it as a declaration
SENSITIVITY_NOTE = ("a sensitivity run under an allocation method the rule lists as an option "
                    "('footprint declare --allocation'), not a declaration under the rule's own methods")


def sensitivity_problem(document: Mapping[str, Any]) -> str | None:
    """Why a document must not be placed on the market, classed, exported or bought as a footprint (None: fine).

    A sensitivity run (``declare --allocation``, its ``sensitivity`` record) answers "what if"; read
    as a supplier's footprint it multiplied another allocation into the buyer's result (ndpr-metal
    on a mass-allocated oxide: 18.74 instead of 65.51 kg CO2-Eq/kg, exit 0).
    """
    block = document.get("sensitivity")
    if not block:
        return None
    return f"{SENSITIVITY_NOTE} (allocation '{_sensitivity_method(block)}')"


def _sensitivity_method(block: Any) -> Any:
    return block.get("allocation") if isinstance(block, Mapping) else block


def refuse_sensitivity_run(document: Mapping[str, Any], error: type[FootprintError], *,
                           file: str | Path | None = None) -> None:
    """Raise ``error`` naming the field when ``document`` is a sensitivity run (sensitivity_problem).

    One refusal for the register, the classes and the PACT export: each had its own copy, and the
    register's read ``document["sensitivity"].get(...)``, a traceback on a forged non-mapping value.
    """
    problem = sensitivity_problem(document)
    if problem:
        raise error(problem, file=file, field="sensitivity", value=_sensitivity_method(document["sensitivity"]),
                    expected="a declaration made without --allocation (the rule's own methods)")


def _unit_text(rule: Any) -> str:
    unit = rule.declared_unit
    return f"{unit.amount:g} {unit.unit} {unit.product}"


def _named_library_rule(document: Mapping[str, Any]) -> tuple[str, Any, Any] | None:
    """(rule id, version as written, the library's rule of that id) a declaration names; None when it names no
    rule id, the library has none of that id, or the library's own file is broken ('footprint rules validate'
    says why): then there is nothing to hold the declaration to."""
    from footprint.errors import RuleError
    from footprint.inputs import rule as _rule

    rule = document.get("rule") if isinstance(document.get("rule"), Mapping) else {}
    rule_id, version = rule.get("id"), rule.get("version")
    if not isinstance(rule_id, str):
        return None
    try:
        library = _rule.library_rule(rule_id)
    except RuleError:
        return None
    return (rule_id, version, library) if library is not None else None


def refuse_declared_unit_not_rules(document: Mapping[str, Any], error: type[FootprintError], *,
                                   file: str | Path | None = None) -> None:
    """Raise ``error`` naming the field when ``document``'s ``declared_unit`` is not what the library's rule of the
    id and version it names declares (declared_unit_problem); nothing to compare otherwise.

    Every reader of a declaration (footprint.api.read_declaration, and the market's gate
    refuse_rule_not_in_library) calls this one check: the values are per the declared unit, so a unit
    edited away from the rule's and re-hashed misstates every number.  A declaration recording that its
    rule said something else than the library's text of that id and version (provenance.rule.content_sha256:
    a producer's own copy) is not compared here: the market's gate refuses it on its own grounds, and a
    report may show it.
    """
    from footprint.inputs import rule as _rule

    named = _named_library_rule(document)
    if named is None or named[2].rule.version != named[1]:
        return  # the library does not hold that text: nothing to compare with
    rule_id, version, library = named
    recorded = _rule_hashes(dict(document))["rule_content_sha256"]
    # a producer's own copy by its hash alone: a record of the earlier hash that the declaration contradicts
    # elsewhere (rule.earlier_record_problem) is still held to the library's unit and boundary here
    if recorded is not None and recorded not in (_rule.content_sha256(library),
                                                 _rule.content_sha256(library, earlier=True)):
        return
    problem = declared_unit_problem(document.get("declared_unit"), library.rule)
    if problem is not None:
        name, stated, want = problem
        raise error(f"the declaration's {name} is not its rule's: rule {rule_id} {version} "
                    f"({library.path.name}) declares per {_unit_text(library.rule)}, so its values are not "
                    "per the declared unit it states", file=file, field=name, value=stated,
                    expected=f"{want!r}, as the rule states it (a declaration edited after it was written "
                             "is no declaration under the rule; declare again)")
    problem = boundary_problem(document, library.rule)
    if problem is not None:
        name, stated, want = problem
        raise error(f"the declaration's {name} is not its rule's: rule {rule_id} {version} ({library.path.name}) "
                    "has other stages or processes there, so what it shows by stage and process is not the rule's",
                    file=file, field=name, value=stated,
                    expected=f"{want}, as the rule states it (a declaration edited after it was written is no "
                             "declaration under the rule; declare again)")


def refuse_units_not_the_tables(document: Mapping[str, Any], error: type[FootprintError], *,
                                file: str | Path | None = None) -> None:
    """Raise ``error`` naming ``results[<category>].unit`` when a result of a category this engine knows states
    another unit than the category table's (footprint.inputs.categories).

    Why: a category's value is only comparable in its table unit: the register, the class schemes and
    the PACT export read it so.  The example declaration with climate change's unit edited to
    'g CO2-Eq' and re-hashed was registered with exit 0 (46.56 'g' beside others' kg), and listed so.
    A category the table does not know is left to the readers that use it.
    """
    table = {category.id: category.unit for category in all_categories()}
    for result in all_results(dict(document)):
        category = result.get("category")
        want = table.get(category) if isinstance(category, str) else None
        if want is not None and result.get("unit") != want:
            raise error(f"the unit of the '{category}' result is not the category's", file=file,
                        field=f"results[{category}].unit", value=result.get("unit"),
                        expected=f"'{want}', the unit footprint declares {category} in (the value per the "
                                 "declared unit)")


def refuse_rule_not_in_library(document: Mapping[str, Any], error: type[FootprintError], *,
                               file: str | Path | None = None) -> None:
    """Raise ``error`` when ``document`` claims a library rule's id under a text the library does not hold: a
    version ahead of the library's, or the library's version with other content (what it says, prose aside).

    Why: the register, the class schemes and the host read "rule ndpr-oxide 1.1.1" as the ndpr-oxide
    rules of major version 1.  A producer's own copy of the library rule with ``length_months`` removed,
    given a version of its own (1.1.1, as the twin refusal of ``declare`` advises for a changed rule),
    declared its best quarter with exit 0, and ``market add`` placed it among the annual declarations
    (weighed in the thresholds), ``classes assign`` gave it a class of the 1.x scheme and ``publish``
    served it.  A past version (below the library's) is a declaration of its time and passes; a version
    the library does not hold yet may be a newer library's: updating footprint tells.  A rule id the
    library does not have is classed and served under that id alone, and passes.
    """
    from footprint.inputs import rule as _rule

    refuse_units_not_the_tables(document, error, file=file)  # whatever rule it names
    named = _named_library_rule(document)
    if named is None:
        return
    rule_id, version, library = named
    library_path, held = library.path, library.rule.version
    try:
        ahead = _rule.version_key(str(version)) > _rule.version_key(held)
    except ValueError:
        raise error(f"rule version {version!r} is not a version number", file=file, field="rule.version",
                    value=version, expected="N.N.N, as every rule of the library states it") from None
    if ahead:
        raise error(f"rule {rule_id} {version} is not a rule of this library, which holds {rule_id} {held} "
                    f"({library_path}): a text of that id the library does not hold is no rule the market "
                    "compares declarations under", file=file, field="rule.version", value=version,
                    expected=f"a declaration under the library's rule {rule_id} {held} (or an earlier version); "
                             "if a newer footprint holds this version, update footprint")
    recorded = _rule_hashes(dict(document))["rule_content_sha256"]
    # a record of the earlier hash (rule.content_sha256(earlier=True)) passes as a declaration recording none
    # does, unless what the declaration records of the fields that hash left out is not the library's
    if version == held and recorded is not None \
            and _rule.recorded_content_agrees(recorded, library, document) is False:
        earlier_problem = _earlier_problem(recorded, library, document)
        why = f" (it records footprint's earlier hash of the rule, and {earlier_problem})" if earlier_problem else ""
        raise error(f"the declaration says it is under rule {rule_id} {version}, but what its rule said differs "
                    f"from the library's {library_path.name} of that id and version{why}", file=file,
                    field="provenance.rule.content_sha256", value=recorded,
                    expected=f"a declaration made under the library's rule {rule_id} {held} unchanged (one made "
                             "with an older footprint: declare again with this one)")
    refuse_declared_unit_not_rules(document, error, file=file)
    _refuse_period_not_rules_length(document, library, error, file=file)


def _refuse_period_not_rules_length(document: Mapping[str, Any], library: Any, error: type[FootprintError], *,
                                    file: str | Path | None) -> None:
    """Refuse a declaration whose reporting period is not as long as the library's rule of its id asks
    (validity.reporting_periods.length_months), whatever version it names (as _period_length_check holds a
    supplier's).

    Why: ``declare`` refuses a quarter under ndpr-oxide 1.1.0 (12 months), but the example declaration's
    period edited to 2025-01-01..2025-03-31 and re-hashed was registered with ``market add`` beside the
    annual declarations (weighed in the thresholds), exit 0.  A period that cannot be read is left to the
    callers' own date checks (declaration_period names it).
    """
    spans = library.rule.validity.reporting_periods
    if spans is None:
        return
    try:
        dates = period_dates(document)
    except (TypeError, ValueError):
        return
    if dates is None:
        return
    problem = spans.length_problem(*dates)
    if problem:
        raise error(f"the declaration's reporting period is not its rule's length: {problem}", file=file,
                    field="period", value=f"{dates[0].isoformat()}..{dates[1].isoformat()}",
                    expected=f"a {spans.length_months}-month reporting period, as the library's rule "
                             f"{library.rule.id} {library.rule.version} asks")




#: (supplier content_sha256, rule file sha256) -> boundary_problem's answer; bounded (a market has a few hundred)
_SUPPLIER_BOUNDARIES: dict[tuple[str, str], tuple[str, Any, str] | None] = {}
_SUPPLIER_BOUNDARIES_MAX = 1024


def _supplier_boundary_problem(supplier: UpstreamDeclaration, rule: Any, rule_sha256: str
                               ) -> tuple[str, Any, str] | None:
    """boundary_problem of a supplier's declaration, answered once per declaration content and rule content.

    Why: a batch reads the same supplier's declaration for every row that uses it, and the check walks its
    contribution rows (about 1 ms a read, 8 % of a batch of the examples).  The answer is a function of the
    document and the rule alone: the document is the one whose content_sha256 _parse computed and compared,
    the rule the one whose file bytes' sha256 the caller passes, so both keys name exactly what was checked.
    """
    key = (str(supplier.content_sha256), rule_sha256)
    if key in _SUPPLIER_BOUNDARIES:
        return _SUPPLIER_BOUNDARIES[key]
    answer = boundary_problem(supplier.document, rule)
    if len(_SUPPLIER_BOUNDARIES) >= _SUPPLIER_BOUNDARIES_MAX:
        _SUPPLIER_BOUNDARIES.clear()
    _SUPPLIER_BOUNDARIES[key] = answer
    return answer


def boundary_problem(document: Mapping[str, Any], rule: Any) -> tuple[str, Any, str] | None:
    """The first place a declaration's stages or processes disagree with its rule's: (field, stated, what the
    rule has); None when they agree.

    Why: ``declare`` copies the rule's stage ids and each process's id and stage into the declaration
    (``stages``, ``system_boundary.stages``, ``processes``, every result's ``by_stage`` and ``by_process``,
    ``allocation``), and the report, the register and the PACT export show the split by them.  The declared
    unit was compared with the rule on read, these were not: the example declaration with its 'separation'
    process moved to the concentration stage (its share moved with it), or renamed, and re-hashed, passed
    ``report`` and ``market add``, exit 0, as a declaration under the library's rule.  A process without
    data may be left out of ``processes`` (an optional one supplied by its default dataset), so only what is
    stated is held to the rule.  Labels and names are prose and not compared.
    """
    stage_ids = [stage.id for stage in rule.stages]
    stage_of = {process.id: stage.id for stage, process in rule.processes()}
    stated_stages = document.get("stages")
    if stated_stages is not None:
        ids = [entry.get("id") if isinstance(entry, Mapping) else entry for entry in stated_stages] \
            if isinstance(stated_stages, list) else stated_stages
        if ids != stage_ids:
            return "stages", ids, f"stages {stage_ids}"
    boundary = document.get("system_boundary")
    if isinstance(boundary, Mapping) and "stages" in boundary and boundary["stages"] != stage_ids:
        return "system_boundary.stages", boundary["stages"], f"stages {stage_ids}"
    seen: set[str] = set()
    for index, entry in enumerate(document.get("processes") or []):
        pid = entry.get("id") if isinstance(entry, Mapping) else entry
        if not isinstance(pid, str) or pid not in stage_of or pid in seen:  # a list or mapping is no id either
            return (f"processes[{index}].id", pid, f"each of the rule's processes once ({', '.join(stage_of)})")
        seen.add(pid)
        stage = entry.get("stage") if isinstance(entry, Mapping) else None
        if stage != stage_of[pid]:
            return f"processes[{index}].stage", stage, f"'{stage_of[pid]}', the stage of '{pid}'"
    for result in all_results(dict(document)):
        category = result.get("category")
        by_stage, by_process = result.get("by_stage"), result.get("by_process")
        if isinstance(by_stage, Mapping) and sorted(by_stage) != sorted(stage_ids):
            return f"results[{category}].by_stage", sorted(by_stage), f"stages {stage_ids}"
        if isinstance(by_process, Mapping):
            stray = [pid for pid in by_process if pid not in stage_of and pid != RECYCLED_CONTENT_ID]
            if stray or (seen and not set(by_process) - {RECYCLED_CONTENT_ID} <= seen):
                return (f"results[{category}].by_process", (stray or sorted(set(by_process) - seen))[0],
                        f"processes of the rule ({', '.join(stage_of)}) stated under 'processes'")
    for index, entry in enumerate(document.get("allocation") or []):
        pid = entry.get("process") if isinstance(entry, Mapping) else entry
        if pid not in stage_of:
            return f"allocation[{index}].process", pid, f"a process of the rule ({', '.join(stage_of)})"
    return _rule_process_fields_problem(document, rule, stage_of, seen) or _process_refs_problem(document, stage_of,
                                                                                               seen)


def _rule_process_fields_problem(document: Mapping[str, Any], rule: Any, stage_of: Mapping[str, str],
                                 seen: set[str]) -> tuple[str, Any, str] | None:
    """The first ``processes[i]`` entry whose ``annex_v`` points or ``company_specific`` are not its rule
    process's (declaration.build copies both from the rule): a process re-labelled as covering other Annex V
    points, or primary data made optional, is shown so by the report and the PACT export."""
    held = {process.id: process for _stage, process in rule.processes()}
    for index, entry in enumerate(document.get("processes") or []):
        if not isinstance(entry, Mapping) or entry.get("id") not in seen:
            continue
        process = held[entry["id"]]
        if "annex_v" in entry and entry["annex_v"] != list(process.annex_v):
            return f"processes[{index}].annex_v", entry["annex_v"], f"{list(process.annex_v)}, the Annex V points of " \
                                                                   f"'{process.id}'"
        want = process.company_specific == "required"
        if "company_specific" in entry and entry["company_specific"] is not want:
            return (f"processes[{index}].company_specific", entry["company_specific"],
                    f"{want} ('{process.id}' is company_specific: {process.company_specific} in the rule)")
    return None


def _process_refs_problem(document: Mapping[str, Any], stage_of: Mapping[str, str],
                          seen: set[str]) -> tuple[str, Any, str] | None:
    """The first process id named outside ``processes`` and the results (the contribution rows, the DQR per
    process, the bill of materials, the cut-off's exclusions) that is not a process of the rule stated under
    ``processes``, or a contribution row whose stage is not its process's.

    Why: the report's contribution table and process chart, the DQR per process and the PACT export read
    these; the example declaration with its separation rows moved to a 'solvent-extraction' the rule does not
    have, re-hashed, was reported, registered and exported with exit 0 (only ``verify``'s recomputation
    told, as 1,200 values that differ)."""
    rule_ids = ", ".join(stage_of)

    def stray(pid: Any, recycled_ok: bool = False) -> bool:
        if recycled_ok and pid == RECYCLED_CONTENT_ID:  # the CFF line: its own id, in a stage of the rule
            return False
        return not isinstance(pid, str) or pid not in stage_of or bool(seen) and pid not in seen

    expected = f"a process of the rule ({rule_ids}) stated under 'processes'"
    stages = set(stage_of.values())
    contributions = document.get("contributions")
    for index, row in enumerate(contributions if isinstance(contributions, list) else []):
        pid = row.get("process") if isinstance(row, Mapping) else row
        if stray(pid, recycled_ok=True):
            return f"contributions[{index}].process", pid, expected
        stage = row.get("stage")
        if pid == RECYCLED_CONTENT_ID and stage not in stages:
            return f"contributions[{index}].stage", stage, f"a stage of the rule ({', '.join(sorted(stages))})"
        if pid != RECYCLED_CONTENT_ID and stage != stage_of[pid]:
            return f"contributions[{index}].stage", stage, f"'{stage_of[pid]}', the stage of '{pid}'"
    quality = document.get("data_quality")
    by_process = quality.get("by_process") if isinstance(quality, Mapping) else None
    for pid in by_process if isinstance(by_process, Mapping) else []:
        if stray(pid, recycled_ok=True):
            return f"data_quality.by_process.{pid}", pid, expected
    materials = document.get("bill_of_materials")
    materials = materials if isinstance(materials, Mapping) else {}
    for index, item in enumerate(materials.get("inputs") or []):
        named = item.get("processes") if isinstance(item, Mapping) else item
        for position, pid in enumerate(named if isinstance(named, list) else [named]):
            if stray(pid):
                return f"bill_of_materials.inputs[{index}].processes[{position}]", pid, expected
    for index, item in enumerate(materials.get("direct_emissions") or []):
        pid = item.get("process") if isinstance(item, Mapping) else item
        if stray(pid):
            return f"bill_of_materials.direct_emissions[{index}].process", pid, expected
    cut_off = document.get("cut_off")
    excluded = cut_off.get("excluded") if isinstance(cut_off, Mapping) else None
    for index, item in enumerate(excluded if isinstance(excluded, list) else []):
        pid = item.get("process") if isinstance(item, Mapping) else item
        if stray(pid):
            return f"cut_off.excluded[{index}].process", pid, expected
    return None


#: what a declaration's ``declared_unit`` repeats of its rule's (declaration.build copies them verbatim)
DECLARED_UNIT_FIELDS = ("amount", "unit", "product", "chemical_form", "grade")


def declared_unit_problem(stated: Any, rule: Any,
                          fields: tuple[str, ...] = DECLARED_UNIT_FIELDS) -> tuple[str, Any, Any] | None:
    """The first ``declared_unit`` field of a declaration that disagrees with its rule's: (field, stated, the
    rule's); None when they agree.

    Why: every reader takes a declaration's values as per its ``declared_unit``.  A declaration under the
    library's ndpr-oxide 1.1.0 (1 kg) edited to ``amount: 1000`` and re-hashed was registered, classed and
    exported to PACT as ``declaredUnitAmount`` 1000 with values per kg, exit 0: a footprint three orders of
    magnitude off.  The rule states the unit, so where the library holds the rule of that id and version
    the two must be equal (amounts compared as numbers: 1 and 1.0 are one amount).
    """
    block = stated if isinstance(stated, Mapping) else {}
    ours = rule.declared_unit
    for name in fields:
        theirs, want = block.get(name), getattr(ours, name)
        if name == "amount":
            try:
                same = math.isclose(float(theirs), float(want), rel_tol=1e-12, abs_tol=0.0)
            except (TypeError, ValueError):
                same = False
        else:
            same = theirs == want
        if not same:
            return f"declared_unit.{name}", theirs, want
    return None


#: (path, sha256 of its text) -> the declaration read from it.  A supplier's declaration is an input
#: of many producers' declarations; reading and checking its hash once per content is enough.
_READ: dict[tuple[str, str], UpstreamDeclaration] = {}


def _parse(document: Any, path: Path, where: Path | None, field: str | None) -> UpstreamDeclaration:
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise _fail("not a footprint declaration", path, file=where, field=field,
                    expected="a declaration JSON with 'results' and 'content_sha256'")
    stated = document.get("content_sha256")
    actual = content_hash(document)
    if stated != actual:
        raise _fail("supplier declaration was edited after it was written: its content_sha256 does not match "
                    "its content", path, file=where, field=field, value=f"stated {stated}, computed {actual}",
                    expected="the unmodified file the supplier published")
    problem = sensitivity_problem(document)
    if problem:
        raise _fail(f"supplier declaration is {problem}", path, file=where, field=field,
                    value=(document.get("sensitivity") or {}).get("allocation"),
                    expected="the supplier's declaration under the rule's own methods")
    try:
        unit_block = document["declared_unit"]
        product = str(unit_block["product"])
        unit = str(unit_block["unit"])
        amount = float(unit_block["amount"])
        kg = declared_kg(unit_block)
    except (KeyError, TypeError, ValueError, UnitError) as exc:
        raise _fail(f"supplier declaration lacks a usable declared unit or results ({exc})", path, file=where,
                    field=field, expected="declared_unit {amount, unit (a mass), product} and results "
                                          "[{category, value}]") from None
    _same_method(document, path, where, field)
    period = _period(document, path, where, field)
    values, coverage = _results(document, path, where, field)
    quality = document.get("data_quality") or {}
    quantiles = _quantiles(document, path, where, field)
    return UpstreamDeclaration(
        path=path, id=str(document.get("id")), content_sha256=actual, product=product, unit=unit, amount=amount,
        declarant=str((document.get("declarant") or {}).get("name", "")),
        rule=f"{(document.get('rule') or {}).get('id', '')} {(document.get('rule') or {}).get('version', '')}".strip(),
        values=values, coverage=coverage,
        criteria=_criteria(quality, path, where, field),
        dqr=quality.get("dqr"), quantiles=quantiles, elements=_elements(document, kg, path, where, field),
        signatures=document.get("signatures"), period=period, created=_created(document), **_rule_hashes(document),
        **method_identity(document), document=document, **_primary_share(quality, path, where, field))


def created_at(document: Mapping[str, Any]) -> dt.datetime | None:
    """The moment ``provenance.created`` names (None where absent or not an ISO date-time: nothing to compare).

    One reader for verify (which recomputes as of that moment) and the supplier checks (a period not
    ended when the declaration was made).
    """
    provenance = document.get("provenance")
    created = provenance.get("created") if isinstance(provenance, Mapping) else None
    if not isinstance(created, str):
        return None
    try:
        return dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return None


def _created(document: dict) -> dt.date | None:
    from footprint._time import utc_day

    moment = created_at(document)
    return utc_day(moment) if moment is not None else None  # '...+14:00' is counted on its UTC day


def _rule_hashes(document: dict) -> dict[str, str | None]:
    """provenance.rule's sha256 and content_sha256 as recorded (None where absent or not text)."""
    provenance = document.get("provenance")
    record = provenance.get("rule") if isinstance(provenance, Mapping) else None
    record = record if isinstance(record, Mapping) else {}
    return {key: value if isinstance(value, str) and value else None
            for key, value in (("rule_sha256", record.get("sha256")),
                               ("rule_content_sha256", record.get("content_sha256")))}


def _period(document: dict, path: Path, where: Path | None, field: str | None) -> tuple[dt.date, dt.date]:
    """The supplier's reporting period, as 'footprint declare' writes it (ISO dates, start <= end)."""
    try:
        dates = period_dates(document)
        if dates is None:
            raise ValueError("no 'period'")
    except ValueError as exc:
        raise _fail(f"supplier declaration lacks a usable reporting period ({exc})", path, file=where, field=field,
                    value=document.get("period"),
                    expected="period {start, end} as ISO dates, as 'footprint declare' writes it") from None
    return dates


def declared_kg(declared_unit: Any) -> float:
    """The mass of a declaration's declared unit ``{amount, unit}`` in kg (1.0 for Annex V's 1 kg).

    Raises KeyError, TypeError, ValueError or UnitError for a block that states no positive mass:
    a supplier's values per kg, the register's basis and a class's unit are all divided or
    compared through it, so none of them may guess one.
    """
    amount = float(declared_unit["amount"])
    if not (math.isfinite(amount) and amount > 0):
        raise ValueError(f"declared_unit amount {amount!r} is not a positive number")
    return units.convert(amount, str(declared_unit["unit"]), "kg")


def period_dates(document: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    """A declaration's reporting period (start, end) as dates; None where it has no period block at all.

    Why strict: a supplier's validity, the register's year checks and a class scheme's in-force
    check rest on these dates, and the declaration's schema does not check the format of a date
    string ("2025-12" passes it).  Skipping the checks for a period that cannot be read let a
    placement years after the validity, or a class from a scheme of another decade, through with
    exit 0.  Raises ValueError otherwise.
    """
    period = document.get("period")
    if period is None:
        return None  # a document built by hand (tests); a declaration's schema requires the period
    if not isinstance(period, Mapping):
        raise ValueError(f"period is {type(period).__name__}, not a block of start and end")
    start, end = (dt.date.fromisoformat(str(period.get(key))) for key in ("start", "end"))
    if end < start:
        raise ValueError(f"period end {end} is before its start {start}")
    return start, end


#: How long after the end of its reporting period a supplier's declaration may describe what a producer
#: bought: three years, PACT's default validity (validityPeriodEnd = referencePeriodEnd + 3 years, PACT
#: Technical Specifications v3, methodology.md section 5), which also matches the three-year revision cycle of
#: Annex V point 8.
VALIDITY_YEARS = 3


def declaration_period(document: Mapping[str, Any], error: type[FootprintError], *,
                       file: str | Path | None = None) -> tuple[dt.date, dt.date] | None:
    """period_dates, or ``error`` naming the file and field: the register and the classes each wrapped it alike."""
    try:
        return period_dates(document)
    except ValueError as exc:  # neither schema checks a date's format: skipping the checks would pass it, exit 0
        raise error(f"the declaration's reporting period cannot be read ({exc})", file=file, field="period",
                    value=document.get("period"),
                    expected="period {start, end} as ISO dates (YYYY-MM-DD), as 'footprint declare' writes them") \
            from None


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a year without one."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def valid_until(end: dt.date) -> dt.date:
    """The last day a declaration whose reporting period ends on ``end`` is valid (VALIDITY_YEARS later).

    Counted as PACT counts it, so that a supplier's declaration is valid here exactly on the days
    its PACT footprint says (footprint.export.pact, footprint.server.store.validity): PACT's
    referencePeriodEnd is the day after ``end`` (exclusive) and validityPeriodEnd that instant
    VALIDITY_YEARS on, also exclusive.  Adding the years to ``end`` itself differs at February's
    end: a period ending 2025-02-28 is valid through 2028-02-29 in PACT, not 2028-02-28.
    """
    return add_years(end + dt.timedelta(days=1), VALIDITY_YEARS) - dt.timedelta(days=1)


def check_period(supplier: UpstreamDeclaration, start: dt.date, end: dt.date, *, file: str | Path,
                 field: str) -> None:
    """Refuse a supplier's declaration that does not describe the material of a reporting period start..end.

    Why: the supplier's per-kg value is multiplied into the producer's result as if it described
    the material bought in that period.  A declaration of a later period describes material not
    yet made then; one whose validity (VALIDITY_YEARS after its period) ended before the period
    began describes the supplier's process as it was years earlier (a plant since re-powered or
    re-equipped).  Either would be a number about other material, declared with exit 0.  A declaration
    whose period had not ended when it was made (or has not ended today) holds a forecast, not the
    measured period.
    """
    if supplier.period is None:  # built by hand (tests); every declaration read from a file has one
        return
    first, last = supplier.period
    where = Path(file)
    covered = f"{first.isoformat()}..{last.isoformat()}"
    if first > end:
        raise _fail(f"supplier declaration covers a later period ({covered}) than this reporting period "
                    f"({start.isoformat()}..{end.isoformat()}): it does not describe the material bought then",
                    supplier.path, file=where, field=field, value=covered,
                    expected="a supplier declaration of a period that began by the end of this reporting period")
    from footprint._time import utc_today

    today = utc_today()  # the UTC day its created is counted in, on any machine (footprint._time)
    made = min(supplier.created or today, today)
    if last >= made:
        # our own declare refuses a period not ended (engine.system.check_period_ended): such a file is
        # another tool's or an edited one, and its numbers a forecast multiplied in as measured, exit 0
        raise _fail(f"supplier declaration covers a period that had not ended when it was made ({covered}, made "
                    f"{made.isoformat()}): its numbers cannot be measured over the whole period", supplier.path,
                    file=where, field=field, value=covered,
                    expected="a supplier declaration of a completed reporting period (ask the supplier for the "
                             "declaration made after its period ended)")
    until = valid_until(last)
    if until < start:
        raise _fail(f"supplier declaration is out of date: its period {covered} was valid until "
                    f"{until.isoformat()} ({VALIDITY_YEARS} years after its end, PACT's default validity), before "
                    f"this reporting period starts ({start.isoformat()})", supplier.path, file=where, field=field,
                    value=covered, expected=f"a supplier declaration whose period ended at most {VALIDITY_YEARS} "
                                            f"years before {start.isoformat()} (ask the supplier for a current one)")


def _same_method(document: dict, path: Path, where: Path | None, field: str | None) -> None:
    """The supplier's values are added to this engine's, category by category: only values of the same
    method add up.  A declaration under another method (EF 3.0, ReCiPe) uses the same category ids for
    other characterisation factors, so its numbers would be summed as if they were EF 3.1's."""
    method = document.get("method")
    name = method.get("name") if isinstance(method, dict) else None
    if name != METHOD_NAME:
        raise _fail("supplier declaration was calculated with another impact assessment method", path, file=where,
                    field=field, value=name if name is not None else method,
                    expected=f"a declaration whose method.name is '{METHOD_NAME}' (ask the supplier for one "
                             "computed with the same method, or use a dataset for this input)")


def method_identity(document: dict) -> dict[str, Any]:
    """What the supplier's declaration records of the factors behind its numbers (check_methods compares them).

    Read as recorded, never refused here: a field that is absent or not a string records nothing, and
    check_methods refuses a category whose factors nothing recorded shows to be the buyer's.
    """
    provenance = document.get("provenance") if isinstance(document.get("provenance"), dict) else {}
    methods = provenance.get("methods") if isinstance(provenance.get("methods"), dict) else {}
    hashes = {category: entry["sha256"] for category, entry in methods.items()
              if isinstance(category, str) and isinstance(entry, dict) and isinstance(entry.get("sha256"), str)}
    method = document.get("method") if isinstance(document.get("method"), dict) else {}
    cf = method.get("cf_sha256")
    extensions = method.get("extensions") if isinstance(method.get("extensions"), list) else []
    by_id = {e["id"]: e["sha256"] for e in extensions
             if isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("sha256"), str)}
    return {"method_hashes": hashes, "cf_sha256": cf if isinstance(cf, str) else None, "extension_sha256": by_id}


def check_methods(supplier: UpstreamDeclaration, ours: Mapping[str, str], *, cf_sha256: str,
                  extension_sha256: Mapping[str, str], file: str | Path | None = None,
                  field: str | None = None) -> None:
    """Refuse a supplier's declaration whose factors for a category the buyer adds it to are not the buyer's.

    ``ours``: category -> content hash of the factors this declaration uses (Snapshot.method_sha256), for
    every category the calculation adds the supplier's value to.

    Why: _same_method compares ``method.name`` only, and every footprint declaration says "EF v3.1".  A
    supplier computed under another CF extension (other ADP factors for the rare earths in
    footprint/data/adp-ree-extension.yaml) or another bw2io LCIA file wrote other numbers under the same
    name, and they were summed with ours: a mixed number, exit 0.  The declaration records the content hash
    of each category's factors (``provenance.methods``): where it records one, it must be ours.  A
    declaration that records none for a category (written before footprint recorded them) is taken only
    when the files every category's factors are written from are ours, byte for byte (``method.cf_sha256``,
    bw2io's file, and each CF extension's sha256); anything else is refused, since a category whose factors
    cannot be shown to be ours would be summed blind.
    """
    where = Path(file) if file is not None else None
    for category, sha in ours.items():
        if supplier.per_kg(category) is None:
            continue  # the supplier gives no value there: nothing of its factors enters the sum
        theirs = supplier.method_hashes.get(category)
        if theirs is not None:
            if theirs != sha:
                raise _fail(f"supplier declaration characterised '{category}' with other factors (its "
                            f"provenance.methods.{category}.sha256 {theirs[:16]}...) than this declaration uses "
                            f"({sha[:16]}...): another CF extension or LCIA file under the same method name",
                            supplier.path, file=where, field=field, value=theirs,
                            expected=f"a supplier declaration whose '{category}' factors are this engine's (the same "
                                     "bw2io LCIA file and CF extension: ask the supplier to declare again with them)")
            continue
        same_files = supplier.cf_sha256 == cf_sha256 and all(
            supplier.extension_sha256.get(ext_id) == ext_sha for ext_id, ext_sha in extension_sha256.items())
        if not same_files:
            differ = [f"method.cf_sha256 {str(supplier.cf_sha256)[:12]}..., ours {cf_sha256[:12]}..."] \
                if supplier.cf_sha256 != cf_sha256 else []
            differ += [f"CF extension {i} {str(supplier.extension_sha256.get(i))[:12]}..., ours {h[:12]}..."
                       for i, h in extension_sha256.items() if supplier.extension_sha256.get(i) != h]
            raise _fail(f"supplier declaration records no hash of its '{category}' factors and was not computed from "
                        "the same LCIA file and CF extension as this declaration, so its value cannot be shown to be "
                        f"of the same factors ({'; '.join(differ)})", supplier.path, file=where, field=field,
                        value=f"no provenance.methods.{category}.sha256",
                        expected="a supplier declaration that records provenance.methods (footprint declare writes "
                                 "it) with this engine's factors, or one computed from the same files")


#: What a declaration's result row says of its coverage (schemas/declaration.schema.json).
COVERAGE_STATES = ("complete", "partial", "none")


def _results(document: dict, path: Path, where: Path | None,
             field: str | None) -> tuple[dict[str, float], dict[str, str]]:
    """Category -> value per declared unit, and -> coverage, of every computed category.

    Each value must be a number in the unit this engine declares the category in, and each
    category must appear once: a second row for a category, a value as text or in another unit
    (g instead of kg CO2-Eq) would otherwise be read as a number it is not.
    """
    # every category this engine adds a supplier's value to, the supplementary ones too: crustal scarcity in
    # g Si-Eq was read as kg Si-Eq (CATEGORIES holds the EF 3.1 ones only)
    known = {category.id: category.unit for category in all_categories()}
    values: dict[str, float] = {}
    coverage: dict[str, str] = {}
    expected = "results [{category, value (a number), unit}] as 'footprint declare' writes them"
    for index, row in enumerate(all_results(document)):
        category, value, unit = row.get("category"), row.get("value"), row.get("unit")
        if not isinstance(category, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(f"supplier declaration has an unusable result (category {category!r}, value {value!r})",
                        path, file=where, field=field, value=value, expected=expected)
        if category in values:
            raise _fail(f"supplier declaration gives category '{category}' twice", path, file=where, field=field,
                        value=category, expected="one result per category")
        if category in known and unit != known[category]:
            raise _fail(f"supplier declaration states '{category}' in another unit", path, file=where, field=field,
                        value=unit, expected=f"'{known[category]}', the unit this engine declares {category} in")
        stated = row.get("coverage")
        if stated not in COVERAGE_STATES:  # a row without it was taken as complete: no partial warning, --strict passed
            raise _fail(f"supplier declaration states no coverage for '{category}' (found {stated!r})", path,
                        file=where, field=field, value=stated,
                        expected="coverage 'complete', 'partial' or 'none' on every result, as 'footprint declare' "
                                 "writes it (since its first version)")
        values[category] = float(value)
        coverage[category] = stated
    return values, coverage


#: The PEF data-quality criteria a declaration rates itself on (footprint.engine.quality.CRITERIA).
CRITERIA = ("TeR", "GeR", "TiR", "P")


def _criteria(quality: Any, path: Path, where: Path | None, field: str | None) -> dict[str, float]:
    """The supplier's four DQR criteria (TeR, GeR, TiR, P), each a number from 1 to 5.

    Why: a buyer's DQR rates a supplier's line on the datum and these criteria together
    (quality.item_criteria).  A declaration without them had its line rated on the buyer's datum alone
    (the NdFeB magnet example with an NdPr-metal declaration stripped of its criteria: DQR 1.46 -> 1.29,
    exit 0), and criteria of 0 passed the read and ended in a schema traceback of the buyer's own
    declaration; both are refused here, naming the supplier's file.
    """
    expected = ("data_quality.criteria {TeR, GeR, TiR, P}, each a number from 1 (best) to 5 (worst), as "
                "'footprint declare' writes them")
    block = quality.get("criteria") if isinstance(quality, dict) else None
    if not isinstance(block, dict):
        raise _fail("supplier declaration states no data-quality criteria, so its data cannot be rated", path,
                    file=where, field=field, value=block if not isinstance(block, (list, dict)) else None,
                    expected=expected)
    criteria: dict[str, float] = {}
    for key in CRITERIA:
        value = block.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 5:
            raise _fail(f"supplier declaration has an unusable data-quality criterion {key}: {value!r}", path,
                        file=where, field=field, value=value, expected=expected)
        criteria[key] = float(value)
    return criteria


def _primary_share(quality: Any, path: Path, where: Path | None, field: str | None) -> dict[str, Any]:
    """The supplier's recorded primary data share and its category (``primary_share``, ``primary_share_basis``).

    Schema 2.0 records the category as ``primary_data_share_basis``; schema 1.0 computed the share on
    ``data_quality.basis`` (a category id).  A share that is recorded but is no number from 0 to 1 is refused:
    read as "none" it would silently count the supplier as secondary, read as it stands it would make the
    buyer's share more than a whole or negative.
    """
    if not isinstance(quality, dict) or quality.get("primary_data_share") is None:
        return {"primary_share": None, "primary_share_basis": None}
    share = quality["primary_data_share"]
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:
        raise _fail(f"supplier declaration has an unusable primary data share: {share!r}", path, file=where,
                    field=field, value=share,
                    expected="data_quality.primary_data_share, a number from 0 to 1, as 'footprint declare' writes it")
    basis = quality.get("primary_data_share_basis", quality.get("basis"))
    return {"primary_share": float(share), "primary_share_basis": basis if isinstance(basis, str) else None}


def _elements(document: dict, kg: float, path: Path, where: Path | None, field: str | None) -> dict[str, float]:
    """Elements taken from the ground per kg of product (the block states kg per declared unit, ``kg`` kg),
    read from the same checked document as the values and scaled as ``per_kg`` scales them."""
    block = document.get("mineral_resources") or {}
    try:
        return {str(row["element"]): float(row["kg"]) / kg for row in block.get("elements", [])}
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise _fail(f"supplier declaration has an unusable mineral_resources block ({exc!r})", path, file=where,
                    field=field, expected="mineral_resources.elements [{element, kg}] as 'footprint declare' "
                                          "writes it") from None


def _quantiles(document: dict, path: Path, where: Path | None, field: str | None) -> dict[str, tuple[float, ...]]:
    """The percentiles 0..100 per category of a declaration's ``uncertainty`` block (empty without one)."""
    block = document.get("uncertainty")
    if block is None:
        return {}
    from footprint.inputs.spread import expected_text, result_problem

    found: dict[str, tuple[float, ...]] = {}
    try:
        for entry in block["results"]:
            problem = result_problem(entry)  # the percentiles sampled here must agree with the block's statistics
            if problem is not None:
                key, what, value = problem
                raise _fail(f"supplier declaration's Monte Carlo of {entry.get('category')}: {key} {what}", path,
                            file=where, field=field, value=value, expected=expected_text())
            found[str(entry["category"])] = tuple(float(v) for v in entry["quantiles"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _fail(f"supplier declaration has an unusable uncertainty block ({exc})", path, file=where,
                    field=field, expected="uncertainty.results [{category, quantiles: percentiles 0..100}] as "
                                          "'footprint declare --uncertainty' writes it") from None
    return found
