"""Secondary datasets: readable files in ``inventories/`` → one Brightway database.

Each dataset is a YAML file naming its source, year, geography, confidence and
DQR beside its exchanges, so a reviewer can read exactly what a declaration
rests on.  The files are validated here (flows must exist in biosphere3, units
must convert, inputs must exist) before anything is written, and the whole
library is written in one ``Database.write`` so a bad file never leaves a
half-written background.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, Optional

from pydantic import (BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from footprint._io import load_yaml, load_yaml_bytes, pydantic_error, quiet_stdout, read_input_bytes
from footprint.errors import InventoryError, LinkingError, UnitError
from footprint.inputs import units
from footprint.inputs.categories import COVERAGE_IDS, HEADLINE_IDS
from footprint.inputs.dqr import DQR
from footprint.inputs.regions import DATASET_REGIONS
from footprint.paths import inventories_dirs

BACKGROUND_DB = "footprint-inventories"
BIOSPHERE_DB = "biosphere3"

#: stats_arrays uncertainty type ids, by the names dataset files use.
UNCERTAINTY_TYPES = {"lognormal": 2, "normal": 3, "uniform": 4, "triangular": 5}


class Uncertainty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["uniform", "triangular", "lognormal", "normal"]
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    scale: Optional[float] = None  # sigma of ln(x) for lognormal, sd for normal


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    citation: str
    url: Optional[str] = None
    licence: str = "unknown - check before redistribution"

    @field_validator("citation")
    @classmethod
    def _cited(cls, value: str) -> str:
        """Why: ``citation: ""`` was taken, so a dataset a declaration rested on named no source, exit 0."""
        if not value.strip():
            raise ValueError("the source is empty; expected the original source of the numbers (and where in the "
                             "project's notes it was taken from)")
        return value


class InventoryExchange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["biosphere", "technosphere"]
    name: Optional[str] = None
    categories: Optional[list[str]] = None
    dataset: Optional[str] = None
    amount: float
    unit: str
    uncertainty: Optional[Uncertainty] = None
    comment: Optional[str] = None

    @field_validator("amount")
    @classmethod
    def _finite_not_negative(cls, value: float) -> float:
        """An exchange is a finite amount >= 0 per reference unit, as activity data amounts are.

        Why: ``amount: -0.6849`` on a grid's 'Carbon dioxide, fossil' subtracted the emission (the
        ndpr-oxide example on a user's own CN-GZ grid: 40.15 instead of 46.56 kg CO2-Eq/kg, exit 0), and
        ``.nan`` or ``.inf`` passed the loader and made set-up end in a bw2data traceback (exit 1).
        An uptake is its own flow ('Carbon dioxide, in air', a resource, positive), never a negative emission.
        """
        if not math.isfinite(value):
            raise ValueError(f"amount is not a finite number ({value}); expected a number >= 0 per reference unit")
        if value < 0:
            raise ValueError(f"amount is negative ({value}); expected a number >= 0 per reference unit (an uptake "
                             "is its own flow, e.g. 'Carbon dioxide, in air' from natural resource, with a "
                             "positive amount; a negative emission or input would subtract it)")
        return value

    @field_validator("uncertainty")
    @classmethod
    def _distribution_fits(cls, u: Optional[Uncertainty], info: ValidationInfo) -> Optional[Uncertainty]:
        """The stated distribution is checked as a producer's is (footprint.inputs.distribution), in the file's numbers.

        Why: the file's ``uncertainty`` was first looked at by the Monte Carlo, so ``{type: lognormal}``
        or ``{type: normal}`` without ``scale`` was sampled as certain, ``minimum: 0.9, maximum: 0.5`` was
        swapped, a uniform without ``minimum`` ended in a KeyError, all with the file's owner told nothing;
        and the range was checked against the amount as Brightway stores it (float32), so a triangular
        whose minimum is the amount (0.6849) was refused as "outside its range".
        """
        if u is None or "amount" not in info.data:  # an amount refused already is named by its own check
            return u
        from footprint.inputs.distribution import Distribution

        try:
            stated = Distribution(type=u.type, scale=u.scale, minimum=u.minimum, maximum=u.maximum)
            stated.relative(info.data["amount"])
        except ValidationError as exc:
            raise ValueError("; ".join(str(e.get("msg", "")).removeprefix("Value error, ")
                                       for e in exc.errors())) from None
        return u


#: A gap stated for resource use, minerals and metals holds for the crustal scarcity indicator too: both
#: characterise the same flows (metals and minerals in ground), so a dataset missing them misses both.
GAP_ALIASES = {"crustal_scarcity": "resource_use_minerals_metals"}
SCOPES = ("direct", "life-cycle")


class Gap(BaseModel):
    """Flows a dataset is known to miss for some categories, and why no open figure fills them."""

    model_config = ConfigDict(extra="forbid")
    categories: list[str]
    flows: str  # which elementary flows are missing (names or a group: "radionuclides of nuclear power")
    reason: str  # why no open figure exists (what was searched)

    @field_validator("categories")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in COVERAGE_IDS]
        if unknown or not value:
            raise ValueError(f"unknown impact categories {unknown}; expected ids from {list(COVERAGE_IDS)}")
        return value

    def applies_to(self, category: str) -> bool:
        return category in self.categories or GAP_ALIASES.get(category) in self.categories


class ScopeUpstream(BaseModel):
    """What a direct-combustion grid dataset lacks for life-cycle scope, as one linked dataset per kWh."""

    model_config = ConfigDict(extra="forbid")
    dataset: str  # the upstream chain (e.g. fuel/coal-upstream), linked per kWh with ``amount``
    amount: float = Field(gt=0, allow_inf_nan=False)
    unit: str
    source: str  # the arithmetic and its source (what the factor is, where it comes from)


class LumpedCO2e(BaseModel):
    """The dataset's one 'Carbon dioxide, fossil' flow carries a CO2-equivalent from its source."""

    model_config = ConfigDict(extra="forbid")
    gwp_basis: str  # e.g. "IPCC AR5 GWP100 (DEFRA 2024)"
    note: str = ""


class Dataset(BaseModel):
    """One secondary LCI dataset, per one reference unit of its output."""

    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    kind: Literal["electricity", "fuel", "chemical", "transport", "material", "process", "heat", "waste"]
    unit: str
    geography: str
    year: Optional[int] = None
    technology: str = ""
    source: Source
    confidence: Literal["V", "L", "L?", "D", "J"]
    screening: bool = False
    dqr: DQR
    scope: Optional[Literal["direct", "life-cycle"]] = None  # electricity: what the grid factor counts
    upstream: Optional[ScopeUpstream] = None  # direct scope only: the chain that makes it life-cycle
    lumped_co2e: Optional[LumpedCO2e] = None
    gaps: list[Gap] = Field(default_factory=list)
    notes: str = ""
    exchanges: list[InventoryExchange]
    #: The categories this dataset (with every dataset it draws on) characterises completely: computed by
    #: load_catalogue from the flows and the method's factors, never written in the file.
    coverage: list[str] = Field(default_factory=list, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _coverage_is_computed(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and "coverage" in raw:
            raise ValueError("'coverage' is computed from the flows and the method's factors; remove it and "
                             "name known missing flows under 'gaps' (categories, flows, reason)")
        return raw

    @model_validator(mode="after")
    def _scope(self) -> "Dataset":
        if self.kind == "electricity" and self.scope is None:
            raise ValueError("an electricity dataset states its scope: 'direct' (combustion at the power plant "
                             "only) or 'life-cycle' (with the fuel chain upstream)")
        if self.upstream is not None and self.scope != "direct":
            raise ValueError("'upstream' completes a direct-scope dataset to life-cycle; scope must be 'direct'")
        return self

    @property
    def uncovered(self) -> list[str]:
        """The EF 3.1 categories this dataset's flows do not feed (declarations report them as partial)."""
        return [category for category in HEADLINE_IDS if category not in self.coverage]

    def gaps_for(self, category: str) -> list[Gap]:
        return [gap for gap in self.gaps if gap.applies_to(category)]


@dataclass
class Catalogue:
    """All datasets, where they came from, and one hash over the library."""

    datasets: dict[str, Dataset]
    files: dict[str, Path]
    sha256: str
    roots: list[Path] = field(default_factory=list)
    #: code -> category -> "complete" | "partial" | "none" (see compute_coverage)
    status: dict[str, dict[str, str]] = field(default_factory=dict)
    #: code -> categories its flows (or those of the datasets it draws on) have a factor in, gaps or not
    characterises: dict[str, set[str]] = field(default_factory=dict)

    def inputs_of(self, code: str) -> list[str]:
        """Datasets this one draws on, including the upstream chain a direct-scope grid implies."""
        found = []
        for exchange in self.datasets[code].exchanges:
            if exchange.type == "technosphere" and exchange.amount:
                found.append(exchange.dataset)
                upstream = self.datasets[exchange.dataset].upstream
                if upstream is not None:
                    found.append(upstream.dataset)
        return found

    def drawn_on(self, codes) -> set[str]:
        """``codes`` plus every dataset they draw on through non-zero exchanges, with the upstream
        chain a direct-scope grid implies (``inputs_of``): coverage and data quality must hold
        along exactly this chain.  (``closure`` is the wider set a declaration's hashes cover.)"""
        seen: set[str] = set()
        stack = list(codes)
        while stack:
            code = stack.pop()
            if code in seen or code not in self.datasets:
                continue
            seen.add(code)
            stack.extend(self.inputs_of(code))
        return seen

    def coverage_of(self, code: str, category: str) -> "CoverageEntry":
        """Why a dataset is complete, partial or silent for one category (for reports and the CLI)."""
        return coverage_entry(self, code, category)

    def closure(self, codes) -> list[str]:
        """``codes`` (those of this library) and every dataset they draw on, transitively, sorted.

        A declaration's numbers depend on exactly these datasets: changing another one
        cannot change them, changing one of these can.  The links are those the built background
        has (``to_brightway``): each technosphere exchange, and the upstream chain a direct-scope
        supplier carries with it.  Without the chain, a dataset drawing on ``electricity/CN`` rested on
        ``fuel/coal-upstream`` but did not record its hash: an edit there that moved no declared number
        passed verify, and a user's own copy of it was not named in ``provenance.inventories.own``.
        """
        seen: set[str] = set()
        todo = [c for c in codes if c in self.datasets]
        while todo:
            code = todo.pop()
            if code in seen:
                continue
            seen.add(code)
            for exchange in self.datasets[code].exchanges:
                supplier = self.datasets.get(exchange.dataset) if exchange.type == "technosphere" else None
                if supplier is not None:
                    todo.append(supplier.code)
                    if supplier.upstream is not None and supplier.upstream.dataset in self.datasets:
                        todo.append(supplier.upstream.dataset)
        return sorted(seen)

    def origin(self, code: str) -> Path | None:
        """The file a user edits for ``code``: for a snapshot's copy (``inventories/1/...``) the one under
        ``inventories/`` or ``FOOTPRINT_HOME/inventories`` it was copied from, so that a refusal names it."""
        path = self.files.get(code)
        if path is None:
            return None
        sources = inventories_dirs()
        for root in self.roots:
            if root.name.isdigit() and root.parent.name == "inventories" and path.is_relative_to(root) \
                    and int(root.name) < len(sources):
                return sources[int(root.name)] / path.relative_to(root)
        return path

    def get(self, code: str, *, file: str | Path | None = None, field: str | None = None) -> Dataset:
        try:
            return self.datasets[code]
        except KeyError:
            close = _closest(code, self.datasets)
            raise LinkingError("unknown dataset", file=file, field=field, value=code,
                               expected="a dataset code from inventories/" + (f" (did you mean {close}?)" if close else
                                                                                "; see 'footprint inventories list'")) from None


def _closest(word: str, candidates) -> str:
    import difflib

    hits = difflib.get_close_matches(str(word), list(candidates), n=3, cutoff=0.5)
    return ", ".join(repr(h) for h in hits)


def dataset_sha256(dataset: Dataset) -> str:
    """Content hash of one dataset as read (its values, not its file's comments or layout)."""
    import json

    text = json.dumps(dataset.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _library_files(roots: list[Path]) -> list[tuple[Path, Path]]:
    """Every dataset file under ``roots``; the user's own (FOOTPRINT_HOME/inventories) only if others may not write them.

    Why: a set-up copies the user's datasets into the background, so one another user may write (created
    under ``umask 000``) let them decide this user's numbers, as a snapshot they may write did
    (footprint.data.snapshot.refuse_written_by_others: refused naming the file and the fix).
    """
    from footprint.paths import home

    found = []
    for root in roots:
        files = sorted(root.rglob("*.yaml"))
        if root == home() / "inventories":
            from footprint.data.snapshot import refuse_written_by_others

            refuse_written_by_others([root, *sorted(root.rglob("*"))])
        found += [(root, path) for path in files]
    return found


def library_sha256(roots: list[Path]) -> str:
    """The hash ``load_catalogue`` gives the library, from the bytes alone (no parsing: cheap per declaration).

    Computed once while no file changed (footprint.data.warm.fingerprint: size, times and
    inode of each; the list of files kept while no folder changed): every declaration asks
    whether the library changed since set-up, and re-hashing or re-listing ~70 files each time
    was the largest part of that question.
    """
    from footprint.data import warm

    stray = warm.files_under(roots, ".yml")  # the same cached walk: a folder changed, or nothing to list
    if stray:  # rglob("*.yaml") passes it by: the facility's grid was the fallback, its file never read
        raise InventoryError("a dataset file ending in .yml is never read", file=stray[0],
                             expected=f"the file named {Path(stray[0]).stem}.yaml (dataset files end in .yaml)")
    paths = warm.files_under(roots, ".yaml")  # walked again only when a folder changed
    return warm.by_files(("library-sha256", tuple(map(str, roots))), warm.fingerprint(paths),
                         lambda: _library_sha256(roots))


def _library_sha256(roots: list[Path]) -> str:
    """The library's bytes hashed, each file read as an input is (a regular file, size-limited).

    Why not ``read_bytes``: a FIFO named ``electricity/CN-GZ.yaml`` under FOOTPRINT_HOME/inventories made
    every ``declare`` (which asks this before anything else) wait for ever for a writer, and a directory or
    dangling link named ``*.yaml`` ended in a traceback; each is now an InventoryError naming the file.
    """
    digest = hashlib.sha256()
    for root, path in _library_files(roots):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(read_input_bytes(path, InventoryError, expected="a YAML dataset file"))
    return digest.hexdigest()


#: Geographies a dataset may state beside ISO 3166 codes: footprint.inputs.regions.DATASET_REGIONS (GLO, RoW,
#: EU-27, RER, 'Europe without Switzerland'), the one table quality.geography_score scores them by.


def geography_problem(geography: str) -> str | None:
    """Why a dataset's ``geography`` names no place the engine can score (None when it names one).

    Why: any string was taken (``geography: Mars``, ``cn``, ``Inner Mongolia``): the dataset was listed and
    used with it, and its GeR re-scored against a place that does not exist, exit 0.
    """
    from footprint.inputs import geography as iso

    if geography in DATASET_REGIONS:
        return None
    country = geography.split("-")[0]
    if "-" in geography and iso.country_problem(country) is None:
        return iso.region_problem(geography, country)
    return iso.country_problem(geography)


def fact_problem(dataset: Dataset) -> tuple[str, str, Any, str] | None:
    """Where a dataset's year or screening flag disagrees with what it describes (field, message, value, expected).

    Why: quality scoring reads them.  ``year: 3000`` made the dataset's TiR re-scored in context 1 (the best)
    for any period, and ``year: -5`` was taken as stated; ``confidence: "L?"`` (an order of magnitude only)
    with ``screening: false`` and ``P: 1`` claimed a verified figure, exit 0.  The library's own rules
    (inventories/README.md, "Confidence tags" and "DQR"): every L? dataset is screening data, and screening
    data have a precision score P >= 4.
    """
    from footprint._time import utc_today

    this_year = utc_today().year  # the one clock (footprint._time), as every other date judgement
    if dataset.year is not None and not 1900 <= dataset.year <= this_year:
        return ("year", "no reference year of data", dataset.year,
                f"a year from 1900 to {this_year}, or null when the source gives none")
    if dataset.confidence == "L?" and not dataset.screening:
        return ("screening", "confidence 'L?' (an order of magnitude only) is screening data", dataset.screening,
                "'screening: true'")
    if dataset.screening and dataset.dqr.P < 4:
        return ("dqr.P", "a screening dataset (an order of magnitude) has a poor precision score", dataset.dqr.P,
                "P >= 4")
    return None


def load_dataset(path: Path, root: Path) -> Dataset:
    return _dataset(load_yaml(path, InventoryError), path, root)


def _dataset(raw: Any, path: Path, root: Path) -> Dataset:
    """A dataset file's parsed content checked (``path`` and ``root`` for its code and the messages)."""
    if not isinstance(raw, dict):
        raise InventoryError("a dataset file must be a mapping", file=path, expected="keys code, name, unit, ...")
    try:
        dataset = Dataset.model_validate(raw)
    except ValidationError as exc:
        raise pydantic_error(exc, path, InventoryError) from None
    expected_code = path.relative_to(root).with_suffix("").as_posix()
    if dataset.code != expected_code:
        raise InventoryError("code does not match the file path", file=path, field="code", value=dataset.code,
                             expected=f"'{expected_code}'")
    folder = expected_code.split("/")[0]
    if dataset.kind != folder:  # a grid's scope, its fuel chain and mapping checks go by kind
        raise InventoryError("kind does not match the folder", file=path, field="kind", value=dataset.kind,
                             expected=f"'{folder}' (the folder {folder}/ the file is in: a dataset found as "
                                      f"{expected_code} is used as one; move the file if it is of another kind)")
    fact = fact_problem(dataset)
    if fact is not None:
        field, message, value, expected = fact
        raise InventoryError(message, file=path, field=field, value=value, expected=expected)
    problem = geography_problem(dataset.geography)
    if problem is not None:
        raise InventoryError(f"unknown geography: {problem}", file=path, field="geography", value=dataset.geography,
                             expected="an ISO 3166-1 alpha-2 code (CN), an ISO 3166-2 code (CN-NM) or one of "
                                      + ", ".join(DATASET_REGIONS))
    units.check_unit(dataset.unit, file=path, field="unit")
    if dataset.kind == "electricity" and not units.convertible(dataset.unit, "kWh"):
        # else a grid per kg was refused at the producer's meter reading ('MWh' cannot be converted to 'kg'),
        # which blamed the activity data for a mistake in this file
        raise InventoryError("an electricity dataset is per unit of energy", file=path, field="unit",
                             value=dataset.unit, expected="an energy unit such as 'kWh' or 'MWh'")
    for index, exchange in enumerate(dataset.exchanges):
        where = f"exchanges[{index}]"
        units.check_unit(exchange.unit, file=path, field=f"{where}.unit")
        if exchange.type == "biosphere" and (not exchange.name or not exchange.categories):
            raise InventoryError("a biosphere exchange needs 'name' and 'categories'", file=path, field=where)
        if exchange.type == "technosphere" and not exchange.dataset:
            raise InventoryError("a technosphere exchange needs 'dataset'", file=path, field=where)
    return dataset


def load_catalogue(roots: list[Path] | None = None) -> Catalogue:
    """Read and check every dataset file; later roots may not redefine a code."""
    roots = roots if roots is not None else inventories_dirs()
    datasets: dict[str, Dataset] = {}
    files: dict[str, Path] = {}
    digest = hashlib.sha256()
    for root, path in _library_files(roots):
        raw, data = load_yaml_bytes(path, InventoryError)  # hashed below: the bytes parsed, not a second read
        dataset = _dataset(raw, path, root)
        if dataset.code in datasets:
            raise InventoryError("dataset code defined twice", file=path, field="code", value=dataset.code,
                                 expected=f"a code not already used by {files[dataset.code]}")
        datasets[dataset.code] = dataset
        files[dataset.code] = path
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(data)
    for code, dataset in datasets.items():
        for index, exchange in enumerate(dataset.exchanges):
            if exchange.type == "technosphere" and exchange.dataset not in datasets:
                raise LinkingError("unknown input dataset", file=files[code], field=f"exchanges[{index}].dataset",
                                   value=exchange.dataset, expected="a dataset code from inventories/")
        if dataset.upstream is not None:
            if dataset.upstream.dataset not in datasets:
                raise LinkingError("unknown upstream dataset", file=files[code], field="upstream.dataset",
                                   value=dataset.upstream.dataset, expected="a dataset code from inventories/")
            units.convert(1.0, dataset.upstream.unit, datasets[dataset.upstream.dataset].unit, file=files[code],
                          field="upstream.unit")
    catalogue = Catalogue(datasets=datasets, files=files, sha256=digest.hexdigest(), roots=list(roots))
    from footprint.data.methods import characterised_flows

    characterised = characterised_flows()
    for code, dataset in datasets.items():
        _check_lumped(dataset, files[code], characterised)
    compute_coverage(catalogue, characterised)
    return catalogue


# ----------------------------------------------------------------------------- coverage


def _check_lumped(dataset: Dataset, path: Path, characterised: dict) -> None:
    """A lumped CO2e already holds every greenhouse gas: a second GHG flow would count it twice."""
    if dataset.lumped_co2e is None:
        return
    ghg = [(index, e) for index, e in enumerate(dataset.exchanges) if e.type == "biosphere"
           and "climate_change" in characterised.get((e.name, tuple(e.categories or ())), ())]
    lumped = [(i, e) for i, e in ghg if e.name == "Carbon dioxide, fossil"]
    others = [(i, e) for i, e in ghg if e.name != "Carbon dioxide, fossil"]
    if len(lumped) != 1 or others:
        index, exchange = (others or ghg or [(0, dataset.exchanges[0])])[0]
        raise InventoryError("a lumped CO2e dataset carries exactly one greenhouse-gas flow", file=path,
                             field=f"exchanges[{index}].name", value=exchange.name,
                             expected="the CO2e figure as one 'Carbon dioxide, fossil' [air] flow and no CH4, N2O "
                                      "or other GHG (they are inside the CO2e already; adding them counts them twice)")


def own_categories(dataset: Dataset, characterised: dict) -> set[str]:
    """Categories that the dataset's own biosphere flows have a factor in."""
    found: set[str] = set()
    for exchange in dataset.exchanges:
        if exchange.type == "biosphere" and exchange.amount:
            found |= characterised.get((exchange.name, tuple(exchange.categories or ())), frozenset())
    return found


def compute_coverage(catalogue: Catalogue, characterised: dict) -> None:
    """Fill each dataset's ``coverage`` and the catalogue's ``status`` from flows, links and stated gaps.

    complete: the dataset or a dataset it draws on carries a flow the category characterises, it states
    no gap for the category, and every dataset it draws on is complete too.  partial: something
    characterises it, or a gap is stated, but not everything is complete.  none: nothing, silently.
    """
    datasets = catalogue.datasets
    own = {code: own_categories(d, characterised) for code, d in datasets.items()}
    inputs = {code: catalogue.inputs_of(code) for code in datasets}
    memo: dict[str, dict[str, str]] = {}

    def status(code: str, trail: tuple[str, ...] = ()) -> dict[str, str]:
        if code in memo:
            return memo[code]
        if code in trail:  # a loop: judge it on its own flows
            return {c: ("complete" if c in own[code] else "none") for c in COVERAGE_IDS}
        below = [status(i, trail + (code,)) for i in inputs[code]]
        result = {}
        found = set(own[code]).union(*(catalogue.characterises.get(i, set()) for i in inputs[code]))
        catalogue.characterises[code] = found
        for category in COVERAGE_IDS:
            characterises = category in found
            gap = bool(datasets[code].gaps_for(category))
            if characterises and not gap and all(b[category] == "complete" for b in below):
                result[category] = "complete"
            elif characterises or gap or any(b[category] != "none" for b in below):  # explained here or below
                result[category] = "partial"
            else:
                result[category] = "none"
        memo[code] = result
        return result

    for code, dataset in datasets.items():
        catalogue.status[code] = status(code)
        dataset.coverage = [c for c in COVERAGE_IDS if catalogue.status[code][c] == "complete"]


@dataclass
class CoverageEntry:
    """One dataset's coverage of one category, with the evidence."""

    code: str
    category: str
    status: str  # complete | partial | none
    flows: list[str]  # own flows characterised in the category
    gaps: list[Gap]  # stated missing flows (this dataset)
    incomplete_inputs: list[str]  # datasets it draws on that are not complete for the category

    def explanation(self) -> str:
        parts = []
        if self.flows:
            parts.append("flows: " + ", ".join(self.flows))
        for gap in self.gaps:
            parts.append(f"missing {gap.flows} ({gap.reason})")
        if self.incomplete_inputs:
            parts.append("inputs not complete: " + ", ".join(self.incomplete_inputs))
        if self.status == "none" and not self.gaps:
            parts.append("carries no flow this category characterises, and states no reason")
        return "; ".join(parts)


def coverage_entry(catalogue: Catalogue, code: str, category: str) -> CoverageEntry:
    from footprint.data.methods import characterised_flows

    characterised = characterised_flows()
    dataset = catalogue.datasets[code]
    flows = sorted({f"{e.name} ({'::'.join(e.categories or [])})" for e in dataset.exchanges
                    if e.type == "biosphere" and e.amount
                    and category in characterised.get((e.name, tuple(e.categories or ())), ())})
    inputs = sorted({i for i in catalogue.inputs_of(code) if catalogue.status[i][category] != "complete"})
    return CoverageEntry(code=code, category=category, status=catalogue.status[code][category], flows=flows,
                         gaps=dataset.gaps_for(category), incomplete_inputs=inputs)


# ----------------------------------------------------------------------------- biosphere index


BIOSPHERE_INDEX_FILE = "footprint-biosphere-index.json"


def biosphere_index(bd: ModuleType) -> dict[tuple[str, tuple[str, ...]], tuple[str, str]]:
    """(name, categories) → (code, unit) for every biosphere3 flow.

    Reading 4,709 pickled rows takes 0.25 s per declaration, so set-up keeps the index as
    JSON in the snapshot's project directory (and deletes it whenever it rewrites biosphere3);
    a project opened read-only computes it without storing it.
    """
    import json

    cache = Path(bd.projects.dir) / BIOSPHERE_INDEX_FILE
    if cache.exists():
        try:
            rows = json.loads(cache.read_text())
            return {(name, tuple(categories)): (code, unit) for name, categories, code, unit in rows}
        except (OSError, ValueError):
            pass
    from bw2data.backends import ActivityDataset as AD

    query = AD.select(AD.name, AD.code, AD.data).where(AD.database == BIOSPHERE_DB)
    index = {(row.name, tuple(row.data.get("categories") or ())): (row.code, row.data.get("unit", ""))
             for row in query}
    if index and not bd.projects.read_only:
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps([[name, list(cats), code, unit] for (name, cats), (code, unit) in index.items()]))
        tmp.replace(cache)
    return index


def resolve_flow(index: dict, name: str, categories: list[str] | tuple[str, ...], *, file: str | Path | None,
                 field: str | None) -> tuple[str, str]:
    """Find a biosphere3 flow or raise a LinkingError with the nearest spellings."""
    key = (name, tuple(categories))
    if key in index:
        return index[key]
    same_name = sorted({"::".join(k[1]) for k in index if k[0] == name})
    if same_name:
        expected = f"one of the compartments of '{name}': " + ", ".join(same_name[:8])
    else:
        close = _closest(name, {k[0] for k in index})
        expected = "a biosphere3 (ecoinvent 3.9) flow name" + (f"; did you mean {close}?" if close else "")
    raise LinkingError("unknown elementary flow", file=file, field=field,
                       value=f"{name} ({'::'.join(categories)})", expected=expected)


# ----------------------------------------------------------------------------- writing


def brightway_unit(unit: str) -> str:
    """The Brightway unit name for a pint unit string ("kWh" → "kilowatt hour")."""
    for bw_name, expression in units.BRIGHTWAY_UNITS.items():
        if bw_name == "ton":
            continue
        try:
            if abs(units.convert(1.0, unit, expression) - 1.0) < 1e-12:  # converts only within one dimension
                return bw_name
        except UnitError:  # another dimension: try the next name
            continue
    return unit


def _uncertainty_fields(exchange: InventoryExchange, factor: float, amount: float) -> dict[str, Any]:
    if exchange.uncertainty is None:
        return {}
    u = exchange.uncertainty
    fields: dict[str, Any] = {"uncertainty type": UNCERTAINTY_TYPES[u.type]}
    if u.minimum is not None:
        fields["minimum"] = u.minimum * factor
    if u.maximum is not None:
        fields["maximum"] = u.maximum * factor
    if u.type == "triangular":
        fields["loc"] = amount
    if u.type == "lognormal":
        import math

        fields["loc"] = math.log(amount) if amount > 0 else 0.0
        fields["scale"] = u.scale
    if u.type == "normal":
        fields["loc"] = amount
        fields["scale"] = (u.scale or 0.0) * factor
    return fields


def _upstream_exchange(catalogue: Catalogue, grid: Dataset, amount: float, name: str) -> dict[str, Any]:
    """A cradle-to-gate dataset drawing on a direct-scope grid draws on the grid's stated fuel chain too."""
    upstream = catalogue.datasets[grid.upstream.dataset]
    per_unit = units.convert(grid.upstream.amount, grid.upstream.unit, upstream.unit)
    return {"input": (name, upstream.code), "amount": amount * per_unit, "type": "technosphere"}


def to_brightway(catalogue: Catalogue, flows: dict, name: str = BACKGROUND_DB) -> dict[tuple[str, str], dict]:
    """The Brightway database dict for the catalogue, amounts converted to the target units."""
    data: dict[tuple[str, str], dict] = {}
    for code, dataset in catalogue.datasets.items():
        path = catalogue.files[code]
        bw_unit = brightway_unit(dataset.unit)
        exchanges = [{"input": (name, code), "amount": 1.0, "type": "production", "unit": bw_unit}]
        for index, exchange in enumerate(dataset.exchanges):
            where = f"exchanges[{index}]"
            if exchange.type == "biosphere":
                flow_code, flow_unit = resolve_flow(flows, exchange.name, exchange.categories, file=path,
                                                    field=f"{where}.name")
                factor = units.convert(1.0, exchange.unit, units.pint_expression(flow_unit), file=path,
                                       field=f"{where}.unit")
                target = (BIOSPHERE_DB, flow_code)
            else:
                supplier = catalogue.datasets[exchange.dataset]
                factor = units.convert(1.0, exchange.unit, supplier.unit, file=path, field=f"{where}.unit")
                target = (name, supplier.code)
            amount = exchange.amount * factor
            exchanges.append({"input": target, "amount": amount, "type": exchange.type,
                              **_uncertainty_fields(exchange, factor, amount)})
            if exchange.type == "technosphere" and supplier.upstream is not None:
                exchanges.append(_upstream_exchange(catalogue, supplier, amount, name))
        data[(name, code)] = {
            "name": dataset.name,
            "reference product": dataset.name,
            "unit": bw_unit,
            "location": dataset.geography,
            "type": "process",
            "exchanges": exchanges,
            "footprint": {"kind": dataset.kind, "year": dataset.year, "confidence": dataset.confidence,
                          "screening": dataset.screening, "dqr": dataset.dqr.model_dump(),
                          "coverage": dataset.coverage, "source": dataset.source.model_dump()},
        }
    return data


def _on_loops(data: dict[tuple[str, str], dict], name: str) -> list[str]:
    """The datasets that draw on themselves, directly or through others (sorted codes)."""
    links = {key[1]: {e["input"][1] for e in activity["exchanges"] if e["type"] == "technosphere"
                      and e["input"][0] == name and e["amount"]} for key, activity in data.items()}
    found = []
    for code in links:
        seen: set[str] = set()
        todo = list(links[code])
        while todo:
            other = todo.pop()
            if other == code:
                found.append(code)
                break
            if other not in seen:
                seen.add(other)
                todo.extend(links.get(other, ()))
    return sorted(found)


def refuse_unproductive_loops(catalogue: Catalogue, data: dict[tuple[str, str], dict], name: str) -> None:
    """Refuse datasets that draw on themselves (directly or through others) at least once per unit they make.

    Why: an own grid drawing 2 kWh of itself per kWh (or 1.0: ``Factor is exactly singular``) cannot be
    supplied by any positive amount; Brightway solved the first to a negative supply, so the ndpr-oxide
    example on it declared 39.00 instead of 46.56 kg CO2-Eq/kg, exit 0.  A loop drawing less than one
    unit per unit (a grid's own losses) is a real system and stays: with every amount >= 0, the
    background can be supplied exactly when the loop matrix's spectral radius is below 1.
    """
    looped = _on_loops(data, name)
    if not looped:
        return
    import numpy as np

    index = {code: i for i, code in enumerate(looped)}
    matrix = np.zeros((len(looped), len(looped)))
    for code in looped:
        for exchange in data[(name, code)]["exchanges"]:
            target = exchange["input"]
            if exchange["type"] == "technosphere" and target[0] == name and target[1] in index:
                matrix[index[target[1]], index[code]] += exchange["amount"]
    radius = float(max(abs(np.linalg.eigvals(matrix))))
    if radius >= 1 - 1e-9:
        first = looped[0]
        raise InventoryError(
            "datasets draw on themselves at least once per unit they make, directly or through each other ("
            + ", ".join(looped) + f"; loop gain {radius:.4g}): no positive supply makes them",
            file=catalogue.origin(first), field="exchanges",
            expected="technosphere inputs that draw less than one unit of a dataset per unit of itself, summed "
                     "along every loop (a grid's own losses are a few percent)")


def write_background(catalogue: Catalogue, bd: ModuleType, name: str = BACKGROUND_DB) -> int:
    """Validate everything first, then replace the background database in one write."""
    flows = biosphere_index(bd)
    data = to_brightway(catalogue, flows, name)
    refuse_unproductive_loops(catalogue, data, name)
    import warnings

    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        database = bd.Database(name)
        if name not in bd.databases:
            database.register(description="footprint open secondary datasets (inventories/)")
        database.write(data, searchable=False)
    return len(data)


def rule_dataset_problems(rule, catalogue: Catalogue, *, fallbacks: bool = True) -> list[tuple[str, str, Any, str]]:
    """Every default dataset a rule names exists in inventories/ (field, message, value, expected).

    'footprint rules validate' lists them all; a declaration refuses the first missing one, so that it
    never accepts a dataset code validate refuses (a typo in an input kind this producer does not use).
    """
    problems = []
    for kind, spec in rule.input_kinds.items():
        templates = [("dataset", spec.dataset)] + [(f"fallback[{i}]", t) for i, t in enumerate(spec.fallback)]
        for where, template in templates:
            if "{" in template:
                continue  # expands per declarant; a concrete fallback must exist (checked below)
            if template not in catalogue.datasets:
                problems.append((f"input_kinds.{kind}.{where}", "default dataset does not exist", template,
                                 "a dataset code from inventories/"))
        default = next((catalogue.datasets[t] for _w, t in templates if t in catalogue.datasets), None)
        for i, code in enumerate(spec.alternatives):
            other = catalogue.datasets.get(code)
            if other is None:
                problems.append((f"input_kinds.{kind}.alternatives[{i}]", "alternative dataset does not exist", code,
                                 "a dataset code from inventories/"))
            elif default is not None and other.kind != default.kind:
                problems.append((f"input_kinds.{kind}.alternatives[{i}]", "alternative dataset is of another kind",
                                 code, f"a '{default.kind}' dataset like {default.code}"))
        if fallbacks and all("{" in t for _w, t in templates):  # authoring advice: a declarant whose region
            # has no dataset is refused when declaring anyway, so declare (fallbacks=False) does not ask it
            problems.append((f"input_kinds.{kind}", "no concrete fallback dataset", None,
                             "a fallback without {region}/{country}, used when no regional dataset exists"))
    virgin = getattr(rule.recycled_content, "virgin", None)
    if virgin is not None and getattr(virgin, "dataset", None) and virgin.dataset not in catalogue.datasets:
        problems.append(("recycled_content.virgin.dataset", "virgin-material dataset does not exist", virgin.dataset,
                         "a dataset code from inventories/"))
    for s_index, stage in enumerate(rule.stages):
        for p_index, process in enumerate(stage.processes):
            if process.default_dataset and process.default_dataset not in catalogue.datasets:
                problems.append((f"stages[{s_index}].processes[{p_index}].default_dataset",
                                 f"default dataset of process '{process.id}' does not exist",
                                 process.default_dataset, "a dataset code from inventories/"))
    return problems
