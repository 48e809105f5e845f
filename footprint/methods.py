"""Impact categories: our short ids, the EF 3.1 names, and Brightway method keys.

Rules and declarations speak in short, stable ids (``climate_change``); Brightway
speaks in method tuples from ecoinvent's LCIA implementation that bw2io ships.
Keeping the mapping in one table means a rule never depends on a tuple spelling.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from footprint.errors import MethodError

METHOD_NAME = "EF v3.1"
METHOD_VERSION = "3.1"
METHOD_IMPLEMENTATION = "ecoinvent 3.9 LCIA implementation, as bundled with bw2io (lcia_39_ecoinvent.zip)"
#: footprint's documented CF extension (rare-earth ADP factors), kept apart from the bundled method.
EXTENSION_FILE = Path(__file__).parent / "data" / "adp-ree-extension.yaml"
EXTENDED_METHOD_NAME = "EF v3.1 + footprint-adp-ree"


@dataclass(frozen=True)
class Category:
    """One EF 3.1 impact category (or sub-indicator) and its Brightway method key."""

    id: str
    label: str
    indicator: str
    method: tuple[str, str, str]
    unit: str
    headline: bool = True  # one of the 16 EF categories, not a sub-indicator


def _ef(category: str, indicator: str) -> tuple[str, str, str]:
    return (METHOD_NAME, category, indicator)


CATEGORIES: tuple[Category, ...] = (
    Category("climate_change", "Climate change", "global warming potential (GWP100)",
             _ef("climate change", "global warming potential (GWP100)"), "kg CO2-Eq"),
    Category("ozone_depletion", "Ozone depletion", "ozone depletion potential (ODP)",
             _ef("ozone depletion", "ozone depletion potential (ODP)"), "kg CFC-11-Eq"),
    Category("human_toxicity_cancer", "Human toxicity, cancer", "comparative toxic unit for human (CTUh)",
             _ef("human toxicity: carcinogenic", "comparative toxic unit for human (CTUh)"), "CTUh"),
    Category("human_toxicity_non_cancer", "Human toxicity, non-cancer", "comparative toxic unit for human (CTUh)",
             _ef("human toxicity: non-carcinogenic", "comparative toxic unit for human (CTUh)"), "CTUh"),
    Category("particulate_matter", "Particulate matter", "impact on human health",
             _ef("particulate matter formation", "impact on human health"), "disease incidence"),
    Category("ionising_radiation", "Ionising radiation, human health", "human exposure efficiency relative to U235",
             _ef("ionising radiation: human health", "human exposure efficiency relative to u235"), "kBq U235-Eq"),
    Category("photochemical_ozone_formation", "Photochemical ozone formation, human health",
             "tropospheric ozone concentration increase",
             _ef("photochemical oxidant formation: human health", "tropospheric ozone concentration increase"),
             "kg NMVOC-Eq"),
    Category("acidification", "Acidification", "accumulated exceedance (AE)",
             _ef("acidification", "accumulated exceedance (AE)"), "mol H+-Eq"),
    Category("eutrophication_terrestrial", "Eutrophication, terrestrial", "accumulated exceedance (AE)",
             _ef("eutrophication: terrestrial", "accumulated exceedance (AE)"), "mol N-Eq"),
    Category("eutrophication_freshwater", "Eutrophication, freshwater",
             "fraction of nutrients reaching freshwater end compartment (P)",
             _ef("eutrophication: freshwater", "fraction of nutrients reaching freshwater end compartment (P)"),
             "kg P-Eq"),
    Category("eutrophication_marine", "Eutrophication, marine",
             "fraction of nutrients reaching marine end compartment (N)",
             _ef("eutrophication: marine", "fraction of nutrients reaching marine end compartment (N)"), "kg N-Eq"),
    Category("ecotoxicity_freshwater", "Ecotoxicity, freshwater", "comparative toxic unit for ecosystems (CTUe)",
             _ef("ecotoxicity: freshwater", "comparative toxic unit for ecosystems (CTUe)"), "CTUe"),
    Category("land_use", "Land use", "soil quality index", _ef("land use", "soil quality index"), "dimensionless"),
    Category("water_use", "Water use", "user deprivation potential (deprivation-weighted water consumption)",
             _ef("water use", "user deprivation potential (deprivation-weighted water consumption)"),
             "m3 world eq. deprived"),
    Category("resource_use_minerals_metals", "Resource use, minerals and metals",
             "abiotic depletion potential (ADP): elements (ultimate reserves)",
             (EXTENDED_METHOD_NAME, "material resources: metals/minerals",
              "abiotic depletion potential (ADP): elements (ultimate reserves)"), "kg Sb-Eq"),
    Category("resource_use_fossils", "Resource use, fossils", "abiotic depletion potential (ADP): fossil fuels",
             _ef("energy resources: non-renewable", "abiotic depletion potential (ADP): fossil fuels"),
             "MJ, net calorific value"),
    Category("climate_change_fossil", "Climate change, fossil", "global warming potential (GWP100)",
             _ef("climate change: fossil", "global warming potential (GWP100)"), "kg CO2-Eq", headline=False),
    Category("climate_change_biogenic", "Climate change, biogenic", "global warming potential (GWP100)",
             _ef("climate change: biogenic", "global warming potential (GWP100)"), "kg CO2-Eq", headline=False),
    Category("climate_change_land_use", "Climate change, land use and land use change",
             "global warming potential (GWP100)",
             _ef("climate change: land use and land use change", "global warming potential (GWP100)"),
             "kg CO2-Eq", headline=False),
)

_BY_ID = {c.id: c for c in CATEGORIES}
HEADLINE_IDS: tuple[str, ...] = tuple(c.id for c in CATEGORIES if c.headline)


def category(category_id: str, *, file: str | None = None, field: str | None = None) -> Category:
    """Look up a category by id, with an error that lists the valid ids."""
    try:
        return _BY_ID[category_id]
    except (KeyError, TypeError):
        raise MethodError("unknown impact category", file=file, field=field, value=category_id,
                          expected="one of " + ", ".join(_BY_ID)) from None


def coverage_category(category_id: str) -> str:
    """The category whose dataset coverage a result inherits.

    Datasets declare coverage for the 16 EF categories; the climate-change
    sub-indicators (fossil, biogenic, land use) are covered when climate change is.
    """
    return "climate_change" if category_id.startswith("climate_change") else category_id


def all_categories() -> tuple[Category, ...]:
    """Every category the engine computes (16 EF 3.1 categories plus climate sub-indicators)."""
    return CATEGORIES


def bundled_methods() -> set[tuple[str, str, str]]:
    """Method keys that come straight from bw2io's file (the rest are footprint extensions)."""
    return {c.method for c in CATEGORIES if c.method[0] == METHOD_NAME}


# ----------------------------------------------------------------------------- CF extensions


@dataclass(frozen=True)
class ExtensionFactor:
    """One added characterisation factor: an element, the flows it applies to, its source."""

    element: str
    flows: tuple[tuple[str, tuple[str, ...]], ...]
    cf: float
    unit: str
    source: str


@dataclass(frozen=True)
class CFExtension:
    """A sourced set of CFs added to one bundled method and written under a footprint-owned name.

    Kept as data (not code) so a reviewer reads every added number beside its reference, and
    hashed so a declaration names exactly which factors it used.
    """

    id: str
    version: str
    base_method: tuple[str, str, str]
    method: tuple[str, str, str]
    unit: str
    factors: tuple[ExtensionFactor, ...]
    sha256: str
    path: Path
    searched: tuple[dict, ...] = field(default_factory=tuple)

    def describe(self) -> dict:
        """What a declaration records about the extension (id, version, hash, what it adds)."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256, "method": list(self.method),
                "base_method": list(self.base_method), "factors": len(self.factors),
                "elements": sorted({f.element for f in self.factors}),
                "without_published_factor": sorted({s.get("element", "") for s in self.searched}
                                                   - {f.element for f in self.factors})}


def load_extension(path: Path | None = None) -> CFExtension:
    """Read and check the extension file; every factor needs flows, a positive CF and a source."""
    from footprint._io import load_yaml

    path = Path(path or EXTENSION_FILE)
    raw = load_yaml(path, MethodError)
    if not isinstance(raw, dict):
        raise MethodError("a CF extension file must be a mapping", file=path,
                          expected="keys id, version, base_method, method, unit, factors")
    for key in ("id", "version", "base_method", "method", "unit", "factors"):
        if key not in raw:
            raise MethodError("missing key", file=path, field=key, expected="see footprint/data/adp-ree-extension.yaml")
    factors = []
    for index, item in enumerate(raw["factors"] or []):
        where = f"factors[{index}]"
        if not isinstance(item, dict):
            raise MethodError("a factor must be a mapping", file=path, field=where,
                              expected="element, flows, cf, unit, source")
        cf = item.get("cf")
        if not isinstance(cf, (int, float)) or isinstance(cf, bool) or cf <= 0:
            raise MethodError("characterisation factor must be a positive number", file=path, field=f"{where}.cf",
                              value=cf, expected=f"a number in {raw['unit']} per kg")
        if not str(item.get("source", "")).strip():
            raise MethodError("factor without a source", file=path, field=f"{where}.source",
                              expected="the publication and table the value is transcribed from")
        if item.get("unit", raw["unit"]) != raw["unit"]:
            raise MethodError("factor unit differs from the method unit", file=path, field=f"{where}.unit",
                              value=item.get("unit"), expected=raw["unit"])
        flows = item.get("flows") or []
        if not flows or not all(isinstance(f, list) and len(f) == 2 for f in flows):
            raise MethodError("flows must be a list of [name, [compartment, subcompartment]]", file=path,
                              field=f"{where}.flows", value=flows)
        factors.append(ExtensionFactor(element=str(item.get("element", "")), cf=float(cf), unit=raw["unit"],
                                       source=str(item["source"]),
                                       flows=tuple((str(n), tuple(c)) for n, c in flows)))
    return CFExtension(id=str(raw["id"]), version=str(raw["version"]), base_method=tuple(raw["base_method"]),
                       method=tuple(raw["method"]), unit=str(raw["unit"]), factors=tuple(factors),
                       sha256=hashlib.sha256(path.read_bytes()).hexdigest(), path=path,
                       searched=tuple(raw.get("searched") or ()))


def write_extended_method(bd, extension: CFExtension, flows_index: dict, *, name: tuple | None = None) -> int:
    """Write the base method's CFs plus the extension's under ``name`` (default: the extension's).

    An extension factor replaces a bundled factor for the same flow (there is none today: the
    point of the extension is flows the bundled method leaves at zero).  Returns the CF count.
    """
    from bw2data.backends import ActivityDataset as AD

    from footprint._io import quiet_stdout
    from footprint.inventory import BIOSPHERE_DB, resolve_flow

    name = tuple(name or extension.method)
    base = bd.Method(extension.base_method)
    cfs: dict = {flow: amount for flow, amount in base.load()}
    codes = []
    for index, factor in enumerate(extension.factors):
        for flow_name, categories in factor.flows:
            code, _unit = resolve_flow(flows_index, flow_name, categories, file=extension.path,
                                       field=f"factors[{index}].flows")
            codes.append((code, factor.cf))
    if codes:
        ids = {row.code: row.id for row in AD.select(AD.code, AD.id).where(
            (AD.database == BIOSPHERE_DB) & (AD.code.in_([c for c, _ in codes])))}
        for code, cf in codes:
            cfs[ids[code]] = cf
    with quiet_stdout():
        method = bd.Method(name)
        if name in bd.methods:
            method.deregister()
        method.register(unit=extension.unit, description=f"{' | '.join(extension.base_method)} plus footprint "
                        f"extension {extension.id} {extension.version} ({extension.path.name})",
                        extension_sha256=extension.sha256)
        method.write([(flow, amount) for flow, amount in cfs.items()])
    return len(cfs)
