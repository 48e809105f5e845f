"""Review of the data wing (footprint/data, _io, _yaml, _canonical): each test fails on the defect it names."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from footprint import _io
from footprint.data import methods
from footprint.errors import MethodError

from test_background import imported, mapping  # noqa: F401 - fixtures: a real project with two imported databases


def _rewrite_after_parse(monkeypatch, path: Path, later: bytes) -> None:
    """Simulate a writer that saves ``path`` right after footprint read it (between parse and any second read)."""
    original = _io._parse_yaml

    def parse_then_file_changes(text, where, error):
        parsed = original(text, where, error)
        if Path(where) == path:  # this file only, right after its own parse
            path.write_bytes(later)
        return parsed

    monkeypatch.setattr(_io, "_parse_yaml", parse_then_file_changes)


def test_extension_hash_is_of_the_bytes_parsed_not_of_a_second_read(tmp_path, monkeypatch):
    """The CF extension recorded with a declaration must hash the text its factors came from: the hash
    was of a second read, so a save in between recorded version B's hash beside version A's factors
    (and set-up's copy check, which compares the copy with that hash, then passed on B)."""
    body = """id: test-ext
version: "9"
base_method: ["EF v3.1", "material resources: metals/minerals",
              "abiotic depletion potential (ADP): elements (ultimate reserves)"]
method: ["EF v3.1 + footprint-adp-ree", "material resources: metals/minerals",
         "abiotic depletion potential (ADP): elements (ultimate reserves)"]
unit: kg Sb-Eq
factors:
  - {element: Nd, flows: [[Neodymium, [natural resource, in ground]]], cf: 1.0e-7, source: test}
"""
    path = tmp_path / "ext.yaml"
    path.write_text(body)
    _rewrite_after_parse(monkeypatch, path, body.replace("1.0e-7", "2.0e-7").encode())
    extension = methods._read_extension(path)
    assert extension.factors[0].cf == 1.0e-7
    assert extension.sha256 == hashlib.sha256(body.encode()).hexdigest()


def test_extension_unreadable_is_a_clear_error(tmp_path):
    with pytest.raises(MethodError) as err:
        methods._read_extension(tmp_path / "missing.yaml")
    assert "missing.yaml" in str(err.value)


def test_mapping_hash_is_of_the_bytes_parsed_not_of_a_second_read(mapping, monkeypatch):  # noqa: F811
    """Same for a background mapping file: the sha256 a declaration records (and verify compares) is
    of the mapping that was resolved, not of whatever the file held a moment later."""
    from footprint.data import background

    before = mapping.read_bytes()
    _rewrite_after_parse(monkeypatch, mapping, before.replace(b"acid production", b"another production"))
    loaded = background.load_mapping(mapping)
    assert loaded.sha256 == hashlib.sha256(before).hexdigest()


def test_pedigree_memos_follow_the_table_in_use(tmp_path, monkeypatch):
    """lognormal and emission_class are kept per table: a reloaded table (other factors) gives its own
    sigma, never the one derived from the previous table.  (The lognormal memo was keyed on id(table()),
    which a new table at a freed table's address would have matched.)"""
    import math

    from footprint.data import pedigree
    from footprint.inputs.dqr import DQR

    dqr = DQR(TeR=2, GeR=1, TiR=1, P=1)
    before = pedigree.lognormal("demand", 1.05, dqr).scale
    # ln(1.05) basic, TeR 2 -> further_technological_correlation U 1.05 (pedigree.yaml), the rest 1:
    # sigma = sqrt(ln(1.05)^2 + ln(1.05)^2) / 2
    assert before == pytest.approx(math.sqrt(2 * math.log(1.05) ** 2) / 2, rel=1e-12)
    changed = tmp_path / "pedigree.yaml"
    changed.write_text(pedigree.TABLE.read_text().replace("[1.00, 1.05, 1.20, 1.50, 2.00]",
                                                          "[1.00, 1.50, 1.20, 1.50, 2.00]"))
    monkeypatch.setattr(pedigree, "TABLE", changed)
    pedigree.table.cache_clear()
    try:
        after = pedigree.lognormal("demand", 1.05, dqr).scale
        # the reloaded table's U for TeR 2 is 1.50: sigma = sqrt(ln(1.05)^2 + ln(1.5)^2) / 2
        assert after == pytest.approx(math.sqrt(math.log(1.05) ** 2 + math.log(1.5) ** 2) / 2, rel=1e-12)
    finally:
        monkeypatch.undo()
        pedigree.table.cache_clear()
    assert pedigree.lognormal("demand", 1.05, dqr).scale == before


def test_dataset_hashes_do_not_depend_on_how_the_codes_are_given(project):
    """The hashes a declaration records of the datasets it used: the closure was walked twice, so codes
    given as an iterator recorded no dataset at all (an empty provenance, exit 0)."""
    from footprint.data import project as fp_project

    snapshot = fp_project.open_snapshot()
    codes = ["electricity/CN-NM"]
    listed = snapshot.datasets_sha256(list(codes))
    assert "electricity/CN-NM" in listed and all(len(h) == 64 for h in listed.values())
    assert snapshot.datasets_sha256(iter(codes)) == listed


def test_library_hash_is_of_the_bytes_parsed_not_of_a_second_read(tmp_path, monkeypatch):
    """load_catalogue parsed each dataset file and then read it again for the library's sha256: a save in
    between gave a catalogue of version A under version B's hash, which set-up's copy check (the copies
    hashed against catalogue.sha256) then accepted while the snapshot was written from A."""
    from footprint.data import inventory

    import shutil

    root = tmp_path / "lib"
    shutil.copytree(inventory.inventories_dirs()[0], root)
    path = root / "electricity" / "CN-NM.yaml"
    original = path.read_bytes()
    expected = inventory._library_sha256([root])
    _rewrite_after_parse(monkeypatch, path, original + b"\n# saved again\n")
    catalogue = inventory.load_catalogue([root])
    assert catalogue.sha256 == expected


def test_a_rule_records_the_hash_of_the_bytes_it_parsed(tmp_path, monkeypatch):
    """A rule file saved again right after it was parsed: the recorded hash is still the parsed version's."""
    import hashlib
    import shutil

    from footprint.inputs import rule as rule_module

    path = tmp_path / "ndpr-oxide.yaml"
    shutil.copy(Path(__file__).resolve().parents[1] / "rules" / "ndpr-oxide.yaml", path)
    parsed = path.read_bytes()
    real = rule_module.Rule.model_validate

    def validate_then_edit(raw, *args, **kwargs):
        model = real(raw, *args, **kwargs)
        path.write_bytes(parsed + b"\n# saved again after parsing\n")
        return model

    monkeypatch.setattr(rule_module.Rule, "model_validate", validate_then_edit)
    loaded = rule_module._parse_rule(path)
    assert loaded.sha256 == hashlib.sha256(parsed).hexdigest()


def test_an_xlsx_activity_file_records_the_hash_of_the_bytes_it_parsed(tmp_path, monkeypatch):
    """The workbook is opened three times (formula check, values); all three and the hash are one read."""
    import hashlib

    import footprint
    from footprint.inputs import activity_xlsx
    from footprint.inputs.activity import load_activity

    from test_template import EXAMPLE, fill_from_yaml

    template, workbook = tmp_path / "template.xlsx", tmp_path / "data.xlsx"
    footprint.make_template("ndpr-oxide", template, fmt="xlsx")
    fill_from_yaml(template, EXAMPLE, workbook)
    parsed = workbook.read_bytes()
    real = activity_xlsx._check_formulas

    def check_then_edit(path, *args):
        result = real(path, *args)
        path.write_bytes(b"not a workbook any more")
        return result

    monkeypatch.setattr(activity_xlsx, "_check_formulas", check_then_edit)
    try:
        loaded = load_activity(workbook)
    except footprint.errors.FootprintError:
        pytest.fail("the values must come from the bytes the formula check read")
    assert loaded.sha256 == hashlib.sha256(parsed).hexdigest()
