"""Company-specific activity data: totals for one facility and reporting period.

Producers report what their meters, invoices and stack measurements say for
the period (t of ore, MWh, t of acid, t of SO2); the engine scales to the
declared unit.  Every amount carries its unit, its source and its DQR scores,
so the declaration can say how good each number is.  This module reads and
checks the file on its own terms; checks against a rule live in system.py.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Literal, Optional

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from footprint._io import load_yaml_hashed, pydantic_error, pydantic_message
from footprint.errors import ActivityDataError, FootprintError
from footprint.inputs import geography, units
from footprint.inputs.distribution import Distribution, relative_or_error
from footprint.inputs.dqr import DQR
from footprint.inputs.extraction import Number, OreAssay


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Amount(_Strict):
    """An amount with its unit, provenance and quality (DQR falls back to the process default)."""

    amount: Any
    unit: Any
    source: str = ""
    dqr: Optional[DQR] = None
    data_type: Literal["primary", "secondary"] = "primary"
    comment: str = ""
    uncertainty: Optional[Distribution] = None  # else derived from the DQR scores (README 'Uncertainty')


class Input(Amount):
    """A consumed input: from an upstream process of the rule, or of a kind the rule maps to a dataset."""

    kind: Optional[str] = None
    from_: Optional[str] = Field(default=None, alias="from")
    dataset: Optional[str] = None
    declaration: Optional[str] = None  # a supplier's declaration JSON (path relative to this file) for 'kind'

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one_target(self) -> "Input":
        if (self.kind is None) == (self.from_ is None):
            raise ValueError("an input names exactly one of 'kind' (a purchased input) or 'from' (an upstream "
                             "process of the rule)")
        if self.declaration is not None and (self.kind is None or self.dataset is not None):
            raise ValueError("'declaration' (a supplier's declaration JSON) goes with 'kind' and replaces its "
                             "dataset; do not give 'from' or 'dataset' with it")
        if self.from_ is not None and self.dataset is not None:  # the dataset was ignored, exit 0
            raise ValueError("'dataset' goes with 'kind' (a purchased input); an input 'from' an upstream process "
                             "of the rule is that process's product: do not give 'dataset' with 'from'")
        return self


class Emission(Amount):
    """A direct emission to air, water or soil, named as in biosphere3.

    ``compartment`` is required: it defaulted to air, so a release to water written without one
    (phosphate, radium-226, ammonium) was declared as a release to air, where it has another factor or
    none (freshwater eutrophication or ionising radiation too low), exit 0.
    """

    flow: str
    compartment: str

    @field_validator("compartment")
    @classmethod
    def _compartment_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a blank compartment: name where the flow goes (air, water, soil, e.g. "
                             "'water::surface water')")
        return value


#: Why a reference flow's own DQR or data type is refused: no score of the declaration reads it.
_NOT_SCORED = ("is read nowhere: the DQR scores and the primary-data share are those of inputs, transport and "
               "emissions (a process's default DQR goes on the process, beside 'output')")


def _unscored(amount: "Amount", what: str) -> None:
    """Refuse 'dqr' or 'data_type' on an amount they qualify nothing of (they were dropped with exit 0)."""
    given = sorted({"dqr", "data_type"} & amount.model_fields_set)
    if given:
        raise ValueError(f"a {what}'s '{given[0]}' {_NOT_SCORED}")


class CoProduct(Amount):
    name: str
    share: Optional[Number] = None  # only for allocation method 'specified'

    @model_validator(mode="after")
    def _scored_nowhere(self) -> "CoProduct":
        _unscored(self, "co-product")
        return self


class Transport(_Strict):
    """Freight in vehicles not owned: either t*km directly, or mass and distance."""

    kind: str
    amount: Any = None
    unit: Any = None
    mass: Optional[Amount] = None
    distance: Optional[Amount] = None
    source: str = ""
    dqr: Optional[DQR] = None
    data_type: Literal["primary", "secondary"] = "primary"
    comment: str = ""
    uncertainty: Optional[Distribution] = None  # of the leg's t*km (mass x distance: lognormal only)

    @model_validator(mode="after")
    def _one_measure(self) -> "Transport":
        # both given: the t*km 'amount' was used and mass x distance ignored, exit 0, whichever was right
        if self.amount is not None and (self.mass is not None or self.distance is not None):
            raise ValueError("a transport leg gives either 'amount' and 'unit' (t*km) or 'mass' and 'distance', "
                             "not both (they may disagree: say which one the leg is)")
        if self.amount is None and self.unit is not None:  # the unit was ignored: mass x distance (or nothing) used
            raise ValueError("a transport leg's 'unit' is the unit of its t*km 'amount'; with no 'amount' it is "
                             "read nowhere: give 'amount' with it, or drop 'unit' (a leg given as 'mass' and "
                             "'distance' takes each unit on those)")
        for part in ("mass", "distance"):  # the leg's own source, DQR and data type are the ones recorded
            given = getattr(self, part)
            ignored = sorted({"dqr", "data_type"} & given.model_fields_set) if given is not None else []
            if ignored:
                raise ValueError(f"'{part}.{ignored[0]}' is read nowhere: a leg given as mass and distance is one "
                                 f"flow of t*km, scored by the leg's own '{ignored[0]}' (give it on the leg, "
                                 "beside 'kind')")
        return self


class Exclusion(_Strict):
    """An input or emission left out under the rule's cut-off, with the producer's estimate."""

    item: str
    estimated_share: Optional[Number] = Field(default=None, ge=0, le=1)
    reason: str
    kinds: list[str] = Field(default_factory=list)  # the rule's input kinds this exclusion leaves out (expected ones)


class ProcessData(_Strict):
    output: Amount
    dqr: Optional[DQR] = None
    inputs: list[Input] = Field(default_factory=list)
    co_products: list[CoProduct] = Field(default_factory=list)
    emissions: list[Emission] = Field(default_factory=list)
    transport: list[Transport] = Field(default_factory=list)
    excluded: list[Exclusion] = Field(default_factory=list)
    #: input kinds the rule expects of this process that it does not use in the period (engine.system
    #: refuses an expected input neither reported, listed here, nor excluded under the cut-off)
    not_used: list[str] = Field(default_factory=list)
    allocation_share: Optional[Number] = None  # main product's share, only for allocation method 'specified'
    ore: Optional[OreAssay] = None  # the producer's assay of the ore mined (replaces the rule's extraction values)
    comment: str = ""

    @field_validator("output")
    @classmethod
    def _output_scored_nowhere(cls, value: Amount) -> Amount:
        _unscored(value, "process output")
        return value


class Declarant(_Strict):
    name: str
    facility: str
    country: str
    region: Optional[str] = None
    identifier: Optional[str] = None

    @field_validator("name", "facility")
    @classmethod
    def _stated(cls, value: str) -> str:
        # blank, the declaration named nobody and nowhere, and the market register, which holds one declaration
        # per facility and period by name and facility (registry.FacilityKeys), could not tell it from another:
        # two declarations of one blank facility's production were both registered and weighed twice, exit 0
        if not value.strip():
            raise ValueError("blank: the declarant's name and its facility are stated (the register tells one "
                             "facility's declarations from another's by them)")
        return value

    # the facility's country and region choose its grid and score every dataset's GeR: a code that names
    # no country or no subdivision of it took the world or national average grid, exit 0 (geography.py)
    @field_validator("country")
    @classmethod
    def _iso_country(cls, value: str) -> str:
        problem = geography.country_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("region")
    @classmethod
    def _iso_region(cls, value: Optional[str], info: ValidationInfo) -> Optional[str]:
        country = info.data.get("country")
        if value is not None and country is not None:
            problem = geography.region_problem(value, country)
            if problem:
                raise ValueError(problem)
        return value


class Period(_Strict):
    start: dt.date
    end: dt.date

    @field_validator("start", "end", mode="before")
    @classmethod
    def _a_date_not_a_number(cls, value: Any) -> Any:
        # pydantic reads a number as Unix seconds: 'start: 2025' became 1970-01-01T00:33:45 and was refused as
        # "Datetimes provided to dates should have zero time", which sends the producer the wrong way
        if isinstance(value, (bool, int, float)):
            raise ValueError(f"a date is written YYYY-MM-DD (2025-01-01), not as the number {value!r}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError("period end is before period start")
        return self


def _element_share(share: float) -> float:
    """A recycled share per element is checked per value, so the error's field names the element (and, in a
    workbook, its cell: recycled_share_Nd)."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"a recycled share of {share}; expected a share between 0 and 1")
    return share


_ElementShare = Annotated[Number, AfterValidator(_element_share)]


class RecycledInput(_Strict):
    """Recycled content of the product (R1 of the Circular Footprint Formula), for secondary-route rules."""

    R1: Number = Field(ge=0, le=1)
    # recycled share per element where the producer knows it (Art. 28/29 of Regulation (EU) 2024/1252 ask it of
    # products with permanent magnets): element symbol -> share 0..1
    by_element: dict[Literal["Nd", "Pr", "Dy", "Tb", "B", "Sm", "Ni", "Co"], _ElementShare] = Field(default_factory=dict)
    source: str = ""
    dqr: Optional[DQR] = None
    data_type: Literal["primary", "secondary"] = "primary"
    comment: str = ""


class ActivityData(_Strict):
    """One producer's data for one facility and reporting period."""

    rule: Optional[str] = None
    declarant: Declarant
    period: Period
    production: Amount
    processes: dict[str, ProcessData]
    recycled_content: Optional[RecycledInput] = None
    comment: str = ""


@dataclass(frozen=True)
class LoadedActivity:
    data: ActivityData
    path: Path
    sha256: str
    cells: Optional[Callable[[str], Optional[tuple[str, bool]]]] = None  # XLSX: field path -> (cell text, exact)


@contextlib.contextmanager
def located(activity: LoadedActivity) -> Iterator[None]:
    """Re-raise errors about an XLSX activity file (found while linking it to the rule) naming the cell.

    For YAML files, and for errors about other files, nothing changes.
    """
    try:
        yield
    except FootprintError as exc:
        if activity.cells is None or exc.file != str(activity.path) or not exc.field:
            raise
        found = activity.cells(exc.field)
        if found is None:
            raise
        where, exact = found
        try:
            error = type(exc)(exc.message, file=where, field=None if exact else exc.field, value=exc.value,
                              expected=exc.expected)
        except TypeError:  # a subclass with another constructor: keep the original
            raise exc from None
        raise error from None


def _check_amount(point: Any, path: Path, where: str) -> None:
    units.parse_amount(point.amount, file=path, field=f"{where}.amount", error=ActivityDataError)
    units.check_unit(point.unit, file=path, field=f"{where}.unit")


def _no_uncertainty(point: Any, path: Path, where: str, why: str) -> None:
    if getattr(point, "uncertainty", None) is not None:
        raise ActivityDataError(f"an uncertainty is not taken here: {why}", file=path, field=f"{where}.uncertainty",
                                expected="no 'uncertainty' on this amount (README 'Uncertainty')")


def _check_uncertainty(point: Any, path: Path, where: str) -> None:
    """A stated distribution must fit its amount (the amount lies within its own range)."""
    if getattr(point, "uncertainty", None) is not None:
        relative_or_error(point.uncertainty, float(point.amount), error=ActivityDataError, file=path, field=where)


def _check_amounts(data: ActivityData, path: Path) -> None:
    """Every amount is a finite, non-negative number with a known unit (checked before any rule logic)."""
    _check_amount(data.production, path, "production")
    reference = ("reference flows are fixed in the Monte Carlo, as in ecoinvent: the uncertainty lies on the inputs "
                 "and emissions per period")
    _no_uncertainty(data.production, path, "production", reference)
    for pid, process in data.processes.items():
        base = f"processes.{pid}"
        if getattr(process.output, "uncertainty", None) is not None or not units.accepts(process.output.amount,
                                                                                          process.output.unit):
            _check_amount(process.output, path, f"{base}.output")  # else both checks pass: nothing to build
            _no_uncertainty(process.output, path, f"{base}.output", reference)
        for group in ("inputs", "co_products", "emissions"):
            for index, point in enumerate(getattr(process, group)):
                if getattr(point, "uncertainty", None) is None and units.accepts(point.amount, point.unit):
                    continue  # nothing to check further or to say: no field path built (20,000 in a large file)
                _check_amount(point, path, f"{base}.{group}[{index}]")
                if group == "co_products":
                    _no_uncertainty(point, path, f"{base}.{group}[{index}]", reference)
                else:
                    _check_uncertainty(point, path, f"{base}.{group}[{index}]")
        for index, leg in enumerate(process.transport):
            where = f"{base}.transport[{index}]"
            if leg.amount is not None:
                _check_amount(leg, path, where)
                _check_uncertainty(leg, path, where)
            elif leg.mass is not None and leg.distance is not None:
                _check_amount(leg.mass, path, f"{where}.mass")
                _check_amount(leg.distance, path, f"{where}.distance")
                for part in ("mass", "distance"):
                    _no_uncertainty(getattr(leg, part), path, f"{where}.{part}",
                                    "give the leg's uncertainty on the leg itself (of its t*km)")
                if leg.uncertainty is not None and leg.uncertainty.type != "lognormal":
                    raise ActivityDataError("a leg given as mass and distance takes only a lognormal uncertainty "
                                            "(relative); a range needs the leg's t*km as 'amount'", file=path,
                                            field=f"{where}.uncertainty", value=leg.uncertainty.type,
                                            expected="{type: lognormal, gsd: ...}, or amount/unit in t*km")
            else:
                raise ActivityDataError("a transport leg needs 'amount' and 'unit' (t*km) or 'mass' and 'distance'",
                                        file=path, field=where)


def positive(amount: Any) -> bool:
    """An amount above 0 (read after _check_amounts has found it finite and non-negative)."""
    return float(amount) > 0


def leg_positive(leg: Transport) -> bool:
    """A transport leg of more than 0 t*km, given as its amount or as mass and distance."""
    if leg.amount is not None:
        return positive(leg.amount)
    return positive(leg.mass.amount) and positive(leg.distance.amount)


def _check_not_both_unused_and_left_out(data: ActivityData, path: Path) -> None:
    """Refuse an input kind stated as not used (``not_used``, or an amount of 0) and as left out under the cut-off.

    Why: the two say opposite things (none was consumed; some was, too little to model), and the exclusion
    let a process pass as taking something in: ndpr-oxide's mining with diesel and electricity at 0 and
    an exclusion naming both declared 26.95 instead of 46.56 kg CO2-Eq/kg with exit 0.  Which one is
    true is the producer's to say; an exclusion is then judged by the cut-off checks.
    """
    for pid, process in data.processes.items():
        unused = {kind: f"processes.{pid}.not_used" for kind in process.not_used}
        for index, item in enumerate(process.inputs):
            if item.kind is not None and not positive(item.amount):
                unused.setdefault(item.kind, f"processes.{pid}.inputs[{index}].amount")
        for index, leg in enumerate(process.transport):
            if not leg_positive(leg):
                unused.setdefault(leg.kind, f"processes.{pid}.transport[{index}]")
        for index, exclusion in enumerate(process.excluded):
            for k_index, kind in enumerate(exclusion.kinds):
                if kind in unused:
                    raise ActivityDataError(
                        f"input kind '{kind}' of process '{pid}' is stated as not used ({unused[kind]}) and as left "
                        "out under the cut-off (consumed, but too little to model): it cannot be both", file=path,
                        field=f"processes.{pid}.excluded[{index}].kinds[{k_index}]", value=kind,
                        expected=f"'{kind}' either not used (an amount of 0, or under not_used) or left out under "
                                 "the cut-off with its estimated share (and not reported as 0)")


def _load_xlsx(path: Path) -> LoadedActivity:
    """A filled 'footprint template --format xlsx' workbook, checked by the same model as YAML.

    Errors name the sheet, row and column instead of a field path.
    """
    from footprint.inputs.activity_xlsx import describe, field_loc, read_xlsx

    raw, book = read_xlsx(path)
    try:
        data = ActivityData.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first.get("loc", ()))
        value = first.get("input")
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        field = ".".join(str(part) for part in loc) if book.where(loc) is None else None
        raise ActivityDataError(pydantic_message(first) + more,
                                file=describe(path, book.where(loc)), field=field,
                                value=None if isinstance(value, (dict, list)) else value) from None

    def cells(field: str) -> Optional[tuple[str, bool]]:
        loc = field_loc(field)
        location = book.where(loc)
        if location is None:
            return None
        return describe(path, location), location[2] is not None and book.locations.get(loc) == location

    loaded = LoadedActivity(data=data, path=path, sha256=book.sha256, cells=cells)
    with located(loaded):  # a bad amount or unit is named by its cell, like every later error
        _check_amounts(data, path)
        _check_not_both_unused_and_left_out(data, path)
    return loaded


def load_activity(path: str | Path) -> LoadedActivity:
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return _load_xlsx(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ActivityDataError("unsupported activity-data format", file=path, value=path.suffix,
                                expected="a .yaml file (see examples/) or a filled 'footprint template' .xlsx")
    raw, sha256 = load_yaml_hashed(path, ActivityDataError)  # the hash recorded is of the bytes parsed
    if not isinstance(raw, dict):
        raise ActivityDataError("activity data must be a mapping", file=path,
                                expected="keys declarant, period, production, processes")
    try:
        data = ActivityData.model_validate(raw)
    except ValidationError as exc:
        raise pydantic_error(exc, path, ActivityDataError) from None
    _check_amounts(data, path)
    _check_not_both_unused_and_left_out(data, path)
    return LoadedActivity(data=data, path=path, sha256=sha256)
