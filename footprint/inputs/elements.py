"""Chemical elements by symbol, and which element a biosphere resource flow's name names.

A characterisation factor "per kg of element" applies to the flows of that element only:
a factor written for Dy that lists "Neodymium" would characterise neodymium with
dysprosium's value.  biosphere3 (ecoinvent 3.9) names an element's resource flows after
the element, alone or followed by a comma and the ore it sits in ("Neodymium",
"Neodymium, 4% in bastnasite, 0.4% in crude ore", "Copper, Cu 0.52%, in mixed ore") or
its symbol ("Pd, Pd 2.0E-4%, Pt 4.8E-4%, ... in ore"), so the name before the first comma
says which element a flow is.
"""
from __future__ import annotations

#: symbol -> English element name (IUPAC spelling; the periodic table, elements 1 to 103)
NAMES: dict[str, str] = {
    "H": "Hydrogen", "He": "Helium", "Li": "Lithium", "Be": "Beryllium", "B": "Boron", "C": "Carbon",
    "N": "Nitrogen", "O": "Oxygen", "F": "Fluorine", "Ne": "Neon", "Na": "Sodium", "Mg": "Magnesium",
    "Al": "Aluminium", "Si": "Silicon", "P": "Phosphorus", "S": "Sulfur", "Cl": "Chlorine", "Ar": "Argon",
    "K": "Potassium", "Ca": "Calcium", "Sc": "Scandium", "Ti": "Titanium", "V": "Vanadium", "Cr": "Chromium",
    "Mn": "Manganese", "Fe": "Iron", "Co": "Cobalt", "Ni": "Nickel", "Cu": "Copper", "Zn": "Zinc",
    "Ga": "Gallium", "Ge": "Germanium", "As": "Arsenic", "Se": "Selenium", "Br": "Bromine", "Kr": "Krypton",
    "Rb": "Rubidium", "Sr": "Strontium", "Y": "Yttrium", "Zr": "Zirconium", "Nb": "Niobium", "Mo": "Molybdenum",
    "Tc": "Technetium", "Ru": "Ruthenium", "Rh": "Rhodium", "Pd": "Palladium", "Ag": "Silver", "Cd": "Cadmium",
    "In": "Indium", "Sn": "Tin", "Sb": "Antimony", "Te": "Tellurium", "I": "Iodine", "Xe": "Xenon",
    "Cs": "Caesium", "Ba": "Barium", "La": "Lanthanum", "Ce": "Cerium", "Pr": "Praseodymium", "Nd": "Neodymium",
    "Pm": "Promethium", "Sm": "Samarium", "Eu": "Europium", "Gd": "Gadolinium", "Tb": "Terbium",
    "Dy": "Dysprosium", "Ho": "Holmium", "Er": "Erbium", "Tm": "Thulium", "Yb": "Ytterbium", "Lu": "Lutetium",
    "Hf": "Hafnium", "Ta": "Tantalum", "W": "Tungsten", "Re": "Rhenium", "Os": "Osmium", "Ir": "Iridium",
    "Pt": "Platinum", "Au": "Gold", "Hg": "Mercury", "Tl": "Thallium", "Pb": "Lead", "Bi": "Bismuth",
    "Po": "Polonium", "At": "Astatine", "Rn": "Radon", "Fr": "Francium", "Ra": "Radium", "Ac": "Actinium",
    "Th": "Thorium", "Pa": "Protactinium", "U": "Uranium", "Np": "Neptunium", "Pu": "Plutonium",
    "Am": "Americium", "Cm": "Curium", "Bk": "Berkelium", "Cf": "Californium", "Es": "Einsteinium",
    "Fm": "Fermium", "Md": "Mendelevium", "No": "Nobelium", "Lr": "Lawrencium",
}
#: other spellings flow lists use for the same element (US English, older British)
OTHER_SPELLINGS: dict[str, tuple[str, ...]] = {"Al": ("Aluminum",), "Cs": ("Cesium",), "S": ("Sulphur",)}

_BY_NAME: dict[str, str] = {name.lower(): symbol for symbol, name in NAMES.items()}
_BY_NAME.update({name.lower(): symbol for symbol, names in OTHER_SPELLINGS.items() for name in names})


def names_of(symbol: str) -> tuple[str, ...]:
    """The names a flow of element ``symbol`` may carry (empty for an unknown symbol)."""
    if symbol not in NAMES:
        return ()
    return (NAMES[symbol], *OTHER_SPELLINGS.get(symbol, ()))


def element_of_flow(name: str) -> str | None:
    """The symbol of the element a resource flow's name names ("Neodymium, 4% in ..." -> "Nd"), or None.

    Only the part before the first comma counts: "Iron ore" names no element (a kg of ore
    is not a kg of iron), and neither does a mineral ("Sylvite, 25 % in sylvinite").
    """
    head = str(name).split(",", 1)[0].strip()
    if head in NAMES:  # biosphere3 names some multi-metal ore flows by symbol: "Pd, Pd 2.0E-4%, Pt 4.8E-4%, ..."
        return head
    return _BY_NAME.get(head.lower())
