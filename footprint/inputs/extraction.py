"""What an extraction process takes out of the ground: ore grade and element distribution.

A mining process's product is ore (or, for some rules, the contained metal).  Resource
indicators (EF 3.1 "resource use, minerals and metals", the Crustal Scarcity Indicator)
only register what the inventory extracts, so the element content of the ore mined has
to become elementary flows ("Neodymium", "Iron", ... in biosphere3's natural-resource
compartment).  The rule gives default contents and distributions with their sources; a
producer may give its own assay for the same keys, which then replaces the rule's.

This module is vocabulary only (pydantic models and the element table); the flows are
computed by ``footprint.engine.ore``.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from footprint.inputs.dqr import DQR

#: Standard atomic weights (IUPAC 2021, abridged to 3 decimals; conventional value for Li).
ATOMIC_WEIGHT = {
    "O": 15.999, "Fe": 55.845, "Cu": 63.546, "Li": 6.94, "Sc": 44.956, "Y": 88.906, "La": 138.905,
    "Ce": 140.116, "Pr": 140.908, "Nd": 144.242, "Sm": 150.36, "Eu": 151.964, "Gd": 157.25, "Tb": 158.925,
    "Dy": 162.500, "Ho": 164.930, "Er": 167.259, "Tm": 168.934, "Yb": 173.045, "Lu": 174.967,
}

#: element -> (biosphere3 flow name in "natural resource / in ground", (atoms of element, atoms of O) in the
#: oxide a rare-earth distribution is reported as).  The oxides are the conventional REO reporting forms
#: (CeO2, Pr6O11 and Tb4O7; sesquioxides for the others), as in USGS and Castor & Hedrick 2006.
ELEMENTS: dict[str, tuple[str, tuple[int, int] | None]] = {
    "Sc": ("Scandium", (2, 3)), "Y": ("Yttrium", (2, 3)), "La": ("Lanthanum", (2, 3)), "Ce": ("Cerium", (1, 2)),
    "Pr": ("Praseodymium", (6, 11)), "Nd": ("Neodymium", (2, 3)), "Sm": ("Samarium", (2, 3)),
    "Eu": ("Europium", (2, 3)), "Gd": ("Gadolinium", (2, 3)), "Tb": ("Terbium", (4, 7)),
    "Dy": ("Dysprosium", (2, 3)), "Ho": ("Holmium", (2, 3)), "Er": ("Erbium", (2, 3)), "Tm": ("Thulium", (2, 3)),
    "Yb": ("Ytterbium", (2, 3)), "Lu": ("Lutetium", (2, 3)),
    "Fe": ("Iron", None), "Cu": ("Copper", None), "Li": ("Lithium", None),
}
#: Groups a content may name; their distribution gives the share of each element's oxide.
GROUPS = {"TREO": "total rare-earth oxides"}
FRACTION_UNITS = {"%": 1e-2, "fraction": 1.0, "ppm": 1e-6, "g/t": 1e-6}
#: A number as written, finite: not text ("4.3"), not a boolean (true would be read as 1, or 1 %), not NaN
#: (it fails no comparison, so 'shares add up to 1' and 'at most 100 %' would both let it through).
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]


def oxide_element_fraction(element: str) -> float:
    """Mass fraction of the element in its reporting oxide (Nd in Nd2O3: 288.484 / 336.481 = 0.857)."""
    _name, oxide = ELEMENTS[element]
    if oxide is None:
        return 1.0
    atoms, oxygen = oxide
    metal = atoms * ATOMIC_WEIGHT[element]
    return metal / (metal + oxygen * ATOMIC_WEIGHT["O"])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Content(_Strict):
    """A mass fraction of the process output (the ore mined): an element or a group such as TREO."""

    value: Number = Field(gt=0)
    unit: Literal["%", "fraction", "ppm", "g/t"]
    source: str = Field(min_length=1)

    @property
    def fraction(self) -> float:
        return self.value * FRACTION_UNITS[self.unit]

    @model_validator(mode="after")
    def _at_most_whole(self) -> "Content":
        if self.fraction > 1.0:
            raise ValueError(f"a content of {self.value} {self.unit} is more than the whole ore")
        return self


class Distribution(_Strict):
    """How a group splits into elements: % of the group's oxide mass, each element as its reporting oxide."""

    shares: dict[str, Number]
    source: str = Field(min_length=1)

    @field_validator("shares")
    @classmethod
    def _known(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = [k for k in value if k not in ELEMENTS or ELEMENTS[k][1] is None]
        if unknown:
            raise ValueError(f"unknown rare-earth element(s) {unknown}; expected symbols from "
                             f"{[k for k, v in ELEMENTS.items() if v[1] is not None]}")
        negative = [k for k, v in value.items() if v < 0]
        if negative:
            raise ValueError(f"negative share for {negative}")
        total = sum(value.values())
        if total > 100.0 + 1e-6:
            raise ValueError(f"shares add up to {total:g} %, more than 100 % of the group")
        if len(value) > 1 and 0 < total <= 1.0 + 1e-9:
            # fractions of 1 (La 0.23, Ce 0.50, ...) read as % would put 100 times too little of each element
            # in the ground; a real distribution of two or more rare earths never adds up to 1 % of the group
            raise ValueError(f"shares add up to {total:g} %: they look like fractions of 1; give each share in % "
                             f"of the group (La: 23.0 for 23 %)")
        return value


class OreComposition(_Strict):
    """Contents of the ore and the distribution of each group named in them."""

    contents: dict[str, Content] = Field(default_factory=dict)
    distributions: dict[str, Distribution] = Field(default_factory=dict)

    @field_validator("contents")
    @classmethod
    def _known_contents(cls, value: dict[str, Content]) -> dict[str, Content]:
        unknown = [k for k in value if k not in ELEMENTS and k not in GROUPS]
        if unknown:
            raise ValueError(f"unknown content {unknown}; expected an element symbol "
                             f"({', '.join(ELEMENTS)}) or a group ({', '.join(GROUPS)})")
        return value


class Extraction(OreComposition):
    """A rule's defaults for an extraction process (the producer may replace them with an assay)."""

    description: str = ""

    @model_validator(mode="after")
    def _groups_distributed(self) -> "Extraction":
        missing = [g for g in self.contents if g in GROUPS and g not in self.distributions]
        if missing:
            raise ValueError(f"content {missing[0]} needs a distribution (the share of each element in it)")
        return self


class OreAssay(OreComposition):
    """The producer's own assay of the ore mined in the period; replaces the rule's values it names."""

    dqr: Optional[DQR] = None
