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
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from footprint._io import load_yaml, pydantic_error, quiet_stdout
from footprint.errors import InventoryError, LinkingError, UnitError
from footprint.inputs import units
from footprint.inputs.categories import HEADLINE_IDS
from footprint.inputs.dqr import DQR
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
    coverage: list[str] = Field(default_factory=list)
    notes: str = ""
    exchanges: list[InventoryExchange]

    @property
    def uncovered(self) -> list[str]:
        """The EF 3.1 categories this dataset's flows do not feed (declarations report them as partial)."""
        return [category for category in HEADLINE_IDS if category not in self.coverage]

    @field_validator("coverage")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in HEADLINE_IDS]
        if unknown:
            raise ValueError(f"unknown impact categories {unknown}; expected ids from {list(HEADLINE_IDS)}")
        return value


@dataclass
class Catalogue:
    """All datasets, where they came from, and one hash over the library."""

    datasets: dict[str, Dataset]
    files: dict[str, Path]
    sha256: str
    roots: list[Path] = field(default_factory=list)

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


def load_dataset(path: Path, root: Path) -> Dataset:
    raw = load_yaml(path, InventoryError)
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
    units.check_unit(dataset.unit, file=path, field="unit")
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
    for root in roots:
        for path in sorted(root.rglob("*.yaml")):
            dataset = load_dataset(path, root)
            if dataset.code in datasets:
                raise InventoryError("dataset code defined twice", file=path, field="code", value=dataset.code,
                                     expected=f"a code not already used by {files[dataset.code]}")
            datasets[dataset.code] = dataset
            files[dataset.code] = path
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    for code, dataset in datasets.items():
        for index, exchange in enumerate(dataset.exchanges):
            if exchange.type == "technosphere" and exchange.dataset not in datasets:
                raise LinkingError("unknown input dataset", file=files[code], field=f"exchanges[{index}].dataset",
                                   value=exchange.dataset, expected="a dataset code from inventories/")
    return Catalogue(datasets=datasets, files=files, sha256=digest.hexdigest(), roots=list(roots))


# ----------------------------------------------------------------------------- biosphere index


BIOSPHERE_INDEX_FILE = "footprint-biosphere-index.json"


def biosphere_index(bd: ModuleType) -> dict[tuple[str, tuple[str, ...]], tuple[str, str]]:
    """(name, categories) → (code, unit) for every biosphere3 flow.

    Reading 4,709 pickled rows takes 0.25 s per declaration, so the index is kept as
    JSON in the project directory; set-up deletes it whenever it rewrites biosphere3.
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
    if index:
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


def write_background(catalogue: Catalogue, bd: ModuleType, name: str = BACKGROUND_DB) -> int:
    """Validate everything first, then replace the background database in one write."""
    flows = biosphere_index(bd)
    data = to_brightway(catalogue, flows, name)
    import warnings

    with quiet_stdout(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        database = bd.Database(name)
        if name not in bd.databases:
            database.register(description="footprint open secondary datasets (inventories/)")
        database.write(data, searchable=False)
    return len(data)
