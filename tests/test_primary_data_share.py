"""The primary data share counts a supplier's number and the CFF line by where their numbers come from.

Before: a supplier's declaration bought as an input counted as wholly primary data, though its number is
itself partly secondary (dy-oxide buys mixed rare-earth oxide whose own declaration states a share of
0.0724: dy-oxide declared 0.8214, PACT primaryDataShare 82.14, exit 0), and the Circular Footprint
Formula's recycled-content line counted as one primary item, though most of it is the rule's virgin
source (ndfeb-recycled-hpms declared 1.0, "primary data share 100%").  Now a supplier counts in the
proportion its own declaration states for climate change (none stated: secondary, with a note), and the
CFF line by its parts (README "Primary data share").
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import footprint
from footprint.errors import ActivityDataError
from footprint.export import to_pact
from footprint.inputs.upstream import content_hash

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def _climate(document: dict) -> list[dict]:
    return [c for c in document["contributions"] if c["category"] == "climate_change"]


def test_a_suppliers_number_counts_as_primary_only_in_its_own_stated_share(project):
    """dy-oxide, by hand from its climate-change contributions (kg CO2-Eq per kg Dy oxide):

    * mixed-reo feed, supplier declaration mixed-reo-iac-2025.json (bought with data_type primary):
      73.3661, of which the supplier states primary_data_share 0.0724 -> 73.3661 x 0.0724 = 5.3117 primary;
    * hydrochloric acid 0.4860, sodium hydroxide 2.2602, ammonium bicarbonate 2.1813, kerosene 5.2108,
      electricity 0.7119 + its upstream fuel chain 0.1211, coal 0.5743, lorry 0.2304, rail 1.1778 and the
      fossil CO2 of the separation 2.9987: all data_type secondary -> 0 primary;
    * total 89.3185.  Share = 5.3117 / 89.3185 = 0.05947 -> 0.0595 (before: 73.3661 / 89.3185 = 0.8214).
    """
    document = footprint.declare("dy-oxide", EXAMPLES / "dy-oxide" / "activity-2025.yaml")
    items = _climate(document)
    feed = next(c["value"] for c in items if c["kind"] == "upstream")
    total = sum(abs(c["value"]) for c in items)
    assert feed == pytest.approx(73.3661, abs=1e-4) and total == pytest.approx(89.3185, abs=1e-4)
    supplier = json.loads((EXAMPLES / "suppliers" / "mixed-reo-iac-2025.json").read_text())
    assert supplier["data_quality"]["primary_data_share"] == 0.0724
    assert feed * 0.0724 / total == pytest.approx(0.05947, abs=1e-5)
    assert document["data_quality"]["primary_data_share"] == 0.0595
    assert to_pact(document)["pcf"]["primaryDataShare"] == "5.95"


def _dy_oxide_with_supplier(tmp_path: Path, edit) -> Path:
    """dy-oxide's activity data beside a copy of its supplier's declaration, edited by ``edit`` and hashed again."""
    (tmp_path / "dy-oxide").mkdir()
    (tmp_path / "suppliers").mkdir()
    shutil.copy(EXAMPLES / "dy-oxide" / "activity-2025.yaml", tmp_path / "dy-oxide" / "activity-2025.yaml")
    supplier = json.loads((EXAMPLES / "suppliers" / "mixed-reo-iac-2025.json").read_text())
    edit(supplier["data_quality"])
    supplier["content_sha256"] = content_hash(supplier)
    (tmp_path / "suppliers" / "mixed-reo-iac-2025.json").write_text(json.dumps(supplier))
    return tmp_path / "dy-oxide" / "activity-2025.yaml"


def test_a_supplier_that_states_no_share_counts_as_secondary_with_a_note(project, tmp_path):
    """A supplier's declaration without primary_data_share: its contribution is secondary, and the buyer's
    declaration says why (every other climate item of dy-oxide is secondary, so its share is 0)."""
    data = _dy_oxide_with_supplier(tmp_path, lambda quality: quality.pop("primary_data_share"))
    document = footprint.declare("dy-oxide", data)
    assert document["data_quality"]["primary_data_share"] == 0.0
    notes = [w for w in document["data_quality"]["warnings"] if w.startswith("primary data share:")]
    assert notes == ["primary data share: supplier declaration mixed-reo-iac-2025.json (mixed rare-earth oxide) "
                     "states no primary data share for climate_change, so its contribution counts as secondary data"]


def test_a_supplier_share_of_another_category_is_no_share_for_climate_change(project, tmp_path):
    data = _dy_oxide_with_supplier(tmp_path, lambda quality: quality.update(primary_data_share_basis="acidification"))
    document = footprint.declare("dy-oxide", data)
    assert document["data_quality"]["primary_data_share"] == 0.0
    assert any(w.startswith("primary data share: supplier declaration mixed-reo-iac-2025.json")
               for w in document["data_quality"]["warnings"])


@pytest.mark.parametrize("share", [1.5, -0.1, "0.5", True])
def test_a_supplier_share_that_is_no_fraction_is_refused(project, tmp_path, share):
    data = _dy_oxide_with_supplier(tmp_path, lambda quality: quality.update(primary_data_share=share))
    with pytest.raises(ActivityDataError, match="unusable primary data share") as caught:
        footprint.declare("dy-oxide", data)
    assert caught.value.field == "processes.separation.inputs[0].declaration"


def test_the_cff_line_counts_by_its_parts(project):
    """ndfeb-recycled-hpms under the CFF (A = 0.2, Qsin/Qp = 1), climate change per kg of magnet:

    * the line (1-A)·(Rm·Ev·Qsin/Qp - Erec) = 16.8972 splits into
      (1-A)·Rm·Ev = 0.8 x 1.197 kg x 17.6880 (the rule's virgin source: ndpr-metal declaration) = 16.9380,
      secondary, and -(1-A)·Erec = -0.8 x 0.050992 (hydrogen processing's own hydrogen), netted into that
      item: 0.2 x 0.050992 = 0.010198, primary as the item is;
    * remanufacture electricity 1.228824, coating electricity 0.101952, sulphuric acid 0.000463, sodium
      hydroxide 0.000313, nickel 0.123760: primary, 1.455311;
    * total 16.9380 + 0.010198 + 1.455311 = 18.4035 (the declared value); primary 1.465510.
      Share = 1.465510 / 18.4035 = 0.07963 -> 0.0796 (before: 1.0, the whole line counted primary).
    """
    document = footprint.declare("ndfeb-recycled-hpms", EXAMPLES / "ndfeb-recycled-hpms" / "activity-2025.yaml")
    cff = document["recycled_content"]["by_category"]["climate_change"]
    assert cff["Ev"] == pytest.approx(17.6880, abs=1e-4) and cff["Erec_per_declared_unit"] == pytest.approx(
        0.050992, abs=1e-6)
    virgin = 0.8 * 1.197 * cff["Ev"]
    own = [c["value"] for c in _climate(document) if c["kind"] != "recycled-content"]
    netted = sum(own) - 0.8 * cff["Erec_per_declared_unit"]
    climate = next(r["value"] for r in document["results"] if r["category"] == "climate_change")
    assert virgin + netted == pytest.approx(climate, rel=1e-9)
    assert climate == pytest.approx(18.4035, abs=1e-4)
    assert netted / climate == pytest.approx(0.07963, abs=1e-5)
    assert document["data_quality"]["primary_data_share"] == 0.0796


def test_verify_recomputes_the_share(project, tmp_path):
    """A declaration stating the old share (0.8214, the supplier counted whole) is found different by
    verify; the one declared now is verified."""
    path = footprint.write_declaration(footprint.declare("dy-oxide", EXAMPLES / "dy-oxide" / "activity-2025.yaml"),
                                       tmp_path / "dy-oxide.json")
    assert footprint.verify_declaration(path).ok
    document = json.loads(path.read_text())
    document["data_quality"]["primary_data_share"] = 0.8214
    document["content_sha256"] = content_hash(document)
    old = tmp_path / "dy-oxide-old-share.json"
    old.write_text(json.dumps(document))
    outcome = footprint.verify_declaration(old, EXAMPLES / "dy-oxide" / "activity-2025.yaml")
    assert {(d.item, d.declared, d.recomputed) for d in outcome.failures} == {
        ("data_quality.primary_data_share", 0.8214, 0.0595)}
