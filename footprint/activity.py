"""Company-specific activity data: totals for one facility and reporting period.

Producers report what their meters, invoices and stack measurements say for
the period (t of ore, MWh, t of acid, t of SO2); the engine scales to the
declared unit.  Every amount carries its unit, its source and its DQR scores,
so the declaration can say how good each number is.  This module reads and
checks the file on its own terms; checks against a rule live in system.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from footprint import units
from footprint._io import file_sha256, load_yaml, pydantic_error
from footprint.errors import ActivityDataError
from footprint.inventory import DQR


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


class Input(Amount):
    """A consumed input: from an upstream process of the rule, or of a kind the rule maps to a dataset."""

    kind: Optional[str] = None
    from_: Optional[str] = Field(default=None, alias="from")
    dataset: Optional[str] = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one_target(self) -> "Input":
        if (self.kind is None) == (self.from_ is None):
            raise ValueError("an input names exactly one of 'kind' (a purchased input) or 'from' (an upstream "
                             "process of the rule)")
        return self


class Emission(Amount):
    """A direct emission to air, water or soil, named as in biosphere3."""

    flow: str
    compartment: str = "air"


class CoProduct(Amount):
    name: str
    share: Optional[float] = None  # only for allocation method 'specified'


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


class Exclusion(_Strict):
    """An input or emission left out under the rule's cut-off, with the producer's estimate."""

    item: str
    estimated_share: Optional[float] = Field(default=None, ge=0, le=1)
    reason: str


class ProcessData(_Strict):
    output: Amount
    dqr: Optional[DQR] = None
    inputs: list[Input] = Field(default_factory=list)
    co_products: list[CoProduct] = Field(default_factory=list)
    emissions: list[Emission] = Field(default_factory=list)
    transport: list[Transport] = Field(default_factory=list)
    excluded: list[Exclusion] = Field(default_factory=list)
    allocation_share: Optional[float] = None  # main product's share, only for allocation method 'specified'
    comment: str = ""


class Declarant(_Strict):
    name: str
    facility: str
    country: str = Field(min_length=2, max_length=2)
    region: Optional[str] = None
    identifier: Optional[str] = None


class Period(_Strict):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError("period end is before period start")
        return self


class ActivityData(_Strict):
    """One producer's data for one facility and reporting period."""

    rule: Optional[str] = None
    declarant: Declarant
    period: Period
    production: Amount
    processes: dict[str, ProcessData]
    comment: str = ""


@dataclass(frozen=True)
class LoadedActivity:
    data: ActivityData
    path: Path
    sha256: str


def _check_amount(point: Any, path: Path, where: str) -> None:
    units.parse_amount(point.amount, file=path, field=f"{where}.amount", error=ActivityDataError)
    units.check_unit(point.unit, file=path, field=f"{where}.unit")


def _check_amounts(data: ActivityData, path: Path) -> None:
    """Every amount is a finite, non-negative number with a known unit (checked before any rule logic)."""
    _check_amount(data.production, path, "production")
    for pid, process in data.processes.items():
        base = f"processes.{pid}"
        _check_amount(process.output, path, f"{base}.output")
        for group in ("inputs", "co_products", "emissions"):
            for index, point in enumerate(getattr(process, group)):
                _check_amount(point, path, f"{base}.{group}[{index}]")
        for index, leg in enumerate(process.transport):
            where = f"{base}.transport[{index}]"
            if leg.amount is not None:
                _check_amount(leg, path, where)
            elif leg.mass is not None and leg.distance is not None:
                _check_amount(leg.mass, path, f"{where}.mass")
                _check_amount(leg.distance, path, f"{where}.distance")
            else:
                raise ActivityDataError("a transport leg needs 'amount' and 'unit' (t*km) or 'mass' and 'distance'",
                                        file=path, field=where)


def load_activity(path: str | Path) -> LoadedActivity:
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ActivityDataError("unsupported activity-data format", file=path, value=path.suffix,
                                expected="a .yaml file (see examples/)")
    raw = load_yaml(path, ActivityDataError)
    if not isinstance(raw, dict):
        raise ActivityDataError("activity data must be a mapping", file=path,
                                expected="keys declarant, period, production, processes")
    try:
        data = ActivityData.model_validate(raw)
    except ValidationError as exc:
        raise pydantic_error(exc, path, ActivityDataError) from None
    _check_amounts(data, path)
    return LoadedActivity(data=data, path=path, sha256=file_sha256(path))
