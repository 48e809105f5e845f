"""Writes the sample import files of the README (examples/imports/): one tiny database in each format.

The same two-dataset system in EcoSpold2 (ecoinvent's format), the Brightway Excel format and openLCA
JSON-LD (USLCI's format), built by tests/importdata.py, where the hand calculation is written down:

* "electricity production, test" (1 kWh, CN): 0.5 kg CO2 fossil + 0.001 kg CH4 fossil to air
  -> 0.5 + 0.001 x 29.8 = 0.5298 kg CO2-eq/kWh (EF 3.1 GWP100);
* "acid production, test" (1 kg, CN): 0.2 kWh of that electricity + 0.1 kg CO2 fossil
  -> 0.2 x 0.5298 + 0.1 = 0.20596 kg CO2-eq/kg.

They are test data, not real inventories: they show the import and mapping commands working.

    .venv/bin/python examples/imports/generate.py      # rewrites the files beside this script
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))

import importdata  # noqa: E402 - tests/importdata.py, the one definition of the sample system


def main() -> None:
    shutil.rmtree(HERE / "ecospold2", ignore_errors=True)
    importdata.ecospold2(HERE / "ecospold2")
    importdata.excel(HERE / "excel-sample.xlsx", database="sample-excel")
    importdata.jsonld(HERE / "jsonld-sample.zip")
    print(f"written: {HERE / 'ecospold2'}, {HERE / 'excel-sample.xlsx'}, {HERE / 'jsonld-sample.zip'}")


if __name__ == "__main__":
    main()
