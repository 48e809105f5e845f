"""The product system: a rule plus one producer's activity data, linked and allocated.

This is where company data meet the rule: every process the rule requires is
present, every input resolves to an upstream process or a secondary dataset,
units convert, co-products are allocated, and intermediate flows close their
mass balance.  The result is a plain foreground description (per reporting
period, allocated to the main product) that calculate.py hands to Brightway.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from footprint.data import pedigree
from footprint.data.inventory import Catalogue, resolve_flow, rule_dataset_problems
from footprint.engine import allocation, exact
from footprint.errors import ActivityDataError, InventoryError, LinkingError, RuleError, UnitError
from footprint.inputs import units
from footprint.inputs.extraction import GROUPS
from footprint.inputs import upstream as _upstream
from footprint.inputs.activity import Input, LoadedActivity, ProcessData, Transport, leg_positive, positive
from footprint.inputs.distribution import Relative, relative_or_error
from footprint.inputs.dqr import DQR
from footprint.inputs.rule import InputKind, LoadedRule, RuleProcess
from footprint.inputs.upstream import UpstreamDeclaration

if TYPE_CHECKING:  # engine.mapping imports this module
    from footprint.engine.mapping import ImportedCoverage


@dataclass
class Flow:
    """One foreground exchange for the whole period, already allocated to the process's main product."""

    process: str
    kind: Literal["intermediate", "background", "biosphere", "upstream", "recycled-content"]
    target: str  # process id | dataset code | biosphere3 flow code | supplier declaration id
    amount: float  # in the target's unit
    unit: str
    label: str
    field: str
    dqr: DQR | None
    primary: bool
    source: str = ""
    upstream: UpstreamDeclaration | None = None  # kind 'upstream': the supplier's declaration
    input_kind: str | None = None  # the rule's input kind of a purchased input (bill of materials, virgin inputs)
    compartment: str | None = None  # biosphere: the compartment used, e.g. "air::non-urban air or from high stacks"
    compartment_choice: str | None = None  # biosphere: "producer" | "rule default" | "unspecified"
    completes: str | None = None  # the field of the grid input whose upstream chain this flow adds (grid scope)
    # the amount's uncertainty as a multiplier of ``amount`` (the producer's, or derived from the datum's DQR
    # by the pedigree table); relative, so unit conversion, allocation and mapping leave it right
    uncertainty: Relative | None = None


@dataclass
class RecycledContent:
    """The rule's recycled-content method with the producer's R1 and where Ev comes from.

    The engine needs, besides A and Qsin/Qp: which processes form Erec (the recycling
    processes whose output is the recycled material), which input kinds are virgin
    material (they count in full and in R1's denominator), and Ev per kg of recycled
    material (``virgin_amount`` units of the virgin source).
    """

    method: str  # cff | cut-off
    A: float  # 1.0 for cut-off (the CFF with A = 1)
    Qsin_Qp: float
    R1: float  # as the producer states it (checked against the material flows)
    dqr: DQR
    primary: bool
    source: str
    erec_processes: tuple[str, ...] = ()
    virgin_input_kinds: tuple[str, ...] = ()
    by_element: dict[str, float] = field(default_factory=dict)
    elements_asked: tuple[str, ...] = ()
    virgin_dataset: str | None = None
    virgin_declaration: UpstreamDeclaration | None = None
    virgin_coverage: tuple[str, ...] = ()  # categories the virgin dataset covers (Ev is not applied elsewhere)
    virgin_unit: str = "kg"
    virgin_amount: float = 1.0  # units of the virgin source per kg of recycled material
    virgin_basis: str = ""
    #: where a background mapping replaced the rule's Ev dataset (engine.mapping): the imported dataset (database,
    #: code, name, location, unit), the library dataset it replaced and the mapping entry; ``virgin_dataset`` is
    #: then the imported dataset's key and ``virgin_amount`` is in its unit
    virgin_imported: dict[str, str] | None = None
    #: that imported dataset's DQR as its mapping entry states it (None: the entry gives none); taken as published,
    #: as a library Ev dataset's is (quality.item_criteria)
    virgin_dqr: DQR | None = None

    def in_erec(self, flow: "Flow") -> bool:
        """Whether ``flow`` is part of Erec: an exchange of a recycling process other than virgin material.

        One test for the CFF line (calculate) and the primary data share (quality), which nets the line's
        -(1-A)·Erec into the very items it is taken from."""
        return flow.process in self.erec_processes and flow.input_kind not in self.virgin_input_kinds

    @property
    def has_virgin(self) -> bool:
        return self.virgin_dataset is not None or self.virgin_declaration is not None

    @property
    def virgin_label(self) -> str:
        if self.virgin_imported is not None:
            source = (f"imported dataset {self.virgin_imported['database']}: '{self.virgin_imported['name']}' "
                      f"(in place of {self.virgin_imported['replaced']})")
        elif self.virgin_dataset:
            source = f"dataset {self.virgin_dataset}"
        elif self.virgin_declaration is not None:
            source = f"declaration {self.virgin_declaration.id} ({self.virgin_declaration.product})"
        else:
            return "none"
        return source if self.virgin_amount == 1.0 else f"{self.virgin_amount:g} {self.virgin_unit} of {source}"


@dataclass
class AllocationRecord:
    process: str
    method: str
    shares: dict[str, float]
    main_product: str
    basis: str

    @property
    def main_share(self) -> float:
        return self.shares[self.main_product]


@dataclass
class ForegroundProcess:
    id: str
    name: str
    stage: str
    product: str
    output: float  # main product made in the period, in the rule's product unit (kg in every shipped rule)
    company_specific: bool
    annex_v: list[str]
    flows: list[Flow] = field(default_factory=list)
    allocation: AllocationRecord | None = None
    supplied_by: str | None = None  # dataset code when an optional process has no data


@dataclass
class ProductSystem:
    rule: LoadedRule
    activity: LoadedActivity
    processes: list[ForegroundProcess]
    reference: str
    declared_amount: float  # kg
    allocation_method_override: str | None = None
    exclusions: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fallbacks and other choices a reader should know about
    recycled: RecycledContent | None = None
    reference_unit: str = "kg"  # the unit the rule counts the reference product in (its output is in it)
    #: datasets of imported databases the foreground's flows (or the CFF's Ev) point at (engine.mapping): key ->
    #: (label, the mapping entry's DQR or None, location), so the Data Needs Matrix checks them as it checks the
    #: library's datasets
    imported: dict[str, tuple[str, DQR | None, str]] = field(default_factory=dict)
    #: those imported datasets' complete categories (engine.mapping.imported_coverage: where their score is not
    #: zero and no mapping entry states a gap), so a category's coverage counts them as it counts the library's
    #: datasets (quality.assess)
    imported_coverage: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the whole reading per imported dataset (engine.mapping.ImportedCoverage: scored categories and stated
    #: gaps), for the partial-coverage rows and notes that name what is missing and why
    imported_readings: dict[str, "ImportedCoverage"] = field(default_factory=dict)

    @property
    def demand(self) -> float:
        """The declared unit in the reference product's unit: what the solvers ask of the reference process.

        The reference column produces ``output`` in the rule's product unit, so a declared 1 kg asked of a
        product counted in t must be 0.001 (asking 1 would declare a tonne as a kilogram).
        """
        if self.reference_unit == "kg":
            return self.declared_amount
        return units.convert(self.declared_amount, "kg", self.reference_unit)

    def process(self, process_id: str) -> ForegroundProcess:
        return next(p for p in self.processes if p.id == process_id)

    def datasets_used(self) -> set[str]:
        codes = {f.target for p in self.processes for f in p.flows if f.kind == "background" and f.amount != 0}
        codes |= {p.supplied_by for p in self.processes if p.supplied_by}
        if self.recycled and self.recycled.virgin_dataset:
            codes.add(self.recycled.virgin_dataset)
        return codes

    def upstream_declarations(self) -> list[UpstreamDeclaration]:
        """Suppliers' declarations used as inputs or as Ev, each once, in order of first use."""
        found: dict[str, UpstreamDeclaration] = {}
        for process in self.processes:
            for flow in process.flows:
                if flow.kind == "upstream" and flow.upstream is not None:
                    found.setdefault(flow.upstream.content_sha256, flow.upstream)
        if self.recycled and self.recycled.virgin_declaration is not None:
            found.setdefault(self.recycled.virgin_declaration.content_sha256, self.recycled.virgin_declaration)
        return list(found.values())


# ----------------------------------------------------------------------------- helpers


def _dqr(point_dqr: DQR | None, process_dqr: DQR | None, path: Path, where: str) -> DQR:
    dqr = point_dqr or process_dqr
    if dqr is None:
        raise ActivityDataError("missing DQR scores", file=path, field=f"{where}.dqr",
                                expected="dqr: {TeR, GeR, TiR, P} scored 1-5 on the item or on the process")
    return dqr


def _uncertainty(point, given: float, dqr: DQR | None, basic: tuple[str, float], path: Path,
                 where: str) -> Relative:
    """The producer's distribution of an amount, else the pedigree lognormal of its DQR scores."""
    if getattr(point, "uncertainty", None) is not None:
        return relative_or_error(point.uncertainty, given, error=ActivityDataError, file=path, field=where,
                                 dqr_spread=pedigree.lognormal(*basic, dqr))
    return pedigree.lognormal(*basic, dqr)


def _input_kind(kind: str | None, loaded: LoadedRule, activity: LoadedActivity, field: str) -> InputKind:
    """The rule's entry for an input kind, or the error listing the kinds the rule knows."""
    kinds = loaded.rule.input_kinds
    if kind not in kinds:
        raise ActivityDataError("unknown input kind", file=activity.path, field=field, value=kind,
                                expected="one of the rule's input kinds: " + ", ".join(sorted(kinds)))
    return kinds[kind]


def resolve_kind(kind: str, loaded: LoadedRule, activity: LoadedActivity, catalogue: Catalogue, *,
                 field: str, notes: list[str] | None = None) -> str:
    """The dataset code the rule assigns to an input kind, expanding {region} and {country}.

    When the first choice does not exist (no dataset for the facility's region) the
    rule's fallback is used and a note says so, because it lowers representativeness.
    """
    spec = _input_kind(kind, loaded, activity, field)
    declarant = activity.data.declarant
    if declarant.region is None:
        _refuse_unstated_region(kind, spec.dataset, declarant.country, activity, catalogue)
    values = {"country": declarant.country, "region": declarant.region or declarant.country}
    templates = (spec.dataset, *spec.fallback)
    candidates = [template.format(**values) for template in templates]
    for position, code in enumerate(candidates):
        if code not in catalogue.datasets:
            _refuse_other_spelling(kind, code, catalogue)
        if code in catalogue.datasets:
            _refuse_other_place(kind, templates[position], code, values, catalogue)
            if position and notes is not None:
                note = (f"input kind '{kind}': no dataset {candidates[0]} for this facility; used the rule's "
                        f"fallback {code}")
                if note not in notes:
                    notes.append(note)
            return code
    raise LinkingError(f"no dataset for input kind '{kind}'", file=loaded.path, field=f"input_kinds.{kind}",
                       value=", ".join(candidates), expected="a dataset code that exists in inventories/")


def _refuse_other_spelling(kind: str, code: str, catalogue: Catalogue) -> None:
    """Refuse a dataset whose code is the one looked for but for upper and lower case.

    Why: a user's ``electricity/cn-gz.yaml`` (code ``electricity/cn-gz``) was never found for a CN-GZ facility,
    which was declared on the national fallback grid, exit 0, with a note that no CN-GZ dataset exists.
    """
    folded = code.casefold()
    other = next((c for c in catalogue.datasets if c.casefold() == folded), None)
    if other is not None:
        raise InventoryError(
            f"dataset {other} is not found as {code} for input kind '{kind}' (codes are case-sensitive), so the "
            "rule's fallback would be taken", file=catalogue.origin(other), field="code", value=other,
            expected=f"'{code}' (rename the file to {code.split('/')[-1]}.yaml and set its code)")


def _refuse_other_place(kind: str, template: str, code: str, values: dict[str, str], catalogue: Catalogue) -> None:
    """Refuse a dataset found for the facility's place (``electricity/{region}``) that states another geography.

    Why: a user's own ``electricity/CN-GZ.yaml`` stating ``geography: DE`` (or a copied file whose
    geography was left at the original's) was taken as Guizhou's grid for a CN-GZ facility, exit 0:
    the code said one place, the dataset another, and nothing said which numbers were meant.
    """
    places = {values[name] for name in ("region", "country") if "{" + name + "}" in template}
    dataset = catalogue.datasets[code]
    if places and dataset.geography not in places:
        raise InventoryError(
            f"dataset {code}, found for input kind '{kind}' through the rule's '{template}', states another "
            "geography", file=catalogue.origin(code), field="geography", value=dataset.geography,
            expected=" or ".join(sorted(places)) + " (the place it is found for; correct the geography, or give "
                     "a dataset of another place another code)")


def _refuse_unstated_region(kind: str, template: str, country: str, activity: LoadedActivity,
                            catalogue: Catalogue) -> None:
    """Refuse a facility that states no region where the rule prices a kind by region and the library holds
    datasets of regions of its country.

    Why: ``{region}`` falls back to the country when no region is stated, so leaving the optional
    ``region`` out chose the national grid: the ndpr-oxide example without ``region: CN-NM`` declared
    45.74 instead of 46.56 kg CO2-Eq/kg, exit 0, with no note (a stated region without a dataset of its
    own takes the fallback with a note, as before).  Stating where the facility is costs one line.
    """
    if "{region}" not in template:
        return
    from footprint.inputs import geography

    prefix, _, suffix = template.partition("{region}")
    if "{" in prefix + suffix:  # another placeholder beside the region: the rule's own pattern, not a grid's
        return
    regions = [code for code in sorted(geography.subdivisions(country))
               if f"{prefix}{code}{suffix}" in catalogue.datasets]
    if regions:
        raise ActivityDataError(
            f"the facility states no region, but the rule takes input kind '{kind}' from the facility's region "
            f"({template}) and the library holds datasets of regions of {country} ("
            + ", ".join(f"{prefix}{code}{suffix}" for code in regions) + "): without it the national dataset "
            "would be taken", file=activity.path, field="declarant.region", value=None,
            expected=f"the facility's ISO 3166-2 subdivision code (e.g. {regions[0]}); a region without a dataset "
                     "of its own takes the rule's fallback, with a note")


def _kind_code(kind: str, loaded: LoadedRule, activity: LoadedActivity, catalogue: Catalogue, *, field: str,
               notes: list[str], kept: dict[str, str]) -> str:
    """``resolve_kind`` once per input kind within one build (``kept``: kind -> code).

    Its answer depends on the kind, the rule, the declarant and the catalogue only, all fixed
    for one build, and its note is added once anyway; a 1,000-process foreground asked it
    for the same few kinds 2,000 times, formatting every template each time.  A refusal is
    never kept: every item of an unknown kind is refused with its own field as before.
    """
    code = kept.get(kind)
    if code is None:
        code = kept[kind] = resolve_kind(kind, loaded, activity, catalogue, field=field, notes=notes)
    return code


def _input_target(item: Input, rp: RuleProcess, loaded: LoadedRule, activity: LoadedActivity,
                  catalogue: Catalogue, supplied: dict[str, str], where: str, notes: list[str],
                  connected: frozenset[str], kept: dict[str, str] | None = None) -> tuple[str, str]:
    """(kind, target) of an input: an upstream process, or a dataset.

    ``connected`` is ``set(rp.inputs_from)``, built once per process: a process fed by a thousand
    others has a thousand 'from' inputs, and a list scan for each grew as the square.  ``kept``
    holds the build's input kind -> dataset code answers (``_kind_code``).
    """
    kept = {} if kept is None else kept
    path = activity.path
    if item.from_ is not None:
        if item.from_ not in connected:
            raise ActivityDataError("input from a process the rule does not connect here", file=path,
                                    field=f"{where}.from", value=item.from_,
                                    expected=f"one of {rp.inputs_from}" if rp.inputs_from else
                                    "no 'from' inputs (this process has no upstream process in the rule)")
        if item.from_ in supplied:
            return "background", supplied[item.from_]
        return "intermediate", item.from_
    if item.dataset is not None:
        dataset = catalogue.get(item.dataset, file=path, field=f"{where}.dataset")
        default = catalogue.get(_kind_code(item.kind, loaded, activity, catalogue, field=f"{where}.kind",
                                           notes=notes, kept=kept))
        if dataset.kind != default.kind:
            raise ActivityDataError("dataset is of another kind than the input", file=path,
                                    field=f"{where}.dataset", value=item.dataset,
                                    expected=f"a '{default.kind}' dataset for input kind '{item.kind}'")
        _allowed_dataset(dataset.code, default.code, item.kind, loaded, path, where)
        return "background", dataset.code
    return "background", _kind_code(item.kind, loaded, activity, catalogue, field=f"{where}.kind", notes=notes,
                                    kept=kept)


def _allowed_dataset(code: str, default: str, kind: str, loaded: LoadedRule, path: Path, where: str) -> None:
    """An input's explicit ``dataset:`` must be the rule's own for its kind or one of the kind's ``alternatives``.

    Why: the rule sets the default secondary dataset of each input (Annex V: the calculation rules set
    them, so producers are compared on one basis); only the dataset kind (chemical, fuel, ...) was
    checked, so hydrochloric acid priced as argon (46.56 -> 45.90 kg CO2-Eq/kg for ndpr-oxide) or coal
    as natural gas passed with exit 0. A rule author lists the datasets of the same product a producer
    may choose instead (``input_kinds.KIND.alternatives``).  Grids too: the rule's location-based model
    resolves the facility's grid from its region and country; another grid valid "for the country"
    (the Central China grid, geography CN, for a mine in Inner Mongolia) or another country's was a
    lower number with exit 0.
    """
    spec = loaded.rule.input_kinds[kind]
    if code == default or code in spec.alternatives:
        return
    allowed = [default, *spec.alternatives]
    raise ActivityDataError(f"dataset is not one the rule allows for input kind '{kind}'", file=path,
                            field=f"{where}.dataset", value=code,
                            expected=f"{' or '.join(allowed)} (rule {loaded.path.name}: input_kinds.{kind}; a rule "
                                     "author lists other datasets of the same product under 'alternatives'), or no "
                                     "'dataset'")


def _expected_inputs_accounted(rp: RuleProcess, pdata: ProcessData, loaded: LoadedRule, activity: LoadedActivity,
                               where: str) -> None:
    """Every input kind the rule expects of a process is reported, stated not used, or excluded by name.

    Why: an expected input left out of the activity data counted as zero.  The ndpr-oxide example
    with separation's acid, caustic, precipitant, diluent, coal, electricity and freight deleted
    declared 39.34 instead of 46.56 kg CO2-Eq/kg with exit 0 and no word.  A process may truly not
    use an expected input (one precipitant of two, one fuel of three): ``not_used`` says so, an
    amount of 0 does too, and an exclusion under the cut-off names it in ``kinds``.
    """
    reported = {item.kind for item in pdata.inputs if item.kind is not None} | {leg.kind for leg in pdata.transport}
    for index, kind in enumerate(pdata.not_used):
        _input_kind(kind, loaded, activity, f"{where}.not_used[{index}]")  # an unknown kind: the one refusal
        if kind in reported:
            raise ActivityDataError("an input kind is reported and listed as not used", file=activity.path,
                                    field=f"{where}.not_used[{index}]", value=kind,
                                    expected="the kind either reported (with its amount) or under not_used")
    accounted = reported | set(pdata.not_used)
    for index, exclusion in enumerate(pdata.excluded):
        for k_index, kind in enumerate(exclusion.kinds):
            _input_kind(kind, loaded, activity, f"{where}.excluded[{index}].kinds[{k_index}]")
            accounted.add(kind)
    missing = [kind for kind in rp.expected_inputs if kind not in accounted]
    if missing:
        raise ActivityDataError(
            f"process '{rp.id}' reports no {', '.join(missing)}, which the rule expects of it: an input left out "
            "would count as zero", file=activity.path, field=f"{where}.inputs", value=", ".join(missing),
            expected="each expected input reported with its amount (0 if none was used), or listed under "
                     f"'not_used: [{', '.join(missing)}]', or excluded under the cut-off naming it in 'kinds' (in "
                     "the XLSX workbook: 0 in its row's amount, or the kind in an excluded row's 'kinds' column; a "
                     "row left blank says nothing)")


def _upstream_inputs_reported(rp: RuleProcess, pdata: ProcessData, activity: LoadedActivity, where: str) -> None:
    """Every process the rule says this one consumes (``inputs_from``) appears as a ``from`` input.

    Why: the product of an upstream process reaches the declared unit only through that input.
    ndpr-oxide's roasting without its ``{from: beneficiation, ...}`` line cut mining and
    beneficiation off the declared product: 46.56 -> 24.81 kg CO2-Eq/kg, extraction and
    concentration 0 %, exit 0 (the mass balance compared only the flows that were reported).
    An upstream process given no data (an optional one, supplied by its default dataset) was
    lost the same way: its dataset was never linked.  An amount of 0 says none was consumed.
    """
    reported = {item.from_ for item in pdata.inputs if item.from_ is not None}
    missing = [upstream for upstream in rp.inputs_from if upstream not in reported]
    if missing:
        raise ActivityDataError(
            f"process '{rp.id}' reports no input from '{missing[0]}', whose product the rule says it consumes "
            f"(inputs_from): '{missing[0]}' and everything upstream of it would count as zero in the declared unit",
            file=activity.path, field=f"{where}.inputs", value=", ".join(missing),
            expected=f"an input {{from: {missing[0]}, amount, unit}} with the amount consumed in the period (0 if "
                     f"none was; in the XLSX workbook: the amount in its 'from: {missing[0]}' row, which left blank "
                     "says nothing)")


def _something_goes_in(rp: RuleProcess, pdata: ProcessData, output: float, activity: LoadedActivity,
                       where: str) -> None:
    """Refuse a process the rule says takes something in that reports its product made with nothing going in.

    Why: a product is not made from nothing.  ndpr-oxide's mining with its diesel and electricity reported
    as 0 (or under not_used) made 489,000 t of ore with no input at all, and the declaration fell from 46.56
    to 26.95 kg CO2-Eq/kg with exit 0 (an amount of 0 says "not used", which is right for one expected input,
    not for every one).  Something goes in when an input (purchased, a supplier's product, another process's
    product) or a transport leg is above 0, or when an input of one of the rule's kinds is left out under the
    cut-off (the cut-off checks judge it).  Emissions do not count: they leave a process.  Only processes the
    rule gives inputs (expected_inputs or inputs_from) are held to it: a recycling process's scrap, like a
    mine's ore, enters unreported, and a rule may model a step that needs nothing else.  Whether a low input
    is plausible is a judgement this check does not make; none at all is not.
    """
    if output <= 0 or not (rp.expected_inputs or rp.inputs_from):
        return
    if any(positive(item.amount) for item in pdata.inputs) or any(leg_positive(leg) for leg in pdata.transport) \
            or any(exclusion.kinds for exclusion in pdata.excluded):
        return
    stated = [f"{item.kind or 'from ' + str(item.from_)} {float(item.amount):g} {item.unit}" for item in pdata.inputs]
    stated += [f"transport {leg.kind} 0" for leg in pdata.transport]
    if pdata.not_used:
        stated.append("not_used: " + ", ".join(pdata.not_used))
    takes = ", ".join([*rp.expected_inputs, *(f"from {upstream}" for upstream in rp.inputs_from)])
    raise ActivityDataError(
        f"process '{rp.id}' reports {float(pdata.output.amount):,.6g} {pdata.output.unit} of {rp.product.name} made "
        f"with nothing going in: no input or transport leg above 0 and no input of the rule's kinds left out under "
        f"the cut-off, though the rule says it takes {takes}; a product is not made from nothing, and the "
        "process's burden would count as zero", file=activity.path, field=f"{where}.inputs",
        value="; ".join(stated) or "no inputs",
        expected="the amounts the process consumed in the period (as meters and invoices say), or an input too "
                 "small to model listed under 'excluded' naming its kind in 'kinds' with its estimated share")


def _tkm(leg: Transport, path: Path, where: str) -> float:
    if leg.amount is not None:
        return units.convert(float(leg.amount), leg.unit, "tkm", file=path, field=f"{where}.unit")
    tonnes = units.convert(float(leg.mass.amount), leg.mass.unit, "t", file=path, field=f"{where}.mass.unit")
    km = units.convert(float(leg.distance.amount), leg.distance.unit, "km", file=path,
                       field=f"{where}.distance.unit")
    return tonnes * km


def _no_orphan_distribution(rp: RuleProcess, data: ProcessData, path: Path, where: str) -> None:
    """Refuse an assay's distribution of a group no content names: it was read nowhere, exit 0.

    The elements mined are content x distribution; a distribution under another key ('REO' for 'TREO') or of a
    group neither the assay nor the rule gives a content for multiplied nothing, so the rule's own split stood.
    """
    if data.ore is None or not data.ore.distributions:
        return
    contents = {key for key in (*data.ore.contents, *(rp.extraction.contents if rp.extraction else ()))
                if key in GROUPS}  # an element's content ('Fe') is its own amount: no distribution applies
    orphan = sorted(set(data.ore.distributions) - contents)
    if orphan:
        raise ActivityDataError("an ore distribution of a group no content names is read nowhere", file=path,
                                field=f"{where}.ore.distributions.{orphan[0]}", value=orphan[0],
                                expected="a distribution of a group (" + ", ".join(sorted(GROUPS)) + ") with a content "
                                         "here or in the rule: " + (", ".join(sorted(contents)) or "none"))


def _allocate(rp: RuleProcess, data: ProcessData, output: float, activity: LoadedActivity,
              override: str | None, where: str, loaded: LoadedRule) -> AllocationRecord | None:
    path, rule_path = activity.path, loaded.path
    if not rp.co_products and data.allocation_share is not None:  # it was ignored, exit 0: the producer's share lost
        raise ActivityDataError("allocation_share is given but the rule names no co-product for this process",
                                file=path, field=f"{where}.allocation_share", value=data.allocation_share,
                                expected="no allocation_share: the process's whole burden goes to its one product "
                                         "(a rule that allocates it names its co-products)")
    if not data.co_products and not rp.co_products:
        return None  # what the checks below conclude when neither the rule nor the producer names a co-product
    given: dict = {}
    position: dict[str, int] = {}  # where each co-product sits in the activity file (for messages)
    for index, point in enumerate(data.co_products):
        if point.name in given:  # a dict would keep the last entry silently: its mass alone would be allocated
            raise ActivityDataError("co-product listed twice", file=path, field=f"{where}.co_products[{index}].name",
                                    value=point.name, expected="one entry per co-product (add the amounts up)")
        given[point.name], position[point.name] = point, index
    unknown = sorted(set(given) - set(rp.co_products))
    if unknown:
        raise ActivityDataError("unknown co-product", file=path, field=f"{where}.co_products", value=unknown[0],
                                expected="one of the rule's co-products: " + (", ".join(rp.co_products) or "none"))
    if not rp.co_products:
        return None
    rule_process_path = loaded.rule.process_path(rp.id)  # for messages; looked up only where co-products are
    missing = [name for name in rp.co_products if name not in given]
    if missing:
        raise ActivityDataError("co-product missing (give 0 if none was produced)", file=path,
                                field=f"{where}.co_products", value=missing[0],
                                expected="an entry for every co-product the rule names: " + ", ".join(rp.co_products))
    masses = {rp.product.name: units.convert(output, rp.product.unit, "kg", file=rule_path,  # a mass: rule checks
                                             field=f"{rule_process_path}.product.unit")}
    for name in rp.co_products:
        point = given[name]
        masses[name] = units.convert(float(point.amount), point.unit, "kg", file=path,
                                     field=f"{where}.co_products[{position[name]}].unit")
    spec = rp.allocation
    method = spec.method
    if override:
        if override not in {spec.method, *spec.options}:
            raise RuleError(f"allocation '{override}' is not allowed for process '{rp.id}'", file=rule_path,
                            field=f"{rule_process_path}.allocation.options", value=override,
                            expected=f"one of {sorted({spec.method, *spec.options})}")
        method = override
    if method != "specified":
        given_shares = [f"co_products[{i}].share" for i, c in enumerate(data.co_products) if c.share is not None]
        if data.allocation_share is not None:
            given_shares.insert(0, "allocation_share")
        if given_shares:
            raise ActivityDataError(f"allocation shares are given but the rule allocates '{rp.id}' by {method}",
                                    file=path, field=f"{where}.{given_shares[0]}",
                                    expected="no shares (they are used only with allocation method 'specified')")
    if method == "economic":
        shares = allocation.economic_shares(masses, {name: price.value for name, price in spec.prices.items()})
        basis = spec.price_basis
    elif method == "mass":
        shares = allocation.mass_shares(masses)
        basis = "mass of products in the reporting period"
    else:
        requested = {rp.product.name: data.allocation_share, **{n: given[n].share for n in rp.co_products}}
        shares = allocation.specified_shares(requested, masses=masses, file=path,
                                             field=f"{where}.co_products")
        if shares[rp.product.name] <= 0:  # every exchange times 0: the product (and all it feeds) burden-free
            raise ActivityDataError(f"allocation share of the main product '{rp.product.name}' is 0", file=path,
                                    field=f"{where}.allocation_share", value=shares[rp.product.name],
                                    expected="a share above 0 (the process is run for its main product; a share "
                                             "of 0 would carry none of its burden to the declared product)")
        basis = "shares given by the producer"
    return AllocationRecord(process=rp.id, method=method, shares=shares, main_product=rp.product.name, basis=basis)


def _mass_balance(system_flows: dict[str, float], outputs: dict[str, float], loaded: LoadedRule,
                  activity: LoadedActivity) -> None:
    """Each reported process's product is consumed downstream as much as it was made, within the tolerance.

    Every reported process but the reference one is checked, not only those some input names: a
    process whose product no reported process consumes (its consumer given no data, so supplied by
    a default dataset) fed nothing, and its burden counted zero, exit 0.
    """
    tolerance = loaded.rule.mass_balance_tolerance
    reference = loaded.rule.reference_process
    for upstream in outputs:
        if upstream != reference and upstream not in system_flows:
            consumers = [rp.id for _stage, rp in loaded.rule.processes() if upstream in rp.inputs_from]
            raise ActivityDataError(
                f"process '{upstream}' reports its output but no process these data report consumes it (the rule's "
                f"consumers: {', '.join(consumers) or 'none'}, given no data here): its burden would count zero in "
                "the declared unit", file=activity.path, field=f"processes.{upstream}",
                expected="data for the process that consumes its product, with an input from it, or no data for "
                         f"'{upstream}' (its product is then supplied by the consumer's default dataset)")
    for upstream, consumed in system_flows.items():
        produced = outputs[upstream]
        if produced <= 0:
            raise ActivityDataError("output is zero but downstream processes consume it", file=activity.path,
                                    field=f"processes.{upstream}.output.amount", value=produced,
                                    expected="a positive output")
        gap = abs(consumed - produced) / produced
        if gap > tolerance:
            unit = loaded.rule.process(upstream).product.unit  # both are counted in it, not necessarily kg
            raise ActivityDataError(
                f"mass balance of '{upstream}' does not close: produced {produced:,.0f} {unit}, consumed downstream "
                f"{consumed:,.0f} {unit} ({gap:.1%} apart)", file=activity.path,
                field=f"processes.{upstream}.output", expected=f"a gap within the rule's tolerance of {tolerance:.0%}")


def _upstream_flow(item: Input, rp: RuleProcess, loaded: LoadedRule, activity: LoadedActivity, pdata: ProcessData,
                   share: float, where: str) -> Flow:
    """An input whose burden is a supplier's declared value (per kg) times the amount bought."""
    path = activity.path
    accepted = _input_kind(item.kind, loaded, activity, f"{where}.kind").upstream_products
    if not accepted:
        raise ActivityDataError(f"the rule does not accept suppliers' declarations for input kind '{item.kind}'",
                                file=path, field=f"{where}.declaration", value=item.declaration,
                                expected="an input kind whose upstream_products list names the supplier's product")
    supplier = _upstream.read(path.parent / item.declaration, file=path, field=f"{where}.declaration")
    period = activity.data.period
    _upstream.check_period(supplier, period.start, period.end, file=path, field=f"{where}.declaration")
    if supplier.product not in accepted:
        raise ActivityDataError("the supplier's declaration is for another product", file=path,
                                field=f"{where}.declaration", value=supplier.product,
                                expected=f"a declaration of {' or '.join(accepted)} (rule input kind '{item.kind}')")
    amount = units.convert(float(item.amount), item.unit, supplier.unit, file=path, field=f"{where}.unit")
    dqr = _dqr(item.dqr, pdata.dqr, path, where)
    return Flow(rp.id, "upstream", supplier.id, amount * share, supplier.unit,
                f"{item.kind} (supplier declaration: {supplier.declarant})", where,
                dqr, item.data_type == "primary", item.source, upstream=supplier,
                input_kind=item.kind,
                uncertainty=_uncertainty(item, float(item.amount), dqr, pedigree.input_class(False), path, where))


def _no_unasked_element(spec, given, path: Path) -> None:
    """Refuse a recycled share for an element the rule does not ask for (recycled_content.elements).

    Why: by_element is declared as stated (Art. 28/29 recycled shares per element), so a share of B and Ni
    under ndfeb-recycled-hydromet (an oxide route asking for Nd, Pr, Dy, Tb), or a recycled_share_Sm row
    added to a workbook, was published as the product's recycled share of an element the rule does not
    cover, exit 0.
    """
    unasked = [element for element in given.by_element if element not in spec.elements]
    if unasked:
        raise ActivityDataError(f"a recycled share for {', '.join(unasked)}, which the rule does not ask for",
                                file=path, field=f"recycled_content.by_element.{unasked[0]}",
                                value=given.by_element[unasked[0]],
                                expected="recycled shares of the rule's elements only ("
                                         + (", ".join(spec.elements) or "none: this rule asks for no element")
                                         + ")")


def _recycled_content(loaded: LoadedRule, activity: LoadedActivity, catalogue: Catalogue) -> RecycledContent | None:
    """The rule's recycled-content method with the producer's R1; Ev's source resolved and checked."""
    spec = loaded.rule.recycled_content
    given = activity.data.recycled_content
    path = activity.path
    if spec.method == "not-applicable":
        if given is not None:
            raise ActivityDataError("recycled content is given but the rule has no recycled-content method",
                                    file=path, field="recycled_content",
                                    expected=f"no 'recycled_content' (rule {loaded.rule.id} is "
                                             f"'{spec.method}'; use a secondary-route rule for recycled feed)")
        return None
    if given is None:
        raise ActivityDataError("missing recycled content (R1)", file=path, field="recycled_content",
                                expected=f"recycled_content: {{R1: share of recycled material in the input, 0-1, "
                                         f"source, dqr}} (rule {loaded.rule.id} uses '{spec.method}')")
    dqr = given.dqr
    if dqr is None:
        raise ActivityDataError("missing DQR scores", file=path, field="recycled_content.dqr",
                                expected="dqr: {TeR, GeR, TiR, P} scored 1-5")
    _no_unasked_element(spec, given, path)
    virgin = spec.virgin
    dataset = declaration = None
    if virgin is not None and virgin.dataset is not None:
        dataset = catalogue.get(virgin.dataset, file=loaded.path, field="recycled_content.virgin.dataset")
        try:
            units.convert(1.0, dataset.unit, "kg")
        except UnitError:
            raise RuleError("the virgin-material dataset is not per mass", file=loaded.path,
                            field="recycled_content.virgin.dataset", value=f"{dataset.code} ({dataset.unit})",
                            expected="a dataset per kg of virgin material") from None
    elif virgin is not None:
        declaration = _upstream.read(loaded.path.parent / virgin.declaration, file=loaded.path,
                                     field="recycled_content.virgin.declaration")
        # the rule's Ev stands for the virgin material of the producer's period, as a producer's supplier would
        period = activity.data.period
        _upstream.check_period(declaration, period.start, period.end, file=loaded.path,
                               field="recycled_content.virgin.declaration")
    if spec.method == "cff":
        a, q = float(spec.A), float(spec.Qsin_Qp)
    else:
        a, q = 1.0, 1.0
    source_unit = dataset.unit if dataset else (declaration.unit if declaration else "kg")
    virgin_amount = virgin.amount_in(source_unit, loaded.path) if virgin is not None else 1.0
    return RecycledContent(method=spec.method, A=a, Qsin_Qp=q, R1=given.R1, dqr=dqr,
                           primary=given.data_type == "primary", source=given.source,
                           erec_processes=tuple(spec.erec_processes),
                           virgin_input_kinds=tuple(spec.virgin_input_kinds),
                           by_element=dict(given.by_element), elements_asked=tuple(spec.elements),
                           virgin_dataset=dataset.code if dataset else None, virgin_declaration=declaration,
                           # every category the dataset has flows for: a partial Ev is better than none, but a
                           # category it has no flow for would be a false zero credit
                           virgin_coverage=tuple(sorted(catalogue.characterises.get(dataset.code, ()))) if dataset
                           else (),
                           virgin_unit=source_unit, virgin_amount=virgin_amount,
                           virgin_basis=virgin.basis if virgin is not None else "")


def check_validity(loaded: LoadedRule, activity: LoadedActivity) -> None:
    """The reporting period must lie within the periods the rule accepts (its validity, or what it allows)."""
    validity = loaded.rule.validity
    first, last = validity.accepted_periods()
    period = activity.data.period
    if period.start < first or period.end > last:
        allowed = "validity.reporting_periods" if validity.reporting_periods is not None else "validity"
        raise ActivityDataError(
            f"the reporting period lies outside what rule {loaded.rule.id} {loaded.rule.version} accepts "
            f"({allowed}: {first.isoformat()}..{last.isoformat()})", file=activity.path, field="period",
            value=f"{period.start.isoformat()}..{period.end.isoformat()}",
            expected="a reporting period within the rule's validity (a rule may accept other periods under "
                     "validity.reporting_periods), or the rule version valid for that period")
    spans = validity.reporting_periods
    problem = spans.length_problem(period.start, period.end) if spans is not None else None
    if problem:
        raise ActivityDataError(
            f"{problem}: rule {loaded.rule.id} {loaded.rule.version} declares the most recent complete "
            f"{spans.length_months}-month period, not a part of it or several", file=activity.path, field="period",
            value=f"{period.start.isoformat()}..{period.end.isoformat()}",
            expected=f"a reporting period of {spans.length_months} months (e.g. {period.start.isoformat()}.."
                     f"{_period_end(period.start, spans.length_months).isoformat()}), a fiscal year of 52 or 53 "
                     "weeks included")


def _period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` calendar months from ``start`` (for the message's example)."""
    from footprint.inputs.rule import add_months

    return add_months(start, months) - dt.timedelta(days=1)


def check_period_ended(activity: LoadedActivity, made: dt.date) -> None:
    """A declaration describes a reporting period that has ended before the day it is made.

    Why: a 2027 period declared on 2026-11-30 (or this year's, before its last day) passed with
    exit 0, and its activity data can only be a forecast or an extrapolation, declared as measured
    company-specific data of the period; ``market add`` then placed it in years it describes.
    ``made`` is the declaration's creation date (verify recomputes with the recorded one).
    """
    period = activity.data.period
    if period.end >= made:
        raise ActivityDataError(
            f"the reporting period has not ended: it ends {period.end.isoformat()}, and this declaration is made "
            f"{made.isoformat()}", file=activity.path, field="period.end", value=period.end.isoformat(),
            expected=f"a completed reporting period, ending before {made.isoformat()} (activity data measured "
                     "over the whole period, not a forecast)")


def check_cut_off(loaded: LoadedRule, activity: LoadedActivity) -> None:
    """Items left out must stay under the rule's cut-off by the producer's own estimate, or nothing is declared.

    The engine cannot score an excluded item, so the estimate is all there is: when the
    estimates add up past the threshold, the declared value leaves out more than the rule
    allows and would be too low with exit 0.  A refusal names each estimate so the producer
    can model the larger items (as inputs or emissions) or correct an estimate.  Items without
    an estimate stay a warning (quality.cut_off_warnings): nothing shows them above it.
    """
    threshold = loaded.rule.cut_off.threshold
    estimates = [(pid, index, exclusion) for pid, pdata in activity.data.processes.items()
                 for index, exclusion in enumerate(pdata.excluded) if exclusion.estimated_share is not None]
    total = exact.total([float(exclusion.estimated_share) for _pid, _index, exclusion in estimates])  # any order
    if total <= threshold + 1e-12:  # at the threshold is within it; the tolerance absorbs float sums (0.01+0.02)
        return
    from footprint.inputs.activity_xlsx import place  # a workbook's estimates by sheet and row, YAML's by field

    listed = [f"{place(activity, f'processes.{pid}.excluded[{index}]')} {exclusion.item!r} "
              f"{float(exclusion.estimated_share):.1%}" for pid, index, exclusion in estimates]
    raise ActivityDataError(
        f"the items left out are estimated at {total:.1%} of the result together, above the rule's "
        f"{threshold:.0%} cut-off, so the declared value would leave out more than rule {loaded.rule.id} allows: "
        + "; ".join(listed[:10]) + (f"; and {len(listed) - 10} more" if len(listed) > 10 else ""),
        file=activity.path, field="processes.*.excluded[].estimated_share", value=f"{total:.1%} together",
        expected=f"at most {threshold:.0%} together (cut_off.threshold of rule {loaded.rule.id}): model the larger "
                 "items as inputs or emissions, or correct the estimates")


def emission_compartment(compartment: str, rp: RuleProcess) -> tuple[list[str], str]:
    """biosphere3 categories of an emission and who chose them ("producer", "rule default", "unspecified").

    A compartment without a sub-compartment ("air") takes the rule's default for the
    process (e.g. an open-pit mine's dust: non-urban air); "air::unspecified" asks for
    the unspecified sub-compartment explicitly.
    """
    parts = [part.strip() for part in compartment.split("::") if part.strip()]
    if len(parts) >= 2 and parts[1] == "unspecified":
        return parts[:1], "producer"
    if len(parts) == 1 and parts[0] in rp.emission_subcompartments:
        return [parts[0], rp.emission_subcompartments[parts[0]]], "rule default"
    return parts, "producer" if len(parts) >= 2 else "unspecified"


# ----------------------------------------------------------------------------- build


def build(loaded: LoadedRule, activity: LoadedActivity, catalogue: Catalogue, flows_index: dict, *,
          allocation_override: str | None = None) -> ProductSystem:
    """Link, convert, allocate and check; raise on the first problem with file and field named."""
    from footprint.engine import grid, ore  # they build Flows, so they import this module

    rule = loaded.rule
    path = activity.path
    data = activity.data
    if data.rule is not None and data.rule != rule.id:
        raise ActivityDataError("activity data were written for another rule", file=path, field="rule",
                                value=data.rule, expected=f"'{rule.id}'")
    check_validity(loaded, activity)
    check_cut_off(loaded, activity)
    missing = rule_dataset_problems(rule, catalogue, fallbacks=False)  # what 'rules validate' refuses, refused here
    if missing:
        field_path, message, value, expected = missing[0]
        raise RuleError(message, file=loaded.path, field=field_path, value=value, expected=expected)
    known = {rp.id for _stage, rp in rule.processes()}
    for pid in data.processes:
        if pid not in known:
            raise ActivityDataError("unknown process", file=path, field=f"processes.{pid}", value=pid,
                                    expected="a process of rule '" + rule.id + "': " + ", ".join(sorted(known)))

    processes: list[ForegroundProcess] = []
    supplied: dict[str, str] = {}
    consumed: dict[str, float] = {}
    outputs: dict[str, float] = {}
    exclusions: list[dict] = []
    notes: list[str] = []
    by_id = {rp.id: rp for _stage, rp in rule.processes()}  # the rule's processes, looked up per 'from' input
    kept_kinds: dict[str, str] = {}  # input kind -> dataset code, for this build (_kind_code)
    # the basic uncertainty classes of inputs: read off the pedigree table once, not per flow
    plain_class, transport_class = pedigree.input_class(False), pedigree.input_class(True)
    for stage, rp in rule.processes():
        where = f"processes.{rp.id}"
        pdata = data.processes.get(rp.id)
        if pdata is None:
            if rp.company_specific == "required":
                from footprint.inputs.activity_xlsx import place

                named = place(activity, where)  # a workbook's sheet: it has no 'processes'
                raise ActivityDataError(f"missing mandatory company-specific data for process '{rp.id}' "
                                        f"({rp.name})", file=path, field=where,
                                        expected=(f"a '{rp.id}' entry under processes" if named == where
                                                  else f"{named} filled in")
                                                 + f" (rule {rule.id} requires company-specific data for it)")
            supplied[rp.id] = catalogue.get(rp.default_dataset, file=loaded.path,
                                            field=f"{rule.process_path(rp.id)}.default_dataset").code
            continue
        output = units.convert(float(pdata.output.amount), pdata.output.unit, rp.product.unit, file=path,
                               field=f"{where}.output.unit")
        if output <= 0:
            raise ActivityDataError("output must be positive", file=path, field=f"{where}.output.amount",
                                    value=pdata.output.amount, expected="the amount of product made in the period")
        outputs[rp.id] = output
        record = _allocate(rp, pdata, output, activity, allocation_override, where, loaded)
        share = record.main_share if record else 1.0
        # Virgin material blended in within a recycling (Erec) process goes whole into its main product (the
        # recycled material; a co-product such as hydrogen processing's nickel scrap holds none of it): it is
        # not allocated, as R1's material flows count it.  Why: a 5 t NdPr top-up reported in hydrogen
        # processing instead of re-manufacture (the same metal, the same R1) declared 21.50 instead of 21.68 kg
        # CO2-Eq/kg, 5.5 % of the top-up passed to the nickel scrap by the economic shares, exit 0.
        virgin_share = 1.0 if rp.id in rule.recycled_content.erec_processes else share
        virgin_kinds = frozenset(rule.recycled_content.virgin_input_kinds)
        process = ForegroundProcess(id=rp.id, name=rp.name, stage=stage.id, product=rp.product.name, output=output,
                                    company_specific=rp.company_specific == "required", annex_v=list(rp.annex_v),
                                    allocation=record)
        connected = frozenset(rp.inputs_from)
        for index, item in enumerate(pdata.inputs):
            item_where = f"{where}.inputs[{index}]"
            if item.declaration is not None:
                process.flows.append(_upstream_flow(item, rp, loaded, activity, pdata,
                                                    virgin_share if item.kind in virgin_kinds else share,
                                                    item_where))
                continue
            kind, target = _input_target(item, rp, loaded, activity, catalogue, supplied, item_where, notes,
                                         connected, kept_kinds)
            if kind == "intermediate":
                if "data_type" in item.model_fields_set:
                    raise ActivityDataError(
                        f"'data_type' on an input from process '{target}' is read nowhere: that flow carries no "
                        f"burden of its own (the primary-data share counts the burdens of '{target}''s own inputs, "
                        "transport and emissions), so 'secondary' here would change nothing", file=path,
                        field=f"{item_where}.data_type", value=item.data_type,
                        expected="no 'data_type' on an input 'from' a process the company runs; an estimated "
                                 "amount is stated in its 'dqr' (P 3-5), which widens its uncertainty")
                product = by_id[target].product
                target_unit = product.unit
                amount = units.convert(float(item.amount), item.unit, target_unit, file=path,
                                       field=f"{item_where}.unit")
                consumed[target] = consumed.get(target, 0.0) + amount
                spread = _uncertainty(item, float(item.amount), item.dqr or pdata.dqr, plain_class, path,
                                      item_where)
                process.flows.append(Flow(rp.id, "intermediate", target, amount * share, target_unit,
                                          product.name, item_where, None, True, item.source,
                                          uncertainty=spread))
                continue
            dataset = catalogue.datasets[target]
            amount = units.convert(float(item.amount), item.unit, dataset.unit, file=path, field=f"{item_where}.unit")
            dqr = _dqr(item.dqr, pdata.dqr, path, item_where)
            spread = _uncertainty(item, float(item.amount), dqr,
                                  transport_class if dataset.kind == "transport" else plain_class, path, item_where)
            whole = virgin_share if item.kind in virgin_kinds else share
            process.flows.append(Flow(rp.id, "background", target, amount * whole, dataset.unit,
                                      item.kind or item.from_ or target, item_where,
                                      dqr, item.data_type == "primary",
                                      item.source, input_kind=item.kind or None, uncertainty=spread))
            if dataset.kind == "electricity":  # scope_flows adds nothing for any other dataset
                process.flows.extend(grid.scope_flows(process.flows[-1], dataset, rule.electricity.scope, catalogue,
                                                      path=path, rule_path=loaded.path))  # one scope for grids
        for index, leg in enumerate(pdata.transport):
            item_where = f"{where}.transport[{index}]"
            target = _kind_code(leg.kind, loaded, activity, catalogue, field=f"{item_where}.kind", notes=notes,
                                kept=kept_kinds)
            dataset = catalogue.datasets[target]
            if dataset.kind != "transport":
                transports = sorted(k for k, spec in rule.input_kinds.items()
                                    if catalogue.datasets.get(spec.dataset) is not None
                                    and catalogue.datasets[spec.dataset].kind == "transport")
                raise ActivityDataError("transport leg of an input kind that is not transport", file=path,
                                        field=f"{item_where}.kind", value=leg.kind,
                                        expected="one of the rule's transport kinds: " + ", ".join(transports))
            tkm = _tkm(leg, path, item_where)
            amount = units.convert(tkm, "tkm", dataset.unit, file=path, field=item_where)
            dqr = _dqr(leg.dqr, pdata.dqr, path, item_where)
            given = float(leg.amount) if leg.amount is not None else tkm
            process.flows.append(Flow(rp.id, "background", target, amount * share, dataset.unit,
                                      f"transport, {leg.kind}", item_where,
                                      dqr, leg.data_type == "primary",
                                      leg.source, input_kind=leg.kind,
                                      uncertainty=_uncertainty(leg, given, dqr, transport_class, path, item_where)))
        for index, emission in enumerate(pdata.emissions):
            item_where = f"{where}.emissions[{index}]"
            categories, choice = emission_compartment(emission.compartment, rp)
            if choice == "rule default" and (emission.flow, tuple(categories)) not in flows_index:
                categories, choice = categories[:1], f"unspecified (biosphere3 has no '{categories[1]}' flow)"
            code, flow_unit = resolve_flow(flows_index, emission.flow, categories, file=path,
                                           field=f"{item_where}.flow")
            amount = units.convert(float(emission.amount), emission.unit, units.pint_expression(flow_unit),
                                   file=path, field=f"{item_where}.unit")
            used = "::".join(categories)
            dqr = _dqr(emission.dqr, pdata.dqr, path, item_where)
            spread = _uncertainty(emission, float(emission.amount), dqr,
                                  pedigree.emission_class(emission.flow, categories), path, item_where)
            process.flows.append(Flow(rp.id, "biosphere", code, amount * share, flow_unit,
                                      f"{emission.flow} ({used})", item_where,
                                      dqr,
                                      emission.data_type == "primary", emission.source,
                                      compartment=used, compartment_choice=choice, uncertainty=spread))
        blended = sorted({f.input_kind for f in process.flows if f.input_kind in virgin_kinds and f.amount})
        if record is not None and blended and virgin_share != share:  # the allocation record says what it left out
            record.basis += (f"; virgin material ({', '.join(blended)}) blended in goes whole to the main product, "
                             "not allocated")
        _no_orphan_distribution(rp, pdata, path, where)
        process.flows.extend(ore.element_flows(rp.id, rp, pdata, output, share, flows_index, path=path,
                                               where=where))  # elements of the ore mined
        _expected_inputs_accounted(rp, pdata, loaded, activity, where)  # after each input is linked (sharper errors)
        _upstream_inputs_reported(rp, pdata, activity, where)
        _something_goes_in(rp, pdata, output, activity, where)  # after the sharper refusals of missing inputs
        for exclusion in pdata.excluded:
            exclusions.append({"process": rp.id, **exclusion.model_dump(exclude={"kinds"} if not exclusion.kinds
                                                                         else None)})
        processes.append(process)

    if allocation_override and not any(process.allocation for process in processes):
        # the override was read nowhere (every process without co-products), yet recorded in the declaration
        allocated = sorted(rp.id for _stage, rp in rule.processes() if rp.co_products)
        raise ActivityDataError(f"--allocation {allocation_override} changes nothing: no process these data "
                                "report has co-products to allocate", field="--allocation", value=allocation_override,
                                expected="no --allocation" + (f" (rule {rule.id} allocates only "
                                                              f"{', '.join(allocated)}, not reported in these data)"
                                                              if allocated else f" (rule {rule.id} names no "
                                                                                "co-product)"))
    _mass_balance(consumed, outputs, loaded, activity)
    reference = rule.reference_process
    production = units.convert(float(data.production.amount), data.production.unit, "kg", file=path,
                               field="production.unit")
    reference_unit = rule.process(reference).product.unit  # a mass: the rule checks it
    ref_output = units.convert(outputs[reference], reference_unit, "kg")  # production is in kg
    if abs(production - ref_output) / ref_output > rule.mass_balance_tolerance:
        raise ActivityDataError(
            f"production ({production:,.0f} kg) differs from the output of '{reference}' ({ref_output:,.0f} kg)",
            file=path, field="production", expected="the same amount of declared product")
    ore.check_element_balance(loaded, activity, outputs, production)  # the product holds no more than was mined
    declared = units.convert(rule.declared_unit.amount, rule.declared_unit.unit, "kg")
    recycled = _recycled_content(loaded, activity, catalogue)
    return ProductSystem(rule=loaded, activity=activity, processes=processes, reference=reference,
                         declared_amount=declared, allocation_method_override=allocation_override,
                         exclusions=exclusions, notes=notes, recycled=recycled, reference_unit=reference_unit)
