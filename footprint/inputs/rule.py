"""Calculation rules: one YAML file per critical raw material type.

A rule is data: the declared unit, the system boundary as stages and Annex V
processes, which processes need company-specific data, the default secondary
dataset per input kind, allocation, recycled content, electricity modelling,
cut-off, DQR limits, declared impact categories and class-scheme parameters.
Adding a material or changing a boundary never needs Python; this module only
reads, checks and describes rules.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from dataclasses import dataclass
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from footprint._io import load_yaml_hashed, pydantic_error, read_input_bytes
from footprint.errors import RuleError, UnitError
from footprint.inputs import units
from footprint.inputs.categories import HEADLINE_IDS, SUPPLEMENTARY_IDS
from footprint.inputs.extraction import Extraction
from footprint.inputs.dqr import Score
from footprint import paths
from footprint.paths import rules_dir

#: A rule's id (the model's pattern); the library's file of a rule is rules/<id>.yaml.
RULE_ID = r"[a-z0-9][a-z0-9-]*"

#: Annex V point 4: stages of the primary and the secondary route.
PRIMARY_STAGES = ("extraction", "concentration", "refining")
SECONDARY_STAGES = ("recycling",)

#: Annex V point 4 process vocabulary: primary route (a)-(n), secondary route (a)-(k).
ANNEX_V_PRIMARY = {
    "a": "upstream processes: ore extraction inputs, chemicals, auxiliaries, fuels, electricity, transport in vehicles not owned",
    "b": "transport of ores, concentrates and raw materials in owned or operated vehicles",
    "c": "storage of ores, concentrates and raw materials",
    "d": "crushing and cleaning of ores",
    "e": "production of raw material concentrate",
    "f": "metal extraction (chemical, physical or biological)",
    "g": "smelting",
    "h": "metal conversion",
    "i": "slag cleaning",
    "j": "metal refining",
    "k": "metal electrolysis",
    "l": "metal casting or packaging",
    "m": "treatment of spent raw materials and slags",
    "n": "related auxiliary processes: waste water treatment, gas abatement, boilers, internal logistics",
}
ANNEX_V_SECONDARY = {
    "a": "upstream processes incl. feedstock (scrap, new concentrates), chemicals, auxiliaries, fuels, electricity, transport not owned",
    "b": "owned transport of concentrates and scrap",
    "c": "storage of scrap, concentrates and raw materials",
    "d": "pre-treatment of secondary materials",
    "e": "smelting",
    "f": "metal conversion",
    "g": "metal refining",
    "h": "metal electrolysis",
    "i": "metal casting or packaging",
    "j": "treatment of spent raw materials",
    "k": "related auxiliary processes",
}


class _Strict(BaseModel):
    """Every rule model: no unknown key, and no number that is not finite.

    Why allow_inf_nan=False: a price of ``.inf`` passed ``gt=0`` (inf > 0), ``rules validate`` said ok, and
    economic allocation gave the main product 50·m/inf = 0 and the co-product inf/inf = nan (declare then
    ended in a traceback); the same held for a virgin ``amount`` (Ev x inf) or a declared-unit amount.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _check_order(span):
    """'from' must not come after 'until': a reversed span accepts no period, and validate said ok."""
    if span.from_ > span.until:
        raise ValueError(f"'from' ({span.from_.isoformat()}) is after 'until' ({span.until.isoformat()})")
    return span


class ReportingPeriods(_Strict):
    """The reporting periods a declaration under this rule may cover, when they differ from the validity.

    A rule valid for declarations made from 2026 may accept the most recent annual
    period before it (2025 data declared in 2026); the rule says so here explicitly.
    """

    from_: dt.date = Field(alias="from")
    until: dt.date
    reason: str = ""
    # How long a reporting period must be, in calendar months (None: any length, as rules written before
    # the field).  Why: the reason says "the most recent complete annual period", and PEF scores
    # company-specific data on the most recent annual administration period (TiR 1), yet a producer's best
    # quarter (3 months) or a 30-month span was declared with exit 0.  The length is checked by
    # length_problem() wherever a reporting period is declared, validated or recomputed.
    length_months: Optional[int] = Field(default=None, ge=1, le=120)
    # Days a period may fall short of or run past length_months: 52/53-week fiscal years (364 or 371 days)
    # and a leap day are one year as well; 7 days accepts both and refuses a period a month off.
    length_tolerance_days: int = Field(default=7, ge=0, le=31)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> "ReportingPeriods":
        return _check_order(self)

    def length_problem(self, start: dt.date, end: dt.date) -> str | None:
        """Why the period start..end (both days included) is not ``length_months`` long (None: it is, or the
        rule states no length).

        Counted as calendar months from ``start``: the period's first day after its end must fall within
        ``length_tolerance_days`` of ``start`` plus ``length_months`` (2025-01-01..2025-12-31 is exactly 12;
        a 52-week fiscal year 2025-01-04..2026-01-02 ends one day short; 2025-01-01..2025-03-31 is 275 days
        short and refused).
        """
        if self.length_months is None:
            return None
        expected_next = add_months(start, self.length_months)
        off = ((end + dt.timedelta(days=1)) - expected_next).days
        if abs(off) <= self.length_tolerance_days:
            return None
        days = (end - start).days + 1
        return (f"the reporting period is {days} days long, {abs(off)} days {'longer' if off > 0 else 'shorter'} "
                f"than the {self.length_months} months the rule asks (validity.reporting_periods.length_months: "
                f"{self.length_months}, within {self.length_tolerance_days} days)")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later; a day the month lacks becomes its last day (31 Jan + 1 ->
    28/29 Feb), as a fiscal calendar counts it."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class Validity(_Strict):
    from_: dt.date = Field(alias="from")
    until: dt.date
    reporting_periods: Optional[ReportingPeriods] = None  # default: the reporting period lies within from..until

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> "Validity":
        return _check_order(self)

    def accepted_periods(self) -> tuple[dt.date, dt.date]:
        """First and last day a declared reporting period may cover."""
        if self.reporting_periods is not None:
            return self.reporting_periods.from_, self.reporting_periods.until
        return self.from_, self.until


class DeclaredUnit(_Strict):
    amount: float = Field(gt=0)
    unit: str = "kg"
    product: str
    chemical_form: str
    grade: str

    @field_validator("unit")
    @classmethod
    def _mass(cls, value: str) -> str:
        try:
            units.convert(1.0, value, "kg")
        except UnitError as exc:  # re-raised as ValueError so the loader names the rule file
            raise ValueError(f"{exc.message}; Annex V point 3: the declared unit is a mass in kg") from None
        return value


class Product(_Strict):
    name: str
    unit: str = "kg"

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        try:
            units.check_unit(value)
        except UnitError as exc:  # re-raised as ValueError so the loader names the rule file and field
            raise ValueError(exc.message) from None
        return value


class Price(_Strict):
    value: float = Field(gt=0)
    unit: str = "USD/kg"
    basis: str

    @field_validator("unit")
    @classmethod
    def _per_mass(cls, value: str) -> str:
        """Economic shares multiply each price by the product's mass: a price per piece or per m3 would weigh
        the products by a quantity nobody measured (the shares would come out wrong without a word)."""
        if value == "relative":
            return value
        currency, slash, per = value.rpartition("/")
        if slash and currency.strip() and _is_mass(per.strip()):
            return value
        raise ValueError(f"price unit {value!r} is not per unit of mass; expected e.g. 'USD/kg', 'EUR/t' or "
                         "'relative' (economic allocation multiplies each price by the product's mass)")


class Allocation(_Strict):
    """How a multi-output process splits its burdens among its products."""

    method: Literal["economic", "mass", "specified"]
    options: list[Literal["economic", "mass", "specified"]] = Field(default_factory=list)
    prices: dict[str, Price] = Field(default_factory=dict)
    price_basis: str = ""


#: Sub-compartments of biosphere3 a rule may name as a process's default (EF 3.1 gives some of them other
#: factors, e.g. particulate matter: non-urban air about 79x lower than urban or unspecified air).  Air is
#: limited to the three that carry EF 3.1 particulate-matter factors: "lower stratosphere + upper
#: troposphere" has PM flows in biosphere3 but no factor, so a default there would declare dust as zero.
SUBCOMPARTMENTS = {
    "air": ("non-urban air or from high stacks", "urban air close to ground", "low population density, long-term"),
    "water": ("surface water", "ground-", "ground-, long-term", "ocean", "fossil well"),
    "soil": ("agricultural", "forestry", "industrial"),
}


class RuleProcess(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    annex_v: list[str]
    company_specific: Literal["required", "optional"]
    product: Product
    inputs_from: list[str] = Field(default_factory=list)
    co_products: list[str] = Field(default_factory=list)
    allocation: Optional[Allocation] = None
    expected_inputs: list[str] = Field(default_factory=list)
    default_dataset: Optional[str] = None  # supplies the product when an optional process has no data
    # compartment -> sub-compartment for direct emissions given without one (e.g. an open-pit mine's dust:
    # {air: "non-urban air or from high stacks"}); the producer may name another per emission
    emission_subcompartments: dict[Literal["air", "water", "soil"], str] = Field(default_factory=dict)
    extraction: Optional[Extraction] = None  # ore contents: the element flows the process takes from the ground
    description: str = ""

    @model_validator(mode="after")
    def _known_subcompartments(self) -> "RuleProcess":
        for compartment, sub in self.emission_subcompartments.items():
            if sub not in SUBCOMPARTMENTS[compartment]:
                raise ValueError(f"process '{self.id}': unknown {compartment} sub-compartment '{sub}'; expected one "
                                 f"of {list(SUBCOMPARTMENTS[compartment])} (biosphere3 names)")
        return self


class Stage(_Strict):
    id: str
    label: str
    processes: list[RuleProcess]


TEMPLATE_FIELDS = ("region", "country")


def _check_template(template: str) -> str:
    """Only {region} and {country} may appear in a dataset template (they expand per declarant)."""
    import string

    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"malformed dataset template {template!r}: {exc}") from None
    unknown = [name for name in fields if name not in TEMPLATE_FIELDS]
    if unknown:
        raise ValueError(f"unknown placeholder {{{unknown[0]}}} in {template!r}; only {{region}} and {{country}} "
                         "expand")
    return template


class InputKind(_Strict):
    """The default secondary dataset for one kind of input (``{region}`` and ``{country}`` expand)."""

    dataset: str
    fallback: list[str] = Field(default_factory=list)
    upstream_products: list[str] = Field(default_factory=list)  # suppliers' declared products accepted instead
    #: other datasets of the same product a producer may name with an input's ``dataset:`` (natural gas per m3
    #: beside per MJ). Any other dataset would replace the rule's default with another product's burden.
    alternatives: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("dataset")
    @classmethod
    def _dataset_template(cls, value: str) -> str:
        return _check_template(value)

    @field_validator("fallback")
    @classmethod
    def _fallback_templates(cls, value: list[str]) -> list[str]:
        return [_check_template(item) for item in value]


class Electricity(_Strict):
    model: str
    supplier_specific_allowed: bool = False
    #: what every grid dataset must count: 'life-cycle' (fuel chain upstream included; PEF) or 'direct'
    #: (combustion at the power plant).  A grid of the other scope is completed by its stated upstream or refused.
    scope: Literal["life-cycle", "direct"] = "life-cycle"

    @field_validator("supplier_specific_allowed")
    @classmethod
    def _no_supplier_specific(cls, value: bool) -> bool:
        """No part of footprint reads a supplier-specific electricity product yet: 'true' would be read and
        ignored (every kWh still priced at the location-based grid mix) while the rule says otherwise."""
        if value:
            raise ValueError("supplier-specific electricity is not supported in this version: every kWh is "
                             "modelled with the location-based grid mix of electricity.model; set "
                             "supplier_specific_allowed: false (or leave it out)")
        return value


class VirginBurden(_Strict):
    """Ev: the burden of the virgin material that one kg of the recycled material replaces.

    PEF's Ev is the acquisition and pre-processing of the virgin material at the
    point of substitution (for sintered NdFeB: the virgin alloy or its rare-earth
    metal content, not the finished magnet).  ``amount`` is how much of the source, in
    ``unit`` (kg unless stated), one kg of recycled material stands for, e.g. 0.27 kg Nd
    metal per kg of alloy; ``basis`` says where that amount comes from.  A source not
    counted in kg needs ``unit`` stated.
    """

    dataset: Optional[str] = None  # a dataset code from inventories/
    declaration: Optional[str] = None  # a declaration JSON, path relative to the rule file
    amount: float = Field(default=1.0, gt=0)
    # the unit of ``amount`` (a mass); None: kg, refused for a source not per kg (amount_in).
    # Why: the amount was read in the source's own unit, so the same Ev declaration written per tonne made
    # 0.27 kg into 0.27 t and ndfeb-recycled-hpms declared 16,939 instead of 18.40 kg CO2-Eq/kg, exit 0
    unit: Optional[str] = None
    basis: str = ""
    description: str = ""

    def amount_in(self, source_unit: str, rule_path: Path | str | None) -> float:
        """``amount`` in the unit its source (dataset or declaration) counts in.

        Why: the amount was taken as written, in the source's unit, while the README and every shipped rule
        write kg per kg of recycled material: the same Ev declaration written per tonne (declared unit
        0.001 t, the same values per kg) made 0.27 kg into 0.27 t and ndfeb-recycled-hpms declared 16,939
        instead of 18.40 kg CO2-Eq/kg, exit 0.  The amount is in ``unit``; left out, it is kg, and a
        source not counted in kg is refused rather than guessed (an author who wrote the amount in the
        source's unit would otherwise be read 1000x off the other way).  declare and rules validate ask here.
        """
        unit = self.unit
        if unit is None:
            if units.convert(1.0, source_unit, "kg") != 1.0:
                raise RuleError(
                    f"the virgin source counts in '{source_unit}', and the rule does not say which unit "
                    f"recycled_content.virgin.amount ({self.amount:g}) is in", file=rule_path,
                    field="recycled_content.virgin.unit", value=None,
                    expected=f"unit: kg (or '{source_unit}'), the unit of the virgin source per kg of recycled "
                             "material")
            unit = "kg"
        return units.convert(float(self.amount), unit, source_unit, file=rule_path,
                             field="recycled_content.virgin.unit")

    @model_validator(mode="after")
    def _one_source(self) -> "VirginBurden":
        if (self.dataset is None) == (self.declaration is None):
            raise ValueError("virgin names exactly one of 'dataset' or 'declaration'")
        if self.unit is not None and not _is_mass(self.unit):
            raise ValueError(f"virgin unit {self.unit!r} is not a unit of mass; expected e.g. 'kg' or 't' (the "
                             "unit of 'amount', the virgin source per kg of recycled material)")
        return self


#: Elements whose recycled share Art. 28/29 of Regulation (EU) 2024/1252 asks of products with permanent magnets.
RECYCLED_ELEMENTS = ("Nd", "Pr", "Dy", "Tb", "B", "Sm", "Ni", "Co")


class RecycledContent(_Strict):
    """Recycled-content method: PEF Circular Footprint Formula (material part) or cut-off.

    The foreground is modelled as it runs (cut-off): virgin inputs count in full, the
    recycling processes (``erec_processes``) with their own burden, processes after the
    material is made in full.  The CFF then adds one line, (1-A)·(Rm·Ev·Qsin/Qp - Erec),
    where Rm is the recycled material per declared unit and Erec the burden of the
    recycling processes (footprint/engine/allocation.py).
    """

    method: Literal["not-applicable", "cut-off", "cff"]
    A: Optional[float] = Field(default=None, ge=0, le=1)
    #: quality of the secondary material relative to the primary at the point of substitution: at most 1
    #: (PEF: a recycled kg never stands for more than one kg of virgin material; 1 for metals, Annex C)
    Qsin_Qp: Optional[float] = Field(default=None, gt=0, le=1)
    erec_processes: list[str] = Field(default_factory=list)  # the recycling processes whose output is the material
    virgin: Optional[VirginBurden] = None
    virgin_input_kinds: list[str] = Field(default_factory=list)  # inputs of virgin material of the same kind
    elements: list[Literal["Nd", "Pr", "Dy", "Tb", "B", "Sm", "Ni", "Co"]] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _parameters(self) -> "RecycledContent":
        stray = [name for name in ("A", "Qsin_Qp") if getattr(self, name) is not None]
        if self.method != "cff" and stray:  # they would be ignored without a word: the author meant the CFF?
            raise ValueError(f"{' and '.join(stray)} {'are parameters' if len(stray) > 1 else 'is a parameter'} "
                             f"of method 'cff' only; under '{self.method}' {'they' if len(stray) > 1 else 'it'} "
                             f"would be ignored (remove {'them' if len(stray) > 1 else 'it'}, or set method: cff)")
        if self.method != "cff" and self.virgin is not None:  # Ev enters only the CFF line; else shown, unused
            raise ValueError(f"'virgin' (Ev, the burden of the replaced virgin material) is used by method 'cff' "
                             f"only; under '{self.method}' it would change no number (remove it, or set method: cff)")
        if self.method == "not-applicable":
            unused = [name for name in ("erec_processes", "virgin_input_kinds", "elements") if getattr(self, name)]
            if unused:  # no recycled-content calculation runs: they would be read and ignored
                raise ValueError(f"{', '.join(unused)} belong to a recycled-content method; under 'not-applicable' "
                                 "no recycled content is calculated and they would be ignored (remove them, or "
                                 "set method: cut-off or cff)")
            return self
        if not self.erec_processes:
            raise ValueError(f"recycled-content method '{self.method}' needs 'erec_processes' (the processes of the "
                             "recycling stage that turn scrap into the recycled material: Erec)")
        if self.method == "cff":
            if self.A is None or self.Qsin_Qp is None:
                raise ValueError("recycled-content method 'cff' needs A (0.2 for metals) and Qsin_Qp")
            if self.virgin is None:
                raise ValueError("recycled-content method 'cff' needs 'virgin' (a dataset or declaration giving Ev, "
                                 "the burden of the virgin material the recycled material replaces)")
        return self


class CutOff(_Strict):
    threshold: float = Field(ge=0, lt=0.2)
    basis: str


class DQRLimits(_Strict):
    """The Data Needs Matrix ceilings: DQR scores, so numbers 1..5 as every score (a ``true`` read as 1)."""

    most_relevant: Score
    other: Score
    secondary: Score
    source: str = ""


class ImpactCategories(_Strict):
    declared: list[str]
    rationale: str
    #: indicators outside EF 3.1 declared beside it, named as what they are (e.g. crustal_scarcity)
    supplementary: list[str] = Field(default_factory=list)

    @field_validator("supplementary")
    @classmethod
    def _supplementary(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in SUPPLEMENTARY_IDS]
        if unknown:
            raise ValueError(f"unknown supplementary indicators {unknown}; expected ids from {list(SUPPLEMENTARY_IDS)}")
        return value  # a repeat: boundary_problems (REPEATS), naming the second entry

    @field_validator("declared")
    @classmethod
    def _art31(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in HEADLINE_IDS]
        if unknown:
            raise ValueError(f"unknown impact categories {unknown}; expected ids from {list(HEADLINE_IDS)}")
        if "climate_change" not in value:
            raise ValueError("climate_change must be declared (CRMA Art. 31: climate change is always included)")
        if len(set(value)) < 3 and not _repeats(value):  # a repeat: boundary_problems (REPEATS) names it
            raise ValueError("at least three impact categories must be declared (CRMA Art. 31)")
        return value


class Sampling(_Strict):
    allowed: bool
    note: str = ""


class ConformityAssessment(_Strict):
    module: str
    note: str = ""


class ClassScheme(_Strict):
    """Annex V point 8: classes from the declarations placed on the market in the previous three years."""

    category: str = "climate_change"
    number_of_classes: int = Field(ge=2, le=15)
    window_years: int = Field(default=3, ge=1, le=10)  # placement years a derivation uses (Annex V: three)
    weighting: Literal["mass", "count"] = "mass"
    method: str = "quantile"
    head_room: bool = True
    review_years: int = Field(default=3, ge=1, le=10)  # next review = derivation date + review_years
    trigger_basis: Literal["mass", "count"] = "mass"  # rescaling trigger (energy label: units sold, i.e. mass)


class SourceRef(_Strict):
    id: str
    citation: str


class Rule(_Strict):
    """The whole calculation rule; see rules/README.md for each field."""

    _process_index: tuple | None = PrivateAttr(default=None)  # (the stages indexed, id -> process, path, stage)
    id: str = Field(pattern=f"^{RULE_ID}$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str
    status: Literal["draft", "adopted", "withdrawn"] = "draft"
    legal_basis: str
    crm: str
    validity: Validity
    crm_list_version: str = Field(
        default="Regulation (EU) 2024/1252, Annexes I and II as adopted (first lists, 2024; review by 24 May 2027)",
        description="the version of the strategic and critical raw materials lists the rule refers to")
    declared_unit: DeclaredUnit
    route: Literal["primary", "secondary"]
    reference_process: str
    stages: list[Stage]
    input_kinds: dict[str, InputKind]
    electricity: Electricity
    recycled_content: RecycledContent
    cut_off: CutOff
    dqr_limits: DQRLimits
    mass_balance_tolerance: float = Field(default=0.05, ge=0, le=0.5)
    impact_categories: ImpactCategories
    sampling: Sampling
    conformity_assessment: ConformityAssessment
    class_scheme: ClassScheme
    sources: list[SourceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _boundary(self, info: ValidationInfo) -> "Rule":
        """Raise on the first boundary problem, or collect them all when the linter asks (context 'problems')."""
        problems = boundary_problems(self)
        collector = info.context.get("problems") if isinstance(info.context, dict) else None
        if collector is not None:
            collector.extend(problems)
        elif problems:
            raise ValueError(problems[0].message)
        return self

    # ------------------------------------------------------------------ helpers
    def processes(self) -> list[tuple[Stage, RuleProcess]]:
        return [(stage, process) for stage in self.stages for process in stage.processes]

    def _indexed(self, process_id: str) -> tuple["RuleProcess", str, "Stage"]:
        """(process, its path in the file, its stage) by id: an index built once (a rule of a thousand
        processes is looked up per process and per item; scanning it each time grew as the square)."""
        index = self._process_index
        if index is None or index[0] is not self.stages or process_id not in index[1]:  # new, copied or edited
            index = self._process_index = (self.stages, {
                process.id: (process, f"stages[{i}].processes[{j}]", stage)
                for i, stage in enumerate(self.stages) for j, process in enumerate(stage.processes)})
        return index[1][process_id]

    def process(self, process_id: str) -> RuleProcess:
        return self._indexed(process_id)[0]

    def process_path(self, process_id: str) -> str:
        """Where a process sits in the rule file, e.g. ``stages[2].processes[0]`` (for error messages)."""
        return self._indexed(process_id)[1]

    def stage_of(self, process_id: str) -> Stage:
        return self._indexed(process_id)[2]

    def reference_process_def(self) -> RuleProcess:
        return self.process(self.reference_process)


def _is_mass(unit: str) -> bool:
    return units.convertible(unit, "kg")


class BoundaryProblem(NamedTuple):
    """One boundary problem: the field path (with list indices), what is wrong, and, where one value is at
    fault, that value and what was expected (the loader's RuleError and the linter's line both carry them)."""

    field: str
    message: str
    value: Any = None
    expected: str | None = None


def annex_v_point(ref: str) -> str:
    """The Annex V point-4 letter a rule's ``annex_v`` entry names: '4(a)', ' 4(a) ' and 'a' all name point 4(a)
    (the vocabulary check reads them so, and so does the check that each point is listed once)."""
    return ref.strip().removeprefix("4(").rstrip(")")


def boundary_problems(rule: Rule) -> list[BoundaryProblem]:
    """Every Annex V boundary problem of a rule, in file order.

    The model validator raises the first; ``footprint rules validate`` reports them all.
    """
    allowed = PRIMARY_STAGES if rule.route == "primary" else SECONDARY_STAGES
    vocabulary = ANNEX_V_PRIMARY if rule.route == "primary" else ANNEX_V_SECONDARY
    problems: list[tuple] = []  # (field, message[, value, expected]), made BoundaryProblems on return
    ids: set[str] = set()
    first_at: dict[str, str] = {}  # process id -> where it first stands
    for s_index, stage in enumerate(rule.stages):
        if stage.id not in allowed:
            problems.append((f"stages[{s_index}].id",
                             f"stage '{stage.id}' is not an Annex V stage of the {rule.route} route; "
                             f"expected one of {list(allowed)}"))
        for p_index, process in enumerate(stage.processes):
            where = f"stages[{s_index}].processes[{p_index}]"
            if process.id in ids:  # across stages: REPEATS checks each list, process ids are the rule's
                first = first_at[process.id]
                problems.append((f"{where}.id", f"process id '{process.id}' is used twice, at {first}.id and "
                                                f"{where}.id", process.id, "each process id once in the rule"))
            for u_index, upstream in enumerate(process.inputs_from):
                if upstream not in ids:
                    problems.append((f"{where}.inputs_from[{u_index}]",
                                     f"process '{process.id}' takes input from '{upstream}', which is not an "
                                     "earlier process of this rule"))
            ids.add(process.id)
            first_at.setdefault(process.id, where)
            for a_index, ref in enumerate(process.annex_v):
                letter = annex_v_point(ref)
                if letter not in vocabulary:
                    problems.append((f"{where}.annex_v[{a_index}]",
                                     f"process '{process.id}': Annex V reference '{ref}' is not in point 4 of "
                                     f"the {rule.route} route; expected 4(a)..4({sorted(vocabulary)[-1]})"))
            if process.company_specific == "optional" and not process.default_dataset:
                problems.append((f"{where}.default_dataset",
                                 f"optional process '{process.id}' needs a default_dataset to use when the "
                                 "producer gives no data"))
            if process.company_specific == "required" and process.default_dataset:  # missing data is refused
                problems.append((f"{where}.default_dataset",
                                 f"process '{process.id}' requires company-specific data, so its default_dataset "
                                 f"'{process.default_dataset}' would never be used (make the process optional, or "
                                 "remove the default_dataset)"))
            if process.product.name in process.co_products:  # its mass would stand for two products
                problems.append((f"{where}.co_products[{process.co_products.index(process.product.name)}]",
                                 f"process '{process.id}': its product '{process.product.name}' is also listed "
                                 "as a co-product; co_products are the other products of the process"))
            if process.allocation is not None and not process.co_products:  # would be ignored without a word
                problems.append((f"{where}.allocation",
                                 f"process '{process.id}' has an allocation but no co-products; a process with "
                                 "one product carries its whole burden (list its co_products, or remove the "
                                 "allocation)"))
            if process.co_products and process.allocation is None:
                problems.append((f"{where}.co_products", f"process '{process.id}' has co-products but no allocation"))
            if process.extraction is not None and not _is_mass(process.product.unit):  # contents are % of ore mass
                problems.append((f"{where}.product.unit",
                                 f"process '{process.id}' takes elements from the ground (extraction), so its "
                                 f"product (the ore) must be counted in a unit of mass (kg, t), not "
                                 f"'{process.product.unit}'"))
            if process.co_products and not _is_mass(process.product.unit):  # shares weigh products in kg
                problems.append((f"{where}.product.unit",
                                 f"process '{process.id}' has co-products, so its product must be counted in a "
                                 f"unit of mass (kg, t), not '{process.product.unit}'"))
            if process.allocation:
                products = {process.product.name, *process.co_products}
                methods = {process.allocation.method, *process.allocation.options}
                priced = set(process.allocation.prices)
                if "economic" in methods and products - priced:
                    problems.append((f"{where}.allocation.prices",
                                     f"process '{process.id}': economic allocation needs a price for "
                                     f"{sorted(products - priced)}"))
                price_units = sorted({price.unit for price in process.allocation.prices.values()})
                if "economic" in methods and len(price_units) > 1:  # shares compare the values as written
                    problems.append((f"{where}.allocation.prices",
                                     f"process '{process.id}': prices are in different units {price_units}; "
                                     "economic allocation compares the values as given, so write every price "
                                     "of a process in one unit (e.g. USD/kg)"))
                if "economic" not in methods and (priced or process.allocation.price_basis):  # never read
                    given = "prices" if priced else "price_basis"
                    problems.append((f"{where}.allocation.{given}",
                                     f"process '{process.id}' gives {given} but allocates by "
                                     f"{sorted(methods)}: prices are used only by economic allocation (add "
                                     "economic to method or options, or remove them)"))
                for name in sorted(priced - products):
                    problems.append((f"{where}.allocation.prices.{name}",
                                     f"process '{process.id}': price for '{name}', which is neither its product "
                                     "nor one of its co-products"))
            for k_index, kind in enumerate(process.expected_inputs):
                if kind not in rule.input_kinds:
                    problems.append((f"{where}.expected_inputs[{k_index}]",
                                     f"process '{process.id}' expects input kind '{kind}', which input_kinds "
                                     "does not define"))
    for kind, spec in rule.input_kinds.items():  # a fallback equal to an earlier choice is never reached
        choices = [spec.dataset, *spec.fallback]
        for f_index, template in _repeats(choices):
            first = choices.index(template)
            problems.append((f"input_kinds.{kind}.fallback[{f_index - 1}]",
                             f"input kind '{kind}' lists dataset '{template}' twice, at "
                             f"{'dataset' if first == 0 else f'fallback[{first - 1}]'} and fallback[{f_index - 1}]: "
                             "the fallback repeats an earlier choice and would never be used", template,
                             f"each dataset once in input_kinds.{kind}.dataset and fallback"))
        for a_index, alternative in enumerate(spec.alternatives):  # the default is no alternative to itself
            if alternative == spec.dataset:
                problems.append((f"input_kinds.{kind}.alternatives[{a_index}]",
                                 f"input kind '{kind}' lists its own dataset '{alternative}' among its "
                                 "alternatives: an alternative is another dataset of the same product a producer "
                                 "may name instead of the default, and the default needs no listing",
                                 alternative, f"other datasets than input_kinds.{kind}.dataset in "
                                              f"input_kinds.{kind}.alternatives (remove this entry)"))
    problems.extend(_listed_twice(rule))
    problems.extend(_recycled_problems(rule, ids))
    if rule.reference_process not in ids:
        problems.append(("reference_process",
                         f"reference_process '{rule.reference_process}' is not a process of this rule"))
    elif rule.reference_process_def().product.name != rule.declared_unit.product:
        problems.append(("reference_process", "the reference process's product must be the declared product "
                                              f"('{rule.declared_unit.product}')"))
    elif not _is_mass(rule.reference_process_def().product.unit):  # the declared unit is a mass (Annex V 3)
        unit = rule.reference_process_def().product.unit
        problems.append((f"{rule.process_path(rule.reference_process)}.product.unit",
                         f"the reference process '{rule.reference_process}' makes the declared product, so it "
                         f"must be counted in a unit of mass (kg, t), not '{unit}'"))
    else:  # a reference process that makes the declared product: everything else must feed it
        problems.extend(_unreached(rule))
    return [BoundaryProblem(*problem) for problem in problems]


#: Every list of the rule model whose entries name a thing (an identity), with what makes two entries the same
#: thing, how a refusal names it, and the lists of a rule it checks: field pattern (as effects.py writes fields)
#: -> (what an entry is, its identity, (field path, owner, entries) of each such list in a rule).
#: Why: a repeated entry loaded silently ('rules diff' called it a change): at best noise (the template offered
#: an input twice), at worst two statements of one thing, of which the reader keeps whichever its code happens
#: to read last (a source id repeated under another citation hid the second).  Identities: an Annex V entry is
#: its point ('4(a)' and 'a' are point 4(a)); a list of objects (stages, sources) names each by its id; every
#: other entry by its exact text (process ids, input kinds, products, datasets, methods, categories, elements
#: are matched as written).  REPEATS_ELSEWHERE and REPEATS_EXEMPT hold the other lists: a test requires every
#: list field of the model in one of the three.
REPEATS: dict[str, tuple[str, Any, Any]] = {
    "stages": ("stage", lambda stage: stage.id, lambda rule: [("stages", "", rule.stages)]),
    "stages[].processes[].annex_v": ("Annex V point", annex_v_point, lambda rule: [
        (f"{where}.annex_v", f"process '{p.id}' ", p.annex_v) for where, p in _process_paths(rule)]),
    "stages[].processes[].inputs_from": ("upstream process", str, lambda rule: [
        (f"{where}.inputs_from", f"process '{p.id}' ", p.inputs_from) for where, p in _process_paths(rule)]),
    "stages[].processes[].co_products": ("co-product", str, lambda rule: [
        (f"{where}.co_products", f"process '{p.id}' ", p.co_products) for where, p in _process_paths(rule)]),
    # the method itself may be among its options (every shipped rule writes it so): only the options are read
    "stages[].processes[].allocation.options": ("allocation option", str, lambda rule: [
        (f"{where}.allocation.options", f"process '{p.id}' ", p.allocation.options)
        for where, p in _process_paths(rule) if p.allocation is not None]),
    "stages[].processes[].expected_inputs": ("input kind", str, lambda rule: [
        (f"{where}.expected_inputs", f"process '{p.id}' ", p.expected_inputs) for where, p in _process_paths(rule)]),
    "input_kinds.*.upstream_products": ("upstream product", str, lambda rule: [
        (f"input_kinds.{kind}.upstream_products", f"input kind '{kind}' ", spec.upstream_products)
        for kind, spec in rule.input_kinds.items()]),
    "input_kinds.*.alternatives": ("alternative dataset", str, lambda rule: [
        (f"input_kinds.{kind}.alternatives", f"input kind '{kind}' ", spec.alternatives)
        for kind, spec in rule.input_kinds.items()]),
    "recycled_content.erec_processes": ("Erec process", str, lambda rule: [
        ("recycled_content.erec_processes", "", rule.recycled_content.erec_processes)]),
    "recycled_content.virgin_input_kinds": ("virgin input kind", str, lambda rule: [
        ("recycled_content.virgin_input_kinds", "", rule.recycled_content.virgin_input_kinds)]),
    "recycled_content.elements": ("element", str, lambda rule: [
        ("recycled_content.elements", "", rule.recycled_content.elements)]),
    "impact_categories.declared": ("impact category", str, lambda rule: [
        ("impact_categories.declared", "", rule.impact_categories.declared)]),
    "impact_categories.supplementary": ("supplementary indicator", str, lambda rule: [
        ("impact_categories.supplementary", "", rule.impact_categories.supplementary)]),
    "sources": ("source id", lambda source: source.id, lambda rule: [("sources", "", rule.sources)]),
}
#: list fields whose repeats boundary_problems refuses by a check of their own (same style), and why
REPEATS_ELSEWHERE = {
    "stages[].processes": "a process id is the rule's: the same id in two stages is a repeat too",
    "input_kinds.*.fallback": "a fallback equal to the dataset or an earlier fallback is never reached",
}
#: beside REPEATS, an alternative equal to its kind's own dataset is refused by boundary_problems (the default
#: listed as an alternative to itself: "input_kinds.*.alternatives")
#: list fields where a repeated entry is no repeat of an identity, and why (none yet)
REPEATS_EXEMPT: dict[str, str] = {}


def _process_paths(rule: Rule) -> list[tuple[str, RuleProcess]]:
    return [(f"stages[{i}].processes[{j}]", process) for i, stage in enumerate(rule.stages)
            for j, process in enumerate(stage.processes)]


def _listed_twice(rule: Rule) -> list[tuple[str, str, str, str]]:
    """An entry of a REPEATS list that names what an earlier entry of that list named, at the second entry's
    index (an entry of a list of objects at its ``id``)."""
    problems = []
    for what, identity, lists in REPEATS.values():
        for field, owner, items in lists(rule):
            keys = [identity(item) for item in items]
            for index, key in _repeats(keys):
                first = keys.index(key)
                name = field.rsplit(".", 1)[-1]
                if isinstance(items[index], str):
                    at, shown, same = "", items[index], ""
                    if items[first] != items[index]:
                        same = f" ('{items[first]}' and '{items[index]}' name the same)"
                else:  # an object named by its id
                    at, shown, same = ".id", key, ""
                problems.append((f"{field}[{index}]{at}",
                                 f"{owner or field + ' '}lists {what} '{shown}' twice, at {name}[{first}]{at} "
                                 f"and {name}[{index}]{at}{same}", shown, f"each {what} once in {field}"))
    return problems


def _unreached(rule: Rule) -> list[tuple[str, str]]:
    """Processes the reference process does not draw on, through inputs_from: the declared unit never asks
    for their product, so their data would count zero (a process after the reference process, say)."""
    by_id = {process.id: process for _stage, process in rule.processes()}
    reached, todo = set(), [rule.reference_process]
    while todo:
        pid = todo.pop()
        if pid in reached or pid not in by_id:
            continue
        reached.add(pid)
        todo.extend(by_id[pid].inputs_from)
    return [(f"{rule.process_path(process.id)}.id",
             f"process '{process.id}' does not feed the reference process '{rule.reference_process}' (through "
             "inputs_from), so its burden would count zero in the declared unit; connect it, or make the "
             "process that makes the declared product the reference_process")
            for _stage, process in rule.processes() if process.id not in reached]


def _repeats(items: list[str]) -> list[tuple[int, str]]:
    """(position, item) of every item already listed before it (a list of names means each once)."""
    seen: set[str] = set()
    repeats = []
    for index, item in enumerate(items):
        if item in seen:
            repeats.append((index, item))
        seen.add(item)
    return repeats


def _recycled_problems(rule: Rule, ids: set[str]) -> list[tuple[str, str]]:
    """Erec must be processes of the recycling stage that take input only from each other (scrap enters free)."""
    spec = rule.recycled_content
    problems: list[tuple[str, str]] = []
    if spec.method != "not-applicable" and rule.route != "secondary":
        problems.append(("recycled_content.method", f"recycled-content method '{spec.method}' belongs to a "
                                                    "secondary-route rule (the recycling stage)"))
    erec = set(spec.erec_processes)
    for index, pid in enumerate(spec.erec_processes):
        where = f"recycled_content.erec_processes[{index}]"
        if pid not in ids:
            problems.append((where, f"'{pid}' is not a process of this rule"))
            continue
        if rule.stage_of(pid).id not in SECONDARY_STAGES:
            problems.append((where, f"'{pid}' is not in the recycling stage"))
        outside = [u for u in rule.process(pid).inputs_from if u not in erec]
        if outside:
            problems.append((where, f"'{pid}' takes input from '{outside[0]}', which is not a recycling (Erec) "
                                    "process: the recycled material is made by the Erec processes alone"))
    for index, kind in enumerate(spec.virgin_input_kinds):
        if kind not in rule.input_kinds:
            problems.append((f"recycled_content.virgin_input_kinds[{index}]",
                             f"virgin input kind '{kind}' is not one of the rule's input_kinds"))
    return problems


@dataclass(frozen=True)
class LoadedRule:
    """A rule with the file it came from and that file's hash (for provenance)."""

    rule: Rule
    path: Path
    sha256: str


def resolve_rule_path(rule: str | Path) -> Path:
    """A rule id from rules/ or a path to a rule file.

    Only a file is taken as a path: a producer keeping its files in a directory named like
    the rule (``./ndfeb-magnet/``) was told "is a directory, not a file" for the rule id.
    """
    candidate = Path(rule)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        return candidate
    path = rules_dir() / f"{rule}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in rules_dir().glob("*.yaml")))
        raise RuleError("unknown rule" + (" (a directory of that name is here, not a rule file)"
                                          if candidate.is_dir() else ""),
                        value=str(rule), expected=f"a rule id ({known}) or a path to a rule file")
    return path


_PARSED: dict[tuple[str, str], LoadedRule] = {}  # (path, sha256 of its bytes) -> the rule, parsed once


def load_rule(rule: str | Path) -> LoadedRule:
    """The rule, parsed and checked once per file content (a rule is the same for every declaration under it)."""
    import hashlib

    path = resolve_rule_path(rule)
    try:
        key = (str(path), hashlib.sha256(read_input_bytes(path, RuleError)).hexdigest())
    except RuleError:
        key = None  # load_yaml names the problem
    if key is not None and key in _PARSED:
        return _PARSED[key]
    loaded = _parse_rule(path)
    if key is not None and loaded.sha256 == key[1]:
        if len(_PARSED) > 256:
            _PARSED.clear()
        _PARSED[key] = loaded
    return loaded


def _parse_rule(path: Path) -> LoadedRule:
    raw, digest = load_yaml_hashed(path, RuleError)  # the recorded hash is of the bytes parsed
    if not isinstance(raw, dict):
        raise RuleError("a rule file must be a mapping", file=path, expected="keys id, version, stages, ...")
    problems: list[tuple[str, str]] = []  # boundary problems, collected so the first names its field
    try:
        model = Rule.model_validate(raw, context={"problems": problems})
    except ValidationError as exc:
        raise pydantic_error(exc, path, RuleError) from None
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s); 'footprint rules validate' lists them)" \
            if len(problems) > 1 else ""
        raise RuleError(first.message + more, file=path, field=first.field, value=first.value,
                        expected=first.expected)
    return LoadedRule(rule=model, path=path, sha256=digest)


def _library_rule(loaded: LoadedRule, directory: Path | None = None) -> LoadedRule | None:
    """The rule of ``loaded``'s id in the library ``directory`` (default: rules_dir()), when ``loaded`` is
    another file (None: the library has none).

    The same file is told by device and inode (two stat calls), not by resolving both paths: every
    declaration and batch row asks this, and two ``Path.resolve`` calls took ~100 us of a ~3 ms batch row.
    """
    library_path = (rules_dir() if directory is None else directory) / f"{loaded.rule.id}.yaml"
    try:
        library_stat = os.stat(library_path)
    except OSError:
        return None
    if not stat.S_ISREG(library_stat.st_mode) or _same_file(library_stat, loaded.path):
        return None
    return load_rule(library_path)


def _same_file(library_stat: os.stat_result, path: Path) -> bool:
    try:
        return os.path.samestat(library_stat, os.stat(path))
    except OSError:  # a file gone since it was read is not the library's
        return False


def _shipped_rule(loaded: LoadedRule) -> LoadedRule | None:
    """footprint's own rule of ``loaded``'s id when ``FOOTPRINT_RULES`` overrides the library (None otherwise).

    Why: a declaration names its rule by id and version, which every other machine reads as footprint's
    own rule of that id.  A rule of an overriding library was the library itself, so nothing compared it:
    a copy of rules/ndpr-oxide.yaml with one price edited (REO concentrate 50 -> 5), put in a directory
    named by FOOTPRINT_RULES, declared 32.58 instead of 46.56 kg CO2-Eq/kg as "rule ndpr-oxide 1.1.0" and
    verified on that machine, exit 0.  The shipped library's rule is compared as a library twin (and
    successor) too; an overriding library may still add rules of ids footprint does not ship.
    """
    if not library_overridden():
        return None
    return _library_rule(loaded, paths.shipped_rules_dir())


def library_overridden() -> bool:
    """Whether the rule library read here is not footprint's own (``FOOTPRINT_RULES`` names another directory).

    A missing directory (the overriding one or the shipped one) counts as overridden: what is there is then
    compared with footprint's own rather than taken as it.
    """
    try:
        return not os.path.samefile(rules_dir(), paths.shipped_rules_dir())
    except OSError:
        return True


def library_counterparts(loaded: LoadedRule) -> tuple[LoadedRule | None, LoadedRule | None]:
    """(library_twin, library_successor) of ``loaded`` with the library looked up once (both are asked of
    every new declaration).

    Under ``FOOTPRINT_RULES`` footprint's own library is asked too (_shipped_rule): of two twins the one
    ``loaded`` conflicts with (else the withdrawn one, else the overriding library's) is returned, of two
    successors the later.
    """
    libraries = [_library_rule(loaded), _shipped_rule(loaded)]
    twins = [twin for twin in (_twin_in(library, loaded) for library in libraries) if twin is not None]
    successors = [later for later in (_successor_in(library, loaded) for library in libraries) if later is not None]
    twin = next((t for t in twins if conflict_with(t, loaded)), None) \
        or next((t for t in twins if t.rule.status == "withdrawn"), None) or (twins[0] if twins else None)
    successor = max(successors, key=lambda later: version_key(later.rule.version)) if successors else None
    return twin, successor


def library_twin(loaded: LoadedRule) -> LoadedRule | None:
    """The library's rule of the same id and version when ``loaded`` is another file (None: there is none)."""
    return library_counterparts(loaded)[0]


def library_successor(loaded: LoadedRule) -> LoadedRule | None:
    """The library's rule of the same id at a later version when ``loaded`` is another file (None: there is none).

    A version the library has moved past (1.0.0 beside the library's 1.1.0) is superseded: new declarations
    are made under the library's version, so that a producer cannot pick the older text to escape what the
    newer one adds (a quarter declared under 1.0.0, which stated no period length).
    """
    return library_counterparts(loaded)[1]


def _twin_in(library: LoadedRule | None, loaded: LoadedRule) -> LoadedRule | None:
    same_version = library is not None and (library.rule.id, library.rule.version) == (loaded.rule.id,
                                                                                        loaded.rule.version)
    return library if same_version else None


def _successor_in(library: LoadedRule | None, loaded: LoadedRule) -> LoadedRule | None:
    later = library is not None and version_key(library.rule.version) > version_key(loaded.rule.version)
    return library if later else None


def library_rule(rule_id: str) -> LoadedRule | None:
    """The library's rule of ``rule_id`` (rules/<id>.yaml), or None when the library has no rule of that id;
    a RuleError when its file cannot be read.  One lookup for the readers of an id a document states
    (a supplier's rule, the market's gate), which cannot name a file outside rules/.

    Under ``FOOTPRINT_RULES``, footprint's own rule of that id and version where the overriding library's
    says something else (library_counterparts): declare refuses that file, and every other machine reads
    the id and version as footprint's.  Why: the readers compared a declaration with the overriding file,
    so the example declaration with 'separation' renamed 'solvent-extraction' everywhere and re-hashed was
    reported with exit 0 on a machine whose library renamed the process the same way.
    """
    loaded = _library_file_rule(rule_id)
    own = _shipped_rule(loaded) if loaded is not None else None
    if own is not None and own.rule.version == loaded.rule.version and conflict_with(own, loaded):
        return own
    return loaded


def _library_file_rule(rule_id: str) -> LoadedRule | None:
    """The rule file rules/<id>.yaml of the library this process reads (FOOTPRINT_RULES or footprint's), as it is."""
    if not re.fullmatch(RULE_ID, rule_id):
        return None
    path = rules_dir() / f"{rule_id}.yaml"
    return load_rule(path) if path.is_file() else None


def class_scheme_rule(rule_id: str) -> LoadedRule | None:
    """The rule whose ``class_scheme`` a class scheme of ``rule_id`` follows: the library's rule of that id,
    held to footprint's own when ``FOOTPRINT_RULES`` overrides the library; footprint's own when the
    overriding library has no rule of that id; None when neither has one (the built-in defaults apply).

    Why: a class scheme is derived per rule id (every version's declarations together), and ``classes
    derive`` and ``revise`` took the window, review period, trigger basis, head-room and number of classes
    from whatever rule the library held.  A copy of rules/ndpr-oxide.yaml with ``review_years: 10`` and
    ``trigger_basis: count``, in a directory named by FOOTPRINT_RULES, derived a scheme for ndpr-oxide
    reviewed in 2035 instead of 2028, exit 0; an overriding library without ndpr-oxide derived it under
    the built-in defaults (no head-room).  As a rule of an overriding library is held to footprint's own
    for declarations (library_counterparts), its class scheme is held to footprint's own for the
    classes: a RuleError names the first field that differs.
    """
    library = _library_file_rule(rule_id)  # as it is: its class scheme is compared with footprint's below
    if not re.fullmatch(RULE_ID, rule_id):
        return library
    shipped_path = paths.shipped_rules_dir() / f"{rule_id}.yaml"
    if not library_overridden() or not shipped_path.is_file():
        return library
    own = load_rule(shipped_path)
    if library is None:
        return own
    where = _first_difference(own.rule.class_scheme.model_dump(mode="json", by_alias=True),
                              library.rule.class_scheme.model_dump(mode="json", by_alias=True), node=ClassScheme)
    if where is not None:
        raise RuleError(f"the class scheme of rule {rule_id} in the rule library {rules_dir()} (FOOTPRINT_RULES) is "
                        f"not footprint's own ({_library_name(own)}): classes of a rule id footprint ships are "
                        "derived as its own rule says", file=library.path, field=f"class_scheme.{where}",
                        value=_at(library.rule.class_scheme.model_dump(mode="json", by_alias=True), where),
                        expected=f"{_at(own.rule.class_scheme.model_dump(mode='json', by_alias=True), where)!r}, as "
                                 f"footprint's own rule {own.rule.id} {own.rule.version} states it (or a rule of "
                                 "another id)")
    return library


def _at(block: dict, where: str) -> Any:
    """The value at a dotted ``where`` of _first_difference inside ``block`` (None where one side lacks it)."""
    for key in where.split("."):
        block = block.get(key) if isinstance(block, dict) else None
    return block


def version_key(version: str) -> tuple[int, int, int]:
    """A rule version N.N.N as numbers to compare (1.10.0 after 1.9.0); ValueError for any other text (a
    version read from a declaration, which the rule model has not checked)."""
    parts = version.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError(version)
    return int(parts[0]), int(parts[1]), int(parts[2])


def library_conflict(loaded: LoadedRule) -> str | None:
    """conflict_with(library_twin(loaded), loaded): the check on its own."""
    return conflict_with(library_twin(loaded), loaded)


def conflict_with(library: LoadedRule | None, loaded: LoadedRule) -> str | None:
    """Why a rule file claims the id and version of a library rule whose content it does not have (None: fine).

    Why: a declaration names its rule by id and version, and the market register, the class
    schemes and every reader compare declarations by them.  A copy of rules/ndpr-oxide.yaml with
    one price edited (REO concentrate 50 -> 5) declared 32.58 instead of 46.56 kg CO2-Eq/kg as
    "rule ndpr-oxide 1.0.0", and ``verify`` recomputed it with the same copy and said verified.
    A changed rule is another version.  Differences of layout, comments or prose only (PROSE_FIELDS)
    and of ``status`` (a version withdrawn in place) are not a conflict.  ``library`` is
    library_twin(loaded), looked up once by a caller that also asks whether it is withdrawn.
    """
    if library is None:
        return None
    claim = (f"this file says it is rule {loaded.rule.id} {loaded.rule.version}, but the library's "
             f"{_library_name(library)} of that id and version differs from it")
    if library.sha256 != loaded.sha256:
        # 'status' is the rule's life cycle, not its content: the library withdraws a version in place
        where = _first_difference(library.rule.model_dump(mode="json", by_alias=True, exclude={"status"}),
                                  loaded.rule.model_dump(mode="json", by_alias=True, exclude={"status"}))
        if where is not None:
            return f"{claim} (first at '{where}')"
    # the CFF's Ev declaration is a path relative to the rule file: the same text beside another file is
    # another Ev (a copy of ndfeb-recycled-hpms.yaml beside a forged ../examples/suppliers/ndpr-metal-2025.json)
    ours, theirs = virgin_declaration_summary(library), virgin_declaration_summary(loaded)
    if ours is not None and ours.startswith("declaration ") and theirs != ours:
        return (f"{claim} (first at 'recycled_content.virgin.declaration': the file it points to holds "
                f"{theirs}, the library's {ours})")
    return None


def _library_name(library: LoadedRule) -> str:
    """How a refusal names a library's rule file: its absolute path, and, when FOOTPRINT_RULES overrides the library
    and the file is footprint's own, which library it is.

    Why the whole path: under FOOTPRINT_RULES two libraries hold a file of each id's name, so "the library's
    ndpr-oxide.yaml" did not say which of them differs (footprint's own or the overriding one)."""
    shipped = paths.shipped_rules_dir()
    where = os.path.abspath(library.path)
    if library.path.parent == shipped and rules_dir() != shipped:
        return f"{where} (footprint's own library; FOOTPRINT_RULES={rules_dir()} does not replace it)"
    return where


def virgin_declaration_summary(loaded: LoadedRule, *, full: bool = False) -> str | None:
    """What the rule's Ev declaration file (``recycled_content.virgin.declaration``, relative to the rule
    file) holds: ``declaration ID (PRODUCT), content sha256 ...``, or why it cannot be read; None when the
    rule names no such file.  Said without the file's path, so two copies pointing at the same content
    are alike (rules diff, library_conflict)."""
    from footprint.errors import FootprintError
    from footprint.inputs.upstream import read as read_upstream

    virgin = loaded.rule.recycled_content.virgin
    if virgin is None or not virgin.declaration:
        return None
    path = Path(loaded.path).parent / virgin.declaration
    if not path.is_file():
        return "no such file"
    try:
        found = read_upstream(path, file=loaded.path, field="recycled_content.virgin.declaration")
    except FootprintError as exc:
        return f"unreadable: {exc.message}"
    return f"declaration {found.id} ({found.product}), content sha256 {found.content_sha256[:None if full else 12]}"


#: a rule's prose, by field (written as footprint/authoring/effects.py names fields: ``a.b``, list items
#: ``a[].b``, mapping entries ``a.*.b``): what it says about its numbers, not the numbers (a wording mended at
#: the same version, as the transcription audit mended several, leaves every declaration under it as it was).
#: Only free text no code reads to compute, match, check or restate is prose; effects.py classifies exactly
#: these fields as documentation only (and ``sources``, whose ids are compared here as keys the text cites).
#: Why by field and not by key name: the key names of prose ('name', 'module', ...) were prose wherever they
#: stood, so a process's ``product.name`` (the key of its co-products, prices and the declared product) and
#: ``conformity_assessment.module`` (restated in every declaration as the assessment it is subject to) were
#: prose too: a copy of rules/ndpr-oxide.yaml with ``module: "A (internal production control, no notified
#: body)"`` declared that claim as "rule ndpr-oxide 1.1.0" with the library's content_sha256, and ``verify``
#: said verified, exit 0.
PROSE_FIELDS = frozenset({
    "title", "legal_basis", "validity.reporting_periods.reason",
    "stages[].label", "stages[].processes[].name", "stages[].processes[].description",
    "stages[].processes[].extraction.description", "stages[].processes[].extraction.contents.*.source",
    "stages[].processes[].extraction.distributions.*.source",
    "stages[].processes[].allocation.price_basis", "stages[].processes[].allocation.prices.*.basis",
    "input_kinds.*.description", "electricity.model",
    "recycled_content.virgin.basis", "recycled_content.virgin.description", "recycled_content.note",
    "cut_off.basis", "dqr_limits.source", "impact_categories.rationale", "sampling.note",
    "conformity_assessment.note", "sources[].citation",
})


def unwrap_optional(annotation: Any) -> Any:
    """``Optional[X]`` -> X (any other annotation as it is)."""
    import types
    import typing

    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else annotation
    return annotation


_FIELDS_BY_ALIAS: dict[type, dict[str, Any]] = {}


def fields_by_alias(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields as its dump names them (alias, e.g. 'from') -> annotation; computed once per model."""
    found = _FIELDS_BY_ALIAS.get(model)
    if found is None:
        found = _FIELDS_BY_ALIAS[model] = {info.alias or name: info.annotation
                                           for name, info in model.model_fields.items()}
    return found


def field_step(node: Any, pattern: str, key: Any) -> tuple[Any, str, bool]:
    """One step down a dumped rule: (the annotation below ``node`` at ``key``, its field pattern as PROSE_FIELDS
    and effects.py write it, whether ``key`` is a field of a model).  A key the model does not have, or a
    place inside a value that is no model, list or mapping, keeps the pattern and has no annotation."""
    import typing

    node = unwrap_optional(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        fields = fields_by_alias(node)
        if key in fields:
            return fields[key], f"{pattern}.{key}" if pattern else str(key), True
        return None, pattern, False
    origin = typing.get_origin(node)
    if origin is list:
        return typing.get_args(node)[0], pattern + "[]", False
    if origin is dict:
        return typing.get_args(node)[1], pattern + ".*", False
    return None, pattern, False


def content_sha256(loaded: LoadedRule, *, earlier: bool = False) -> str:
    """SHA-256 of what a rule says, as conflict_with compares two rules: the parsed rule without its prose
    (PROSE_FIELDS), ``status`` and fields at their default value, with the Ev declaration it names
    (``recycled_content.virgin.declaration``) taken by that file's content hash instead of its path.

    Why: a declaration records its rule file's sha256, which a mended wording changes, so a reader of a
    supplier's declaration could not tell a prose edit from a changed number under the same id and version.
    This hash stays with the prose and moves with every number, dataset or structure, so the library's rule
    of that id and version can be compared with the one a supplier's declaration was made under
    (footprint.inputs.upstream.rule_check).

    ``earlier``: the hash as footprint computed it before PROSE_FIELDS, leaving out every key named like prose
    (EARLIER_PROSE_KEYS) wherever it stood, so also each process's ``product.name`` and
    ``conformity_assessment.module``.  Declarations made before record that hash; a reader compares such a
    record with this one (earlier_content_note says what it cannot tell).  Why both: the hash of every rule
    changed with the two fields (every rule names products and a module), and a supplier's declaration of last
    month under the unchanged library rule was refused as "made under a rule that differs from the library's".
    """
    import hashlib

    virgin = loaded.rule.recycled_content.virgin
    names_a_file = virgin is not None and bool(virgin.declaration)
    key = (str(loaded.path), loaded.sha256, earlier)
    if not names_a_file and key in _CONTENT:  # a rule is hashed per supplier read: once per file content
        return _CONTENT[key]
    # fields at their default are left out: a later footprint that adds a rule field with a default (as
    # length_tolerance_days was added) must hash an unchanged rule as before, or every supplier's declaration
    # recorded under it would be refused as made under another rule
    dumped = loaded.rule.model_dump(mode="json", by_alias=True, exclude={"status"}, exclude_defaults=True)
    content = _without_earlier_prose(dumped) if earlier else _without_prose(dumped)
    if names_a_file:  # the Ev file may change under the same rule text: hashed each time
        content["recycled_content"]["virgin"]["declaration"] = virgin_declaration_summary(loaded, full=True)
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not names_a_file:
        if len(_CONTENT) > 256:
            _CONTENT.clear()
        _CONTENT[key] = digest
    return digest


_CONTENT: dict[tuple[str, str, bool], str] = {}  # (path, sha256 of its bytes, earlier) -> content_sha256, rules
# without an Ev file

#: the keys content_sha256 left out wherever they stood, before PROSE_FIELDS (content_sha256(earlier=True))
EARLIER_PROSE_KEYS = frozenset({"description", "rationale", "note", "reason", "basis", "price_basis", "source",
                                "citation", "legal_basis", "model", "module", "title", "label", "name"})


def _without_earlier_prose(value: Any) -> Any:
    """``value`` without any EARLIER_PROSE_KEYS entry whose value is text (or empty): the earlier hash's content."""
    if isinstance(value, dict):
        return {key: _without_earlier_prose(item) for key, item in value.items()
                if not (key in EARLIER_PROSE_KEYS and (item is None or isinstance(item, str)))}
    if isinstance(value, list):
        return [_without_earlier_prose(item) for item in value]
    return value


def recorded_content_agrees(recorded: str | None, library: LoadedRule,
                            document: Mapping[str, Any]) -> bool | None:
    """Whether a declaration's recorded ``provenance.rule.content_sha256`` is ``library``'s: True (this
    footprint's hash), None (the earlier hash, content_sha256(earlier=True), and nothing ``document`` records
    of what that hash left out disagrees with the library: earlier_record_problem), False (neither, a record
    of the earlier hash that the declaration itself contradicts, or nothing recorded).

    ``document`` is required: the earlier hash alone let a copy of the library rule with another module pass
    as the library's rule (earlier_record_problem says how)."""
    if recorded is None:
        return False
    if recorded == content_sha256(library):
        return True
    if recorded != content_sha256(library, earlier=True):
        return False
    return None if earlier_record_problem(document, library) is None else False


#: when content_sha256 began to hash each process's product.name and conformity_assessment.module (commit
#: 91c91dd): a footprint of that time or later records the current hash, so a declaration recording the earlier
#: hash and created at or after this moment was written by an older footprint run since, or backdated
EARLIER_HASH_UNTIL = dt.datetime(2026, 12, 2, 3, 55, 58, tzinfo=dt.timezone.utc)


def earlier_record_problem(document: Mapping[str, Any], library: LoadedRule) -> str | None:
    """Why a declaration recording ``library``'s earlier content hash (content_sha256(earlier=True)) is not
    taken as made under ``library`` (None: it is).

    Why: the earlier hash left out each process's ``product.name`` and ``conformity_assessment.module``, so a
    declaration made by an older footprint under a copy of the library rule with another module (e.g. "A
    (internal production control, no notified body)" for "D1 or G (notified body)") recorded exactly the
    library's earlier hash, and ``market add`` registered it, exit 0.  What the declaration itself records of
    those fields is compared with the library: ``conformity_assessment.module``, and each ``allocation``
    entry's ``main_product`` and ``products[].name`` (the product names of the processes with co-products).
    A product name the declaration does not record (a process without co-products) cannot be compared; for
    it the narrowest safe rule: a declaration whose rule file's bytes (``provenance.rule.sha256``) are not the
    library's must have been created (``provenance.created``) before EARLIER_HASH_UNTIL, when footprint still
    wrote the earlier hash.  ``created`` is the declarant's word (under its content hash and any signature),
    so this narrows, and does not prove, what an older footprint may still have written.
    """
    rule = library.rule
    assessment = document.get("conformity_assessment")
    stated = assessment.get("module") if isinstance(assessment, Mapping) else None
    if stated is not None and stated != rule.conformity_assessment.module:
        return (f"its conformity_assessment.module is {stated!r} where the library's rule {rule.id} "
                f"{rule.version} states {rule.conformity_assessment.module!r}")
    processes = {process.id: process for _stage, process in rule.processes()}
    allocations = document.get("allocation")
    for index, entry in enumerate(allocations if isinstance(allocations, list) else []):
        process = processes.get(entry.get("process")) if isinstance(entry, Mapping) else None
        if process is None:
            continue  # a process the library's rule does not have: the boundary checks name it
        main = entry.get("main_product")
        if main is not None and main != process.product.name:
            return (f"its allocation[{index}].main_product is {main!r} where the library's rule {rule.id} "
                    f"{rule.version} names process '{process.id}''s product {process.product.name!r}")
        named = {process.product.name, *process.co_products}
        products = entry.get("products")
        for product in products if isinstance(products, list) else []:
            name = product.get("name") if isinstance(product, Mapping) else product
            if name not in named:
                return (f"its allocation[{index}].products names {name!r}, which is no product of process "
                        f"'{process.id}' in the library's rule {rule.id} {rule.version} ({sorted(named)})")
    provenance = document.get("provenance")
    record = provenance.get("rule") if isinstance(provenance, Mapping) else None
    if isinstance(record, Mapping) and record.get("sha256") == library.sha256:
        return None  # the library's very file: its product names are the library's
    created = provenance.get("created") if isinstance(provenance, Mapping) else None
    try:
        moment = dt.datetime.fromisoformat(created.replace("Z", "+00:00")) if isinstance(created, str) else None
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    if moment is None or moment >= EARLIER_HASH_UNTIL:
        return (f"it was made under a rule file other than the library's (provenance.rule.sha256) and created "
                f"{created if isinstance(created, str) else '(not recorded)'}, not before "
                f"{EARLIER_HASH_UNTIL:%Y-%m-%dT%H:%M:%SZ}, when footprint began to hash product names and the "
                "module: the product names that hash left out cannot be compared")
    return None


#: what a record of the earlier content hash cannot tell (readers say it where the rule file's bytes differ too)
EARLIER_CONTENT_NOTE = ("its provenance.rule.content_sha256 is footprint's earlier hash of what the rule says, "
                        "which took each process's product.name and conformity_assessment.module for prose: it "
                        "agrees with the library's rule except perhaps there")


def _without_prose(value: Any, node: Any = None, pattern: str = "") -> Any:
    """``value`` (a dumped ``node``, the Rule by default) with every PROSE_FIELDS field left out, as
    _first_difference skips it."""
    node = Rule if node is None else node
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            below, below_pattern, is_field = field_step(node, pattern, key)
            if not (is_field and below_pattern in PROSE_FIELDS):
                kept[key] = _without_prose(item, below, below_pattern)
        return kept
    if isinstance(value, list):
        below, below_pattern, _is_field = field_step(node, pattern, 0)
        return [_without_prose(item, below, below_pattern) for item in value]
    return value


def _first_difference(a: Any, b: Any, path: str = "", node: Any = None, pattern: str = "") -> str | None:
    """The path of the first place two parsed rules (dumps of ``node``, the Rule by default) differ, prose
    (PROSE_FIELDS) aside (None: equal)."""
    node = Rule if node is None else node
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            below, below_pattern, is_field = field_step(node, pattern, key)
            if is_field and below_pattern in PROSE_FIELDS:
                continue
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else str(key), below,
                                      below_pattern)
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        below, below_pattern, _is_field = field_step(node, pattern, 0)
        for index, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{path}[{index}]", below, below_pattern)
            if found is not None:
                return found
        return None if len(a) == len(b) else f"{path}[{min(len(a), len(b))}]"
    return None if a == b else (path or "(the whole rule)")


def list_rules() -> list[LoadedRule]:
    return [load_rule(path) for path in sorted(rules_dir().glob("*.yaml"))]


def json_schema() -> dict:
    """The rule file's JSON Schema, generated from the model so code and schema cannot drift."""
    schema = Rule.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "footprint calculation rule"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
