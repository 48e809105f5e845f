"""Impact categories: our short ids, the EF 3.1 names, and the Brightway method keys they stand for.

Rules and declarations speak in short, stable ids (``climate_change``); Brightway
speaks in method tuples from ecoinvent's LCIA implementation that bw2io ships.
Keeping the mapping in one table means a rule never depends on a tuple spelling.
It is vocabulary (plain strings), so reading a rule never needs the background:
``footprint.data.methods`` writes these methods into Brightway.
"""
from __future__ import annotations

from dataclasses import dataclass

from footprint.errors import MethodError

METHOD_NAME = "EF v3.1"
#: The process id and label of the recycled-content (CFF) line in a result: the engine's result table, the
#: declaration's by_process, and the readers that hold a declaration's processes to its rule (one spelling).
RECYCLED_CONTENT_ID = "recycled-content"
#: footprint's method that adds sourced CFs (rare-earth ADP) to the bundled EF 3.1 minerals and metals.
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
    supplementary: bool = False  # not part of EF 3.1: an indicator a rule may declare beside the EF categories


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

#: The Crustal Scarcity Indicator 2020 (CSI): not an EF 3.1 category.  EF 3.1 "resource use, minerals and
#: metals" has no factor for any rare earth but yttrium; CSI has one for every rare earth, so a rule may
#: declare it as a supplementary indicator.  bw2io ships it in the same file as EF 3.1 (offline set-up).
CRUSTAL_SCARCITY_METHOD = ("Crustal Scarcity Indicator 2020", "material resources: metals/minerals",
                           "crustal scarcity potential (CSP)")
CRUSTAL_SCARCITY_CITATION = (
    "Arvidsson R., Ierardi M., Schwaiger K., Landgren C., Alvarsson D., Dahlström K., Hauschild M. Z., "
    "Haugen J. E., Larsson T. 2020, 'Crustal scarcity indicator for long-term global elemental resource "
    "assessment in LCA', Int J Life Cycle Assess 25:1805-1817; factors as bundled with bw2io "
    "(lcia_39_ecoinvent.zip, ecoinvent 3.9 LCIA implementation)")

SUPPLEMENTARY: tuple[Category, ...] = (
    Category("crustal_scarcity", "Crustal scarcity (supplementary indicator, not EF 3.1)",
             "crustal scarcity potential (CSP), Crustal Scarcity Indicator 2020", CRUSTAL_SCARCITY_METHOD,
             "kg Si-Eq", headline=False, supplementary=True),
)

_BY_ID = {c.id: c for c in (*CATEGORIES, *SUPPLEMENTARY)}
HEADLINE_IDS: tuple[str, ...] = tuple(c.id for c in CATEGORIES if c.headline)
SUPPLEMENTARY_IDS: tuple[str, ...] = tuple(c.id for c in SUPPLEMENTARY)
#: Categories whose dataset coverage is computed and reported (EF 3.1 headline plus supplementary ones).
COVERAGE_IDS: tuple[str, ...] = HEADLINE_IDS + SUPPLEMENTARY_IDS


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
    """Every category the engine computes (16 EF 3.1 categories, climate sub-indicators, supplementary)."""
    return CATEGORIES + SUPPLEMENTARY
