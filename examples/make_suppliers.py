"""Regenerate the example suppliers' declarations that downstream examples use as inputs.

The NdFeB chain is a chain of declarations: the NdPr-metal example buys NdPr oxide,
the Dy-oxide example buys mixed rare-earth oxide, the magnet example buys NdPr metal
and Dy metal.  Each downstream example names its supplier's declaration JSON, and
footprint refuses a supplier file whose content hash does not match, so these files
must be written by footprint itself.  This script writes them in dependency order,
with a fixed creation time so that a rerun on the same inputs gives the same files.

    FOOTPRINT_HOME=$(mktemp -d) .venv/bin/python examples/make_suppliers.py

Rerun it after changing an upstream rule, example, inventory or footprint's version,
then rerun the downstream examples (their declarations change with their suppliers').

A link whose declaration is refused (a declared category without any data, see KNOWN_COVERAGE_GAPS in
tests/test_rules_library.py; mixed-reo-iac's freshwater eutrophication was one until issue 12's fifth round)
keeps its committed file (still a valid input) and the script goes on with the links that declare.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import footprint

HERE = Path(__file__).resolve().parent
SUPPLIERS = HERE / "suppliers"
CREATED = dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc)

#: (rule id, example activity data, supplier file) in dependency order.
CHAIN = [
    ("ndpr-oxide", "ndpr-oxide/activity-2025.yaml", "ndpr-oxide-2025.json"),
    ("mixed-reo-iac", "mixed-reo-iac/activity-2025.yaml", "mixed-reo-iac-2025.json"),
    ("dy-oxide", "dy-oxide/activity-2025.yaml", "dy-oxide-2025.json"),
    ("ndpr-metal", "ndpr-metal/activity-2025.yaml", "ndpr-metal-2025.json"),
    ("dy-metal", "dy-metal/activity-2025.yaml", "dy-metal-2025.json"),
]


def main() -> None:
    SUPPLIERS.mkdir(exist_ok=True)
    from footprint.api import CoverageError

    for rule, data, name in CHAIN:
        try:
            document = footprint.declare(rule, HERE / data, created=CREATED)
        except CoverageError as refused:  # keep the committed file of this link, go on with the others
            reason = " ".join(str(refused).replace(f"{HERE.parent}/", "").split())
            print(f"examples/suppliers/{name}: kept (refused: {reason[:150]}...)")
            continue
        path = footprint.write_declaration(document, SUPPLIERS / name, force=True)
        climate = next(r for r in document["results"] if r["category"] == "climate_change")
        print(f"{path.relative_to(HERE.parent)}: {document['declared_unit']['product']}, "
              f"{climate['value']:.4g} {climate['unit']} per kg")


if __name__ == "__main__":
    main()
