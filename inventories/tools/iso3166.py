"""Write footprint/inputs/iso3166.json: ISO 3166-1 alpha-2 countries and ISO 3166-2 subdivisions.

The codes come from Debian's iso-codes database as packaged by pycountry (the package is needed only
to regenerate the file: ``.venv/bin/pip install pycountry && .venv/bin/python inventories/tools/iso3166.py``).
The engine reads the JSON, not pycountry: a declaration does not depend on which pycountry a machine has.
"""
from __future__ import annotations

import json
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parents[2] / "footprint" / "inputs" / "iso3166.json"


def main() -> None:
    countries = {c.alpha_2: c.name for c in pycountry.countries}
    subdivisions: dict[str, dict[str, str]] = {}
    for s in pycountry.subdivisions:
        subdivisions.setdefault(s.country_code, {})[s.code] = s.name
    version = getattr(pycountry, "__version__", None)
    if version is None:
        from importlib.metadata import version as _version
        version = _version("pycountry")
    doc = {"source": f"ISO 3166-1 alpha-2 and ISO 3166-2 codes, Debian iso-codes as packaged by pycountry {version}",
           "countries": countries, "subdivisions": subdivisions}
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=0, separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{OUT}: {len(countries)} countries, {sum(map(len, subdivisions.values()))} subdivisions")


if __name__ == "__main__":
    main()
