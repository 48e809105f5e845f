"""Re-derive the values transcribed from premise's additional inventories (a reviewer's tool, not run time).

premise (Paul Scherrer Institut, BSD-3-Clause) ships Brightway-Excel life-cycle inventories transcribed
from published studies in ``premise/data/additional_inventories/*.xlsx``.  Their technosphere inputs
point to ecoinvent datasets this library does not have, so the library keeps only what the studies
themselves state: the direct (biosphere) exchanges and the amounts of each input.  This script walks
the chain *inside one workbook* (an activity's inputs that are themselves activities of the same
workbook are expanded, scaled by their amounts) and prints, per 1 unit of the activity asked for:

* every biosphere exchange summed over the chain (name, compartment, amount, unit), and
* every input that leaves the workbook (to ecoinvent), summed, so each can be linked to one of the
  library's datasets or named as a cut-off.

Usage (the wheel is a zip; nothing is installed)::

    python inventories/tools/premise_chain.py premise-2.5.2-py3-none-any.whl lci-lithium.xlsx \
        "lithium carbonate production, from Salar de Atacama" CL

A fifth argument (a scale such as ``1/36.34``) also prints the summed biosphere flows as this library's
YAML exchanges, multiplied by it (used for fuel/natural-gas-upstream: per MJ at 36.34 MJ per m3).

The footprint package never imports this file and needs neither the wheel nor openpyxl at run time.
"""
from __future__ import annotations

import io
import sys
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

PREFIX = "premise/data/additional_inventories/"


@dataclass
class Activity:
    name: str
    location: str
    unit: str
    product: str
    sheet: str
    row: int
    fields: dict = field(default_factory=dict)
    exchanges: list[dict] = field(default_factory=list)


def read_workbook(wheel: str, member: str) -> list[Activity]:
    """Every activity of one workbook, with its exchanges as dicts keyed by the sheet's header row."""
    import openpyxl  # only this tool needs it

    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(PREFIX + member)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    activities: list[Activity] = []
    for sheet in book.worksheets:
        current: Activity | None = None
        header: list[str] | None = None
        in_exchanges = False
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            cells = list(row)
            first = cells[0] if cells else None
            if first is None or str(first).strip() == "":
                in_exchanges = False
                header = None
                continue
            first = str(first).strip()
            if first == "Activity":
                current = Activity(name=str(cells[1]).strip(), location="", unit="", product="", sheet=sheet.title,
                                   row=number)
                activities.append(current)
                in_exchanges = False
                continue
            if current is None:
                continue
            if first == "Exchanges":
                in_exchanges = True
                header = None
                continue
            if in_exchanges and header is None:
                header = [str(c).strip() if c is not None else "" for c in cells]
                continue
            if in_exchanges and header:
                exchange = {h: c for h, c in zip(header, cells) if h}
                exchange["_row"] = number
                current.exchanges.append(exchange)
                continue
            value = cells[1] if len(cells) > 1 else None
            current.fields[first] = value
            if first == "location":
                current.location = str(value).strip()
            elif first == "unit":
                current.unit = str(value).strip()
            elif first == "reference product":
                current.product = str(value).strip()
    return activities


def _key(name: str, location: str) -> tuple[str, str]:
    return (str(name).strip().lower(), str(location).strip())


def aggregate(activities: list[Activity], name: str, location: str):
    """Biosphere flows and external inputs per 1 unit of (name, location), expanding in-workbook inputs."""
    index = {}
    for activity in activities:
        index.setdefault(_key(activity.name, activity.location), activity)
    biosphere: dict[tuple, float] = defaultdict(float)
    external: dict[tuple, float] = defaultdict(float)
    rows: dict[tuple, list] = defaultdict(list)
    by_activity: dict[tuple, float] = defaultdict(float)  # (activity that holds it, input or flow) -> amount

    def walk(activity: Activity, scale: float, trail: tuple) -> None:
        for exchange in activity.exchanges:
            kind = str(exchange.get("type", "")).strip()
            amount = float(exchange.get("amount") or 0.0) * scale
            if kind == "production":
                continue
            if kind == "biosphere":
                key = (str(exchange["name"]).strip(), str(exchange.get("categories", "")).strip(),
                       str(exchange.get("unit", "")).strip())
                biosphere[key] += amount
                by_activity[(activity.name, key)] += amount
                rows[key].append(f"{activity.sheet}!{exchange['_row']}")
                continue
            inner = index.get(_key(exchange["name"], exchange.get("location", "")))
            if inner is not None and inner is not activity and _key(inner.name, inner.location) not in trail:
                walk(inner, amount, trail + (_key(inner.name, inner.location),))
            else:
                key = (str(exchange["name"]).strip(), str(exchange.get("location", "")).strip(),
                       str(exchange.get("unit", "")).strip())
                external[key] += amount
                by_activity[(activity.name, key)] += amount
                rows[key].append(f"{activity.sheet}!{exchange['_row']}")

    top = index[_key(name, location)]
    walk(top, 1.0, (_key(name, location),))
    return top, dict(biosphere), dict(external), dict(rows), dict(by_activity)


def main(argv: list[str]) -> None:
    wheel, member, name, location = argv[1:5]
    top, biosphere, external, rows, by_activity = aggregate(read_workbook(wheel, member), name, location)
    print(f"# {member} / sheet {top.sheet!r} row {top.row}: {top.name} [{top.location}], per 1 {top.unit}")
    print("# biosphere (summed over the in-workbook chain)")
    for (flow, compartment, unit), amount in sorted(biosphere.items()):
        print(f"{amount:.6g}\t{unit}\t{flow}\t{compartment}\t{','.join(rows[(flow, compartment, unit)])}")
    print("# inputs leaving the workbook (link to the library or cut off)")
    for (flow, loc, unit), amount in sorted(external.items()):
        print(f"{amount:.6g}\t{unit}\t{flow} [{loc}]\t{','.join(rows[(flow, loc, unit)])}")
    print("# the same, by the activity of the chain that holds each exchange")
    for (holder, (flow, loc, unit)), amount in sorted(by_activity.items()):
        print(f"{holder}\t{amount:.6g}\t{unit}\t{flow} [{loc}]")


if __name__ == "__main__":
    main(sys.argv)


#: premise/ecoinvent 3.8 names -> the biosphere3 names this library resolves (bw2io's EF 3.1 flow list)
RENAMED = {
    "Particulates, < 2.5 um": "Particulate Matter, < 2.5 um",
    "Particulates, > 2.5 um, and < 10um": "Particulate Matter, > 2.5 um and < 10um",
    "Particulates, > 10 um": "Particulate Matter, > 10 um",
    "Gas, natural, in ground": "Gas, natural",
    # ecoinvent 3.9 renamed metal emissions by oxidation state (premise's newer sheets use these names)
    "AOX, Adsorbable Organic Halogen as Cl": "AOX, Adsorbable Organic Halogen",
    "Aluminium": "Aluminium III", "Arsenic, ion": "Arsenic ion", "Barium": "Barium II",
    "Cadmium": "Cadmium II", "Cadmium, ion": "Cadmium II", "Calcium, ion": "Calcium II",
    "Chromium": "Chromium III", "Chromium, ion": "Chromium III", "Copper": "Copper ion", "Copper, ion": "Copper ion",
    "Iron, ion": "Iron ion", "Lead": "Lead II", "Manganese": "Manganese II", "Mercury": "Mercury II",
    "Nickel": "Nickel II", "Nickel, ion": "Nickel II", "Potassium, ion": "Potassium I", "Selenium": "Selenium IV",
    "Sodium, ion": "Sodium I", "Zinc": "Zinc II", "Zinc, ion": "Zinc II",
    "NMVOC, non-methane volatile organic compounds, unspecified origin": "NMVOC, non-methane volatile organic compounds",
    # water emissions of the ESU crude chain (fuel/diesel-upstream), by their ecoinvent 3.9 names
    "Ammonium, ion": "Ammonium", "Cesium": "Caesium", "Lithium, ion": "Lithium I", "Molybdenum": "Molybdenum VI",
    "Silver, ion": "Silver I", "Titanium, ion": "Titanium ion", "Vanadium, ion": "Vanadium V",
    "VOC, volatile organic compounds, unspecified origin": "VOC, volatile organic compounds",
}
UNITS = {"kilogram": "kg", "kilo Becquerel": "kBq", "cubic meter": "m**3", "megajoule": "MJ"}


def biosphere_yaml(biosphere: dict, scale: float, skip=("natural resource::land",), skip_names=("Heat, waste",)) -> str:
    """The summed biosphere flows as this library's exchange entries, each amount x ``scale``."""
    merged: dict[tuple, float] = defaultdict(float)
    for (flow, compartment, unit), amount in biosphere.items():
        if compartment in skip or flow in skip_names or unit not in UNITS:
            continue
        merged[(RENAMED.get(flow, flow), compartment, UNITS[unit])] += amount * scale
    out = []
    for (flow, compartment, unit), amount in sorted(merged.items()):
        if amount == 0:
            continue
        categories = ", ".join(part.strip() for part in compartment.split("::"))
        out.append(f'  - type: biosphere\n    name: "{flow}"\n    categories: [{categories}]\n'
                   f'    amount: {amount:.6g}\n    unit: "{unit}"')
    return "\n".join(out)


def _number(text: str) -> float:
    """'0.5' or '1/36.34' (a scale written as the reviewer would: per MJ at 36.34 MJ per m3)."""
    top, _, bottom = text.partition("/")
    return float(top) / float(bottom) if bottom else float(top)


if __name__ == "__main__" and len(sys.argv) > 5:  # ... NAME LOCATION SCALE: also the YAML exchanges, x SCALE
    _top, _biosphere, *_rest = aggregate(read_workbook(*sys.argv[1:3]), sys.argv[3], sys.argv[4])
    print(f"# YAML exchanges: the biosphere above x {sys.argv[5]} (land use and waste heat left out)")
    print(biosphere_yaml(_biosphere, _number(sys.argv[5])))
