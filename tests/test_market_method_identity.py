"""The register and the classes weigh declarations' values against each other: only values of one engine's factors.

Before, ``market add`` registered a declaration under 'EF v3.0' (or one recording other factors for a declared
category) beside EF 3.1 ones, exit 0, and ``classes assign`` gave it a class of thresholds derived from other
factors' values.  These tests fail on that code.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import footprint
from footprint.errors import FootprintError
from footprint.inputs.upstream import content_hash
from footprint.market.classes import category_result

from testenv import python_path  # the suite's clock goes with PYTHONPATH (tests/clock_site)


def _write(tmp_path: Path, document: dict, name: str) -> Path:
    document["content_sha256"] = content_hash(document)
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _copy(example_declaration: dict) -> dict:
    return json.loads(json.dumps(example_declaration))


def test_market_add_refuses_a_declaration_under_another_method(project, example_declaration, tmp_path):
    document = _copy(example_declaration)
    document["method"]["name"] = "EF v3.0"
    path = _write(tmp_path, document, "ef30.json")
    with pytest.raises(FootprintError, match="another impact assessment method") as caught:
        footprint.api.market_add([path], mass_kg=1000, year=2025, register=tmp_path / "register.csv")
    assert caught.value.exit_code == 2 and caught.value.field == "method.name"


def test_market_add_refuses_a_declared_category_of_other_factors(project, example_declaration, tmp_path):
    document = _copy(example_declaration)
    document["provenance"]["methods"]["climate_change"]["sha256"] = "f" * 64
    path = _write(tmp_path, document, "other-factors.json")
    with pytest.raises(FootprintError, match="'climate_change' was characterised with other factors") as caught:
        footprint.api.market_add([path], mass_kg=1000, year=2025, register=tmp_path / "register.csv")
    assert caught.value.exit_code == 2 and "ffffffffffffffff" in str(caught.value)


def test_classes_refuse_a_value_of_other_factors(project, example_declaration):
    document = _copy(example_declaration)
    document["provenance"]["methods"]["climate_change"]["sha256"] = "f" * 64
    document["content_sha256"] = content_hash(document)
    with pytest.raises(FootprintError, match="other factors"):
        category_result(document, "climate_change")
    assert category_result(example_declaration, "climate_change")["category"] == "climate_change"


def test_a_declaration_of_this_engines_factors_is_registered(project, example_declaration, tmp_path):
    path = _write(tmp_path, _copy(example_declaration), "ours.json")
    footprint.api.market_add([path], mass_kg=1000, year=2025, register=tmp_path / "register.csv")


def test_a_machine_never_set_up_refuses_rather_than_skipping_the_factor_check(project, example_declaration,
                                                                               tmp_path):
    """A register kept on a machine never set up has no factors to compare a declaration's with: the check was
    skipped there, so a declaration recording other factors for climate change was registered, exit 0."""
    import os
    import subprocess
    import sys

    document = _copy(example_declaration)
    document["provenance"]["methods"]["climate_change"]["sha256"] = "f" * 64
    path = _write(tmp_path, document, "other-factors.json")
    register = tmp_path / "register.csv"
    fresh = tmp_path / "never-set-up"
    fresh.mkdir()
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "FOOTPRINT_HOME": str(fresh), "PYTHONPATH": python_path(repo)}
    ran = subprocess.run([sys.executable, str(repo / "cli.py"), "market", "add", str(path), "--mass", "1000",
                          "--year", "2025", "--register", str(register)], env=env, capture_output=True, text=True)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "not set up" in ran.stderr and "footprint setup" in ran.stderr and "Traceback" not in ran.stderr
    assert not register.exists()
