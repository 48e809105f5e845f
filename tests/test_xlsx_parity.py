"""YAML and XLSX say the same thing: every shipped example, and a richer variant of it, declared both ways.

The README promises that a filled workbook is read into exactly what the YAML gives and held to the same
checks.  tests/test_template.py compares the declared values of each example's twin; this compares the
whole declaration (data quality and its scores per process, the primary-data share, the bill of
materials, allocation, cut-off, recycled content, provenance of datasets and suppliers, warnings),
leaving out only what names the input file itself (its path and hash, and the id and content hash derived
from them), and the activity data each is read into (where the distributions are: a seeded Monte Carlo
draws in the rows' order, so the YAML and its twin, whose rows follow the template, are not compared by
their Monte Carlo results).  The variant adds to each example what it does not use: a distribution
of each type, an input's own DQR and data type, an exclusion with its estimate, comments.  The twin is
made by tests/xlsx_twin.py, which fails on any YAML key the workbook has no cell for.
"""
from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
import shutil
from pathlib import Path

import pytest
import yaml

import footprint
from footprint._yaml import loads
from test_metamorphic import _sort_key  # lists compared as multisets
from xlsx_twin import fill

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (REPO / "examples").glob("*/activity-2025.yaml")
                  if (REPO / "rules" / f"{p.parent.name}.yaml").exists())
CREATED = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)


def _distributions():
    """One distribution of each type, in turn, around an amount."""
    for kind in itertools.cycle(("lognormal", "normal", "triangular", "uniform")):
        yield kind


def enriched(data: dict) -> dict:
    """The example with what it does not use: a distribution on each positive amount (each type in turn), an own
    DQR and 'secondary' on every other input, a comment, and a small exclusion with its estimate per process."""
    data = copy.deepcopy(data)
    kinds = _distributions()
    data["comment"] = "parity variant"
    for pid, process in data["processes"].items():
        for group in ("inputs", "transport", "emissions"):
            for index, entry in enumerate(process.get(group) or []):
                amount = entry.get("amount")
                if not isinstance(amount, (int, float)) or amount <= 0 or "from" in entry:
                    continue
                kind = next(kinds)
                entry["uncertainty"] = {"lognormal": {"type": "lognormal", "gsd": 1.15},
                                        "normal": {"type": "normal", "sd": 0.05 * amount},
                                        "triangular": {"type": "triangular", "minimum": 0.9 * amount,
                                                       "maximum": 1.2 * amount, "mode": amount},
                                        "uniform": {"type": "uniform", "minimum": 0.8 * amount,
                                                    "maximum": 1.1 * amount}}[kind]
                if index % 2 == 0 and "dqr" not in entry:
                    entry["dqr"] = {"TeR": 2, "GeR": 1, "TiR": 2, "P": 3}
                if index % 2 == 1 and group != "transport" and "data_type" not in entry:
                    entry["data_type"] = "secondary"
                entry.setdefault("comment", f"{group} {index} of {pid}")
        process.setdefault("excluded", []).append({"item": f"laboratory reagents of {pid}",
                                                   "estimated_share": 0.0005, "reason": "below the cut-off"})
    return data


def _without_file_identity(document: dict, names: tuple[str, str]) -> dict:
    """The document less what names the activity file (its path and hash; the id and content hash made from them)."""
    document = copy.deepcopy(document)
    for key in ("id", "content_sha256"):
        document.pop(key)
    record = document["provenance"]["activity_data"]
    assert Path(record.pop("path")).name in names
    assert len(record.pop("sha256")) == 64
    return document


def _differences(a, b, where: str = "") -> list[str]:
    """Every place where the two documents differ (floats to 1e-12: sums of the same terms in another order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{key}: only in {'YAML' if key in a else 'XLSX'}" for key in a.keys() ^ b.keys()]
        for key in a.keys() & b.keys():
            out += _differences(a[key], b[key], f"{where}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items in YAML, {len(b)} in XLSX"]
        if a and all(isinstance(x, dict) for x in a + b):  # records follow the rows' order: compared as sets
            a, b = sorted(a, key=_sort_key), sorted(b, key=_sort_key)
        return [d for index, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{where}[{index}]")]
    if isinstance(a, str) and isinstance(b, str) and "processes." in a:  # a warning naming fields of the rows
        a, b = (FIELD_INDEX.sub("[i]", text) for text in (a, b))         # in each file's order (see below)
    if isinstance(a, float) and isinstance(b, float):
        return [] if b == pytest.approx(a, rel=1e-12, abs=1e-300) else [f"{where}: YAML {a!r}, XLSX {b!r}"]
    return [] if a == b else [f"{where}: YAML {a!r}, XLSX {b!r}"]


#: A warning names an amount by its field path, whose index counts the process's rows in the file's order (the
#: YAML's lines, the workbook's rows): the same amount has another index in the twin.
FIELD_INDEX = re.compile(r"\[\d+\]")


@pytest.fixture(scope="module")
def templates(project, tmp_path_factory) -> Path:
    """Each rule's XLSX template, made once; the suppliers' declarations beside the data (../suppliers/...)."""
    root = tmp_path_factory.mktemp("parity")
    shutil.copytree(REPO / "examples" / "suppliers", root / "suppliers")
    for example in EXAMPLES:
        footprint.make_template(example.parent.name, root / f"{example.parent.name}.xlsx", fmt="xlsx")
    return root


def _twins(templates: Path, example: Path, data: dict, name: str) -> tuple[Path, Path]:
    """The YAML and its XLSX twin, side by side (supplier paths resolve alike)."""
    folder = templates / example.parent.name
    folder.mkdir(exist_ok=True)
    source = folder / f"{name}.yaml"
    source.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return source, fill(templates / f"{example.parent.name}.xlsx", data, folder / f"{name}.xlsx")


@pytest.mark.parametrize("variant", ["as shipped", "enriched"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_xlsx_twin_declares_the_same_document(templates, example, variant):
    data = loads(example.read_text(encoding="utf-8"))
    if variant == "enriched":
        data = enriched(data)
    source, twin = _twins(templates, example, data, "activity" if variant == "as shipped" else "enriched")
    rule = example.parent.name
    options = dict(refuse_gaps=False, created=CREATED)
    # examples refused for a declared category without data (tests/test_rules_library.py KNOWN_COVERAGE_GAPS)
    # are compared without that refusal: the parity is about the workbook
    from_yaml = footprint.api._declare(rule, source, **options)
    from_xlsx = footprint.api._declare(rule, twin, **options)
    names = (source.name, twin.name)
    differences = _differences(_without_file_identity(from_yaml, names), _without_file_identity(from_xlsx, names))
    assert not differences, "\n".join(differences[:20])


def _model(path: Path) -> dict:
    """The activity data as the engine gets it, without comments (the template's own notes stay in its rows)."""
    from footprint.inputs.activity import load_activity

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "comment"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(load_activity(path).data.model_dump(by_alias=True))


@pytest.mark.parametrize("variant", ["as shipped", "enriched"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_xlsx_twin_is_read_into_the_same_activity_data(templates, example, variant):
    """Field by field, distributions, DQR, data types, datasets, suppliers, assays, exclusions and not_used
    included; an input stated not used is a 0 in its row in the workbook and in not_used in YAML, so an
    amount of 0 in either is taken as not used by both."""
    data = loads(example.read_text(encoding="utf-8"))
    if variant == "enriched":
        data = enriched(data)
    source, twin = _twins(templates, example, data, "activity" if variant == "as shipped" else "enriched")
    differences = _differences(_model(source), _model(twin))
    assert not differences, "\n".join(differences[:20])


#: What YAML can say and the workbook has no cell for (a product decision, listed so that closing a gap updates
#: this list): a transport leg as mass x distance (the workbook takes its t*km), a lognormal's 'scale' (the
#: workbook takes gsd = exp(scale)), and a comment on the recycled content or on a whole process.
GAPS = [
    ("transport leg as mass and distance", lambda data: data["processes"]["roasting"]["transport"].__setitem__(
        0, {"kind": "lorry", "mass": {"amount": 25000, "unit": "t"}, "distance": {"amount": 100, "unit": "km"}})),
    ("lognormal scale", lambda data: data["processes"]["mining"]["inputs"][1].__setitem__(
        "uncertainty", {"type": "lognormal", "scale": 0.1})),
    ("process comment", lambda data: data["processes"]["mining"].__setitem__("comment", "two pits")),
]


@pytest.mark.parametrize("name, edit", GAPS, ids=[name for name, _edit in GAPS])
def test_what_the_workbook_cannot_say_is_known(project, tmp_path, name, edit):
    from xlsx_twin import NoPlaceInWorkbook

    data = loads((REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml").read_text(encoding="utf-8"))
    edit(data)
    footprint.make_template("ndpr-oxide", tmp_path / "template.xlsx", fmt="xlsx")
    with pytest.raises(NoPlaceInWorkbook):
        fill(tmp_path / "template.xlsx", data, tmp_path / "twin.xlsx")
