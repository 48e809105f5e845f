"""A dataset from the user's own inventories is named as such in the declaration's provenance.

Before: a grid a user adds under FOOTPRINT_HOME/inventories (here a Guizhou grid the library lacks, which the
rule's ``electricity/{region}`` then finds for a CN-GZ facility) was listed among the used datasets exactly like
a library dataset, so a reviewer could not tell that the number rested on a file only this user has.
"""
from __future__ import annotations

from pathlib import Path

import shutil

import pytest

import footprint

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


def test_a_users_own_grid_is_listed_under_own(project, tmp_path, example_declaration):
    source = (REPO / "inventories" / "electricity" / "CN-NM.yaml").read_text(encoding="utf-8")
    assert "code: electricity/CN-NM\n" in source and "geography: CN-NM\n" in source
    own = Path(footprint.paths.home()) / "inventories" / "electricity"
    own.mkdir(parents=True, exist_ok=True)
    target = own / "CN-GZ.yaml"
    target.write_text(source.replace("code: electricity/CN-NM\n", "code: electricity/CN-GZ\n")
                      .replace("geography: CN-NM\n", "geography: CN-GZ\n"), encoding="utf-8")
    data = _guizhou_activity(tmp_path)
    try:
        footprint.ensure_setup()
        document = footprint.declare("ndpr-oxide", data)
        inventories = document["provenance"]["inventories"]
        assert "electricity/CN-GZ" in inventories["used"]
        assert inventories["own"] == ["electricity/CN-GZ"]
    finally:
        target.unlink()
        footprint.ensure_setup()  # the library without the test dataset again
    assert "own" not in example_declaration["provenance"]["inventories"]  # library datasets only


# ------------------------------------------------------------------ a user's own dataset file, checked as read

CO2 = '    name: "Carbon dioxide, fossil"\n    categories: [air]\n    amount: 0.6849\n'


def _guizhou_activity(tmp_path: Path) -> Path:
    """The ndpr-oxide example moved to a facility in Guizhou (CN-GZ), a region the library has no grid of."""
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text(encoding="utf-8").replace("region: CN-NM", "region: CN-GZ"), encoding="utf-8")
    return data


def _own_grid(tmp_path: Path, edit=lambda text: text) -> Path:
    """A user's inventories root holding electricity/CN-GZ (the Inner Mongolia grid's file, renamed), edited."""
    source = (REPO / "inventories" / "electricity" / "CN-NM.yaml").read_text(encoding="utf-8")
    assert CO2 in source
    text = source.replace("code: electricity/CN-NM\n", "code: electricity/CN-GZ\n").replace(
        "geography: CN-NM\n", "geography: CN-GZ\n")
    root = tmp_path / "own"
    (root / "electricity").mkdir(parents=True)
    (root / "electricity" / "CN-GZ.yaml").write_text(edit(text), encoding="utf-8")
    return root


def _load(root: Path):
    from footprint.data.inventory import load_catalogue

    return load_catalogue([REPO / "inventories", root])


@pytest.mark.parametrize("amount, said", [("-0.6849", "amount is negative"), (".nan", "not a finite number"),
                                          (".inf", "not a finite number"), ("-.inf", "not a finite number")])
def test_an_own_dataset_with_a_negative_or_non_finite_amount_is_refused(project, tmp_path, amount, said):
    """Before: a negative CO2 emission in a user's own grid was loaded and subtracted (ndpr-oxide on it:
    40.15 instead of 46.56 kg CO2-Eq/kg, exit 0); .nan and .inf passed the loader and set-up ended in a
    bw2data traceback (exit 1).  Now the file is refused naming the field."""
    from footprint.errors import InventoryError

    root = _own_grid(tmp_path, lambda text: text.replace(CO2, CO2.replace("0.6849", amount)))
    with pytest.raises(InventoryError) as caught:
        _load(root)
    message = str(caught.value)
    assert "exchanges[0].amount" in message and said in message and "CN-GZ.yaml" in message
    _load(_own_grid(tmp_path / "good"))  # the same file with the amount as published loads


@pytest.mark.parametrize("geography", ["Mars", "cn", "Inner Mongolia", "CN-IM", "EU"])
def test_an_own_dataset_naming_no_place_is_refused(project, tmp_path, geography):
    """Before: any string was a dataset's geography (``Mars``), and its GeR re-scored against it, exit 0."""
    from footprint.errors import InventoryError

    root = _own_grid(tmp_path, lambda text: text.replace("geography: CN-GZ\n", f"geography: {geography}\n"))
    with pytest.raises(InventoryError) as caught:
        _load(root)
    assert "field 'geography'" in str(caught.value) and "unknown geography" in str(caught.value)


def test_an_own_grid_found_for_a_region_but_stating_another_geography_is_refused(project, tmp_path):
    """Before: FOOTPRINT_HOME/inventories/electricity/CN-GZ.yaml stating ``geography: DE`` was taken as the
    grid of a CN-GZ facility through ``electricity/{region}``, exit 0.  Now declare refuses, naming the
    user's file (not the snapshot's copy), the geography and the place it was found for."""
    from footprint.errors import InventoryError

    own = Path(footprint.paths.home()) / "inventories"
    _own_grid(tmp_path, lambda text: text.replace("geography: CN-GZ\n", "geography: DE\n"))


    shutil.copytree(tmp_path / "own", own, dirs_exist_ok=True)
    data = _guizhou_activity(tmp_path)
    try:
        footprint.ensure_setup()
        with pytest.raises(InventoryError) as caught:
            footprint.declare("ndpr-oxide", data)
        message = str(caught.value)
        assert str(own / "electricity" / "CN-GZ.yaml") in message
        assert "field 'geography'" in message and "'DE'" in message and "CN-GZ" in message
    finally:
        (own / "electricity" / "CN-GZ.yaml").unlink()
        footprint.ensure_setup()


def test_a_fifo_among_own_datasets_is_refused_not_waited_on(tmp_path):
    """Before: a FIFO named electricity/CN-GZ.yaml under FOOTPRINT_HOME/inventories made every declare wait for
    ever (the library's hash read it for a writer that never came).  Now it is refused naming the file."""
    import os
    import threading

    from footprint.data import inventory
    from footprint.errors import InventoryError

    root = tmp_path / "own"
    (root / "electricity").mkdir(parents=True)
    fifo = root / "electricity" / "CN-GZ.yaml"
    os.mkfifo(fifo)
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(inventory._library_sha256([root]))
        except InventoryError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # the old code blocks opening the FIFO: give it an end of file, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=10)
        pytest.fail("the library's hash waited on a FIFO among the dataset files")
    assert isinstance(outcome[0], InventoryError), outcome
    assert "CN-GZ.yaml" in str(outcome[0]) and "not a regular file" in str(outcome[0])


@pytest.mark.parametrize("edit, field", [
    (lambda t: t.replace('  citation: "MEE', '  citation: ""\n  #'), "source.citation"),
    (lambda t: t.replace("year: 2022\n", "year: 3000\n"), "year"),
    (lambda t: t.replace("year: 2022\n", "year: -5\n"), "year"),
    (lambda t: t.replace('confidence: "V"', 'confidence: "L?"'), "screening"),
    (lambda t: t.replace("screening: false", "screening: true"), "dqr.P"),
])
def test_an_own_dataset_whose_source_year_or_screening_flag_says_nothing_true_is_refused(project, tmp_path, edit,
                                                                                          field):
    """Before: an empty citation, a year 3000 (its TiR re-scored in context as 1, the best, for any period) or -5,
    an 'L?' figure (an order of magnitude) not flagged as screening data, and screening data with a precision
    score P 3 were all loaded and used, exit 0.  Now each is refused naming the field."""
    from footprint.errors import InventoryError

    root = _own_grid(tmp_path, edit)
    assert (root / "electricity" / "CN-GZ.yaml").read_text() != _own_grid(tmp_path / "as-is").joinpath(
        "electricity", "CN-GZ.yaml").read_text()
    with pytest.raises(InventoryError) as caught:
        _load(root)
    assert f"field '{field}'" in str(caught.value)


def test_an_own_dataset_of_another_kind_than_its_folder_is_refused(project, tmp_path):
    """Before: electricity/CN-GZ.yaml stating ``kind: fuel`` was found as the CN-GZ grid, but the life-cycle rule's
    fuel chain is added to electricity datasets only, so the ndpr-oxide example declared 46.01 instead of 46.56
    kg CO2-Eq/kg, exit 0.  Now the kind must be the folder's."""
    from footprint.errors import InventoryError

    with pytest.raises(InventoryError) as caught:
        _load(_own_grid(tmp_path, lambda text: text.replace("kind: electricity\n", "kind: fuel\n")))
    assert "field 'kind'" in str(caught.value) and "'electricity'" in str(caught.value)


def test_verify_without_the_producers_own_dataset_says_so_and_recomputes_nothing(project, tmp_path):
    """Before: on a machine without the producer's own grid, verify recomputed on the rule's fallback grid and
    listed hundreds of differing values (exit 1), the reason one line among them.  Now it is refused as
    nothing to recompute from (exit 2), naming the dataset; with the file back it verifies."""
    from footprint.errors import DeclarationError

    own = Path(footprint.paths.home()) / "inventories"
    shutil.copytree(_own_grid(tmp_path), own, dirs_exist_ok=True)
    target = own / "electricity" / "CN-GZ.yaml"
    kept = target.read_bytes()
    data = _guizhou_activity(tmp_path)
    try:
        footprint.ensure_setup()
        declaration = footprint.write_declaration(footprint.declare("ndpr-oxide", data), tmp_path / "decl.json")
        target.unlink()  # another machine: the rule's library, not the producer's own file
        footprint.ensure_setup()
        with pytest.raises(DeclarationError) as caught:
            footprint.verify_declaration(declaration, data)
        message = str(caught.value)
        assert "provenance.inventories.own" in message and "electricity/CN-GZ" in message
        assert "nothing to recompute from" in message
        target.write_bytes(kept)  # the producer's file handed over
        footprint.ensure_setup()
        assert footprint.verify_declaration(declaration, data).ok
    finally:
        target.unlink(missing_ok=True)
        footprint.ensure_setup()


@pytest.mark.parametrize("amount", [1.0, 2.0])
def test_an_own_dataset_drawing_on_itself_once_or_more_per_unit_is_refused(scratch, tmp_path, amount):
    """Before: an own grid drawing 2 kWh of itself per kWh was written and solved by Brightway to a negative
    supply (the ndpr-oxide example on it: 39.00 instead of 46.56 kg CO2-Eq/kg, exit 0); 1 kWh ended in 'Factor
    is exactly singular' naming no file.  Now writing the background refuses it naming the file; a loop of a few
    percent (a grid's losses) is written."""
    from footprint.data import inventory
    from footprint.errors import InventoryError

    loop = '  - type: technosphere\n    dataset: electricity/CN-GZ\n    amount: {}\n    unit: "kWh"\n'

    def with_loop(share):
        return lambda text: text.replace("exchanges:\n", "exchanges:\n" + loop.format(share), 1)

    bd = scratch[0]
    with pytest.raises(InventoryError) as caught:
        inventory.write_background(_load(_own_grid(tmp_path, with_loop(amount))), bd, name="own-loop-test")
    assert "electricity/CN-GZ" in str(caught.value) and "CN-GZ.yaml" in str(caught.value)
    assert inventory.write_background(_load(_own_grid(tmp_path / "losses", with_loop(0.05))), bd,
                                      name="own-loop-test") == 72


def test_an_own_datasets_bad_uncertainty_range_names_the_users_file(project, tmp_path):
    """Before: an own dataset's uncertainty range that missed its amount was refused naming the snapshot's copy
    (FOOTPRINT_HOME/snapshots/<id>/inventories/1/...), a file the user never wrote.  Now the user's file."""
    from footprint.errors import InventoryError

    own = Path(footprint.paths.home()) / "inventories"
    shutil.copytree(_own_grid(tmp_path, lambda text: text.replace(
        CO2, CO2 + "    uncertainty: {type: uniform, minimum: 5.0, maximum: 9.0}\n")), own, dirs_exist_ok=True)
    data = _guizhou_activity(tmp_path)
    try:
        with pytest.raises(InventoryError) as caught:  # as the file is read (set-up), not only by a Monte Carlo
            footprint.ensure_setup()
            footprint.declare("ndpr-oxide", data, uncertainty=20, seed=1)
        message = str(caught.value)
        assert str(own / "electricity" / "CN-GZ.yaml") in message and "snapshots" not in message
        assert "exchanges[0].uncertainty" in message
    finally:
        (own / "electricity" / "CN-GZ.yaml").unlink()
        footprint.ensure_setup()


def test_an_own_dataset_drawn_on_by_an_own_grid_is_named_under_own(project, tmp_path):
    """Before: ``own`` listed the own datasets used directly only; an own grid drawing on an own diesel chain
    named the grid, while the diesel file (in used_sha256, moving the numbers) was not said to be the user's."""
    own = Path(footprint.paths.home()) / "inventories"
    diesel = (REPO / "inventories" / "fuel" / "diesel.yaml").read_text(encoding="utf-8")
    assert "code: fuel/diesel\n" in diesel
    root = _own_grid(tmp_path, lambda text: text.replace(
        "exchanges:\n", 'exchanges:\n  - type: technosphere\n    dataset: fuel/my-diesel\n    amount: 0.01\n'
                        '    unit: "MJ"\n', 1))
    (root / "fuel").mkdir()
    (root / "fuel" / "my-diesel.yaml").write_text(diesel.replace("code: fuel/diesel\n", "code: fuel/my-diesel\n"),
                                                  encoding="utf-8")
    shutil.copytree(root, own, dirs_exist_ok=True)
    data = _guizhou_activity(tmp_path)
    try:
        footprint.ensure_setup()
        inventories = footprint.declare("ndpr-oxide", data)["provenance"]["inventories"]
        assert "fuel/my-diesel" in inventories["used_sha256"] and "fuel/my-diesel" not in inventories["used"]
        assert inventories["own"] == ["electricity/CN-GZ", "fuel/my-diesel"]
    finally:
        (own / "electricity" / "CN-GZ.yaml").unlink()
        (own / "fuel" / "my-diesel.yaml").unlink()
        footprint.ensure_setup()


def test_an_own_grid_not_per_unit_of_energy_is_refused_naming_its_file(project, tmp_path):
    """Before: an own grid with ``unit: "kg"`` was loaded, and declare blamed the activity data ('MWh' cannot be
    converted to 'kg' at processes.mining.inputs[1].unit), not the dataset file that was wrong."""
    from footprint.errors import InventoryError

    with pytest.raises(InventoryError) as caught:
        _load(_own_grid(tmp_path, lambda text: text.replace('unit: "kWh"\n', 'unit: "kg"\n', 1)))
    assert "field 'unit'" in str(caught.value) and "CN-GZ.yaml" in str(caught.value)


def test_an_own_dataset_file_ending_in_yml_is_refused_not_passed_by(tmp_path):
    """Before: FOOTPRINT_HOME/inventories/electricity/CN-GZ.yml was never read (the library is *.yaml), so a
    CN-GZ facility was declared on the national fallback grid (ndpr-oxide: 45.74 instead of the user's grid's
    46.56 kg CO2-Eq/kg), exit 0, with a note that no CN-GZ dataset exists.  Now the file is named."""
    from footprint.data import inventory
    from footprint.errors import InventoryError

    root = _own_grid(tmp_path)
    (root / "electricity" / "CN-GZ.yaml").rename(root / "electricity" / "CN-GZ.yml")
    with pytest.raises(InventoryError) as caught:
        inventory.library_sha256([REPO / "inventories", root])
    assert "CN-GZ.yml" in str(caught.value) and "CN-GZ.yaml" in str(caught.value)


def test_an_own_grid_coded_in_other_case_is_refused_not_passed_by(project, tmp_path):
    """Before: electricity/cn-gz.yaml (code electricity/cn-gz) was never found for a CN-GZ facility, which was
    declared on the national fallback grid (ndpr-oxide 45.74 instead of 46.56), exit 0, with a note."""
    from footprint.errors import InventoryError

    own = Path(footprint.paths.home()) / "inventories" / "electricity"
    own.mkdir(parents=True, exist_ok=True)
    text = (_own_grid(tmp_path) / "electricity" / "CN-GZ.yaml").read_text(encoding="utf-8")
    target = own / "cn-gz.yaml"
    target.write_text(text.replace("code: electricity/CN-GZ\n", "code: electricity/cn-gz\n"), encoding="utf-8")
    data = _guizhou_activity(tmp_path)
    try:
        footprint.ensure_setup()
        with pytest.raises(InventoryError) as caught:
            footprint.declare("ndpr-oxide", data)
        assert str(target) in str(caught.value) and "electricity/CN-GZ" in str(caught.value)
    finally:
        target.unlink()
        footprint.ensure_setup()
