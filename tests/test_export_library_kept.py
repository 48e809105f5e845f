"""PACT's biogenic-uptake check reads the dataset library once while it does not change, not once per export.

Trial (old code): a host exporting the example declaration four times in one process read and checked the
whole library each time (``_biogenic.refuse_unknown_uptake`` called ``load_catalogue()``): 144-182 ms per
export here, about a second on a loaded machine; now 17-23 ms after the first.  The library is kept in
footprint.data.warm under the fingerprint of every dataset file, so a file changed since is read again and
the check still compares each parsed dataset with the hash the declaration recorded.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from footprint.data import inventory, warm
from footprint.export import ExportError, to_pact

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def library_reads(monkeypatch) -> list[int]:
    """Count the library reads (the real load_catalogue runs every time)."""
    calls: list[int] = []
    real = inventory.load_catalogue

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(inventory, "load_catalogue", counted)
    return calls


@pytest.fixture()
def library_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the bundled library as FOOTPRINT_INVENTORIES, settled (older than warm.RACY_NS)."""
    copy = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", copy, ignore=shutil.ignore_patterns("tools", "__pycache__"))
    monkeypatch.setenv("FOOTPRINT_INVENTORIES", str(copy))
    time.sleep(warm.RACY_NS / 1e9 + 0.1)  # a file changed within the clock tick is never kept
    return copy


def test_exports_in_one_process_read_the_library_once(example_declaration, library_copy, library_reads):
    first = to_pact(example_declaration)
    for _ in range(3):
        assert to_pact(example_declaration)["pcf"] == first["pcf"]
    assert len(library_reads) == 1, f"the library was read {len(library_reads)} times for 4 exports"


def test_a_dataset_changed_after_an_export_is_read_again_and_refused(example_declaration, library_copy,
                                                                    library_reads):
    to_pact(example_declaration)
    used = sorted(example_declaration["provenance"]["inventories"]["used_sha256"])
    code = "fuel/coal" if "fuel/coal" in used else used[0]
    target = library_copy / f"{code}.yaml"
    text = target.read_text(encoding="utf-8")
    changed = text.replace("amount: ", "amount: 1", 1)
    assert changed != text
    target.write_text(changed, encoding="utf-8")
    with pytest.raises(ExportError, match=f"{code} is not in the inventories as the declaration used it"):
        to_pact(example_declaration)
    assert len(library_reads) == 2
