"""Generate the synthetic market register in this folder (register.csv), reproducibly.

Why: performance classes (CRMA Annex V point 8) are derived from the declarations
placed on the EU market in the previous three years.  No such register exists yet,
so this script builds a synthetic one with the spread the literature shows, to
exercise and demonstrate `footprint classes derive|assign|revise`.  It is NOT market
data: every row is invented from the parameters below.

Run:  python examples/market/generate.py [--out DIR]      (fixed seed: same bytes every run)

Parameters and their sources
----------------------------
Climate-change values (kg CO2-Eq per kg of product) are drawn from the lognormal
distributions proposed in ../shared/domain/ree-data.md section 5.2 ("Proposed
synthetic market distributions for the performance-class thresholds"):

    product                         p5   median  p95     (ree-data.md §5.2 table)
    NdPr / Nd oxide (economic)      10   25      61
    Primary sintered NdFeB magnet   15   28      54

with mu = ln(median) and sigma = ln(p95/p5) / 3.29 (the same note; 3.29 = 2 x 1.645,
the distance between the 5th and 95th percentiles of a standard normal).  The script
computes sigma from p5 and p95 rather than copying the rounded 0.55 / 0.40.

Masses placed on the market are a stated assumption, not a statistic: each synthetic
producer has a fixed annual mass drawn once from a lognormal with median 100 t and
sigma 1.0 (firm sizes spread over about a factor 7 either side of the median at
+/-2 sigma).  Mass-weighted quantiles do not depend on the absolute scale of the
masses (multiplying every mass by a constant leaves every weighted quantile
unchanged), so only sigma matters for the thresholds; it is a judgement chosen so that
mass weighting visibly differs from counting.

Values and masses are independent draws, and the distribution does not drift over
the four years (no assumed technology trend): a revision of the synthetic market
therefore moves declarations only by sampling noise.

Counts: 30 oxide producers and 60 magnet producers (judgement: a concentrated
separation industry, a wider magnet-making one), each placing one declaration per
year on the market in 2022-2025: 4 x 90 = 360 declarations.
"""
from __future__ import annotations

import argparse
import csv
import math
import random
import uuid
from pathlib import Path

SEED = 20240531  # fixed seed; any integer would do (this one is not a parameter of the model)
YEARS = (2022, 2023, 2024, 2025)
Z95 = 1.645  # standard normal 95th percentile; p95/p5 spans 2 x 1.645 = 3.29 sigma
NAMESPACE = uuid.UUID("0b8c4d0e-5e3a-4f51-9a3c-6d61726b6574")
MASS_MEDIAN_KG = 100_000.0  # assumption (see docstring); scale-free for mass-weighted quantiles
MASS_SIGMA = 1.0            # assumption (see docstring)
UNIT = "kg CO2-Eq"          # the unit footprint declarations give for climate_change (EF 3.1)
# assumption: each synthetic value stands for a complete footprint (the spreads it is drawn from are of full
# cradle-to-gate studies); the register refuses a value whose coverage is not stated
COVERAGE = "complete"

PRODUCTS = (
    # rule id, rule version, label, producers, p5, median, p95 (ree-data.md §5.2)
    ("ndpr-oxide", "1.0.0", "NdPr oxide", 30, 10.0, 25.0, 61.0),
    ("ndfeb-magnet", "1.0.0", "sintered NdFeB magnet", 60, 15.0, 28.0, 54.0),
)
HEADER = ["declaration_id", "rule_id", "rule_version", "declarant", "date", "year", "mass_kg", "content_sha256",
          "value:climate_change", "unit:climate_change", "coverage:climate_change"]


def rows(seed: int = SEED) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for rule_id, version, label, producers, p5, median, p95 in PRODUCTS:
        mu, sigma = math.log(median), math.log(p95 / p5) / (2 * Z95)
        masses = [rng.lognormvariate(math.log(MASS_MEDIAN_KG), MASS_SIGMA) for _ in range(producers)]
        for year in YEARS:
            for index in range(producers):
                producer = f"Synthetic {label} producer {index + 1:03d}"
                value = rng.lognormvariate(mu, sigma)
                ident = uuid.uuid5(NAMESPACE, f"{rule_id}|{index + 1}|{year}")
                out.append([f"urn:uuid:{ident}", rule_id, version, producer, f"{year}-01-31", str(year),
                            f"{masses[index]:.0f}", "", f"{value:.4g}", UNIT, COVERAGE])
    return out


def write(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="output directory (default: this folder)")
    args = parser.parse_args()
    print(write(args.out))


if __name__ == "__main__":
    main()
