"""A dataset from the user's own inventories is named as such in the declaration's provenance.

Before: a grid a user adds under FOOTPRINT_HOME/inventories (here a Guizhou grid the library lacks, which the
rule's ``electricity/{region}`` then finds for a CN-GZ facility) was listed among the used datasets exactly like
a library dataset, so a reviewer could not tell that the number rested on a file only this user has.
"""
from __future__ import annotations

from pathlib import Path

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
    data = tmp_path / "activity.yaml"
    data.write_text(EXAMPLE.read_text(encoding="utf-8").replace("region: CN-NM", "region: CN-GZ"), encoding="utf-8")
    try:
        footprint.api.ensure_setup()
        document = footprint.declare("ndpr-oxide", data)
        inventories = document["provenance"]["inventories"]
        assert "electricity/CN-GZ" in inventories["used"]
        assert inventories["own"] == ["electricity/CN-GZ"]
    finally:
        target.unlink()
        footprint.api.ensure_setup()  # the library without the test dataset again
    assert "own" not in example_declaration["provenance"]["inventories"]  # library datasets only
