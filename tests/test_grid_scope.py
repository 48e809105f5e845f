"""One scope for grids: a rule's required scope is met by adjusting with a stated upstream, or refused.

Hand-computed reference: electricity/CN-NM counts 0.6849 kg CO2 per kWh of combustion (MEE/NBS 2022) and states
its coal chain: 0.6849 / 0.0946 kg CO2/MJ = 7.2400 MJ / 25.8 MJ/kg = 0.280619 kg coal per kWh; fuel/coal-upstream
is 0.41815 kg CO2e per kg (DEFRA 2024 WTT).  Under a life-cycle rule each kWh therefore adds
0.280619 x 0.41815 = 0.117341 kg CO2e.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import footprint
from footprint.errors import LinkingError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RULE = REPO / "rules" / "ndpr-oxide.yaml"


def _rule(tmp_path: Path, scope: str) -> Path:
    rule = yaml.safe_load(RULE.read_text())
    rule["electricity"]["scope"] = scope
    rule["version"] = "1.1.1"  # a changed rule is a version of its own (footprint.inputs.rule.library_conflict)
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    return path


def _data(tmp_path: Path, region: str | None, country: str = "CN") -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["declarant"]["country"] = country
    if region is None:
        data["declarant"].pop("region", None)
    else:
        data["declarant"]["region"] = region
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_direct_grid_gets_its_stated_upstream_under_a_life_cycle_rule(example_declaration):
    rows = [c for c in example_declaration["contributions"] if c["category"] == "climate_change"]
    for process in ("mining", "beneficiation", "roasting", "leaching", "separation"):
        grid = next(c for c in rows if c["process"] == process and c["item"] == "electricity")
        upstream = next(c for c in rows if c["process"] == process
                        and c["item"] == "electricity: upstream fuel chain to life-cycle scope (electricity/CN-NM)")
        assert upstream["dataset"] == "fuel/coal-upstream"
        # same kWh: grid per kWh 0.6849 + CH4 7.23996e-5 x 29.8 + N2O 1.08599e-5 x 273 = 0.690022 kg CO2e
        assert upstream["value"] / grid["value"] == pytest.approx(0.280619 * 0.41815 / 0.690022, rel=1e-5)


def test_the_same_grid_is_used_as_published_under_a_direct_rule(project, tmp_path):
    document = footprint.declare(_rule(tmp_path, "direct"), EXAMPLE)
    items = {c["item"] for c in document["contributions"]}
    assert "electricity" in items and not any(i.startswith("electricity: upstream") for i in items)


def test_a_life_cycle_grid_is_refused_under_a_direct_rule(project, tmp_path):
    # Australia has no MEE factor: electricity/AU is Ember's life-cycle intensity, which cannot be cut to combustion
    with pytest.raises(LinkingError) as err:
        footprint.declare(_rule(tmp_path, "direct"), _data(tmp_path, "AU-NSW", country="AU"))  # no grid of NSW
    message = str(err.value)
    assert "electricity/AU" in message and "'life-cycle'" in message and "requires 'direct'" in message
    assert "electricity.scope" in message


def test_a_direct_grid_without_a_stated_upstream_is_refused_under_a_life_cycle_rule(project, tmp_path):
    source = (REPO / "inventories" / "electricity" / "CN-NM.yaml").read_text()
    text = source.replace("code: electricity/CN-NM", "code: electricity/AU-QLD").replace("geography: CN-NM",
                                                                                      "geography: AU-QLD")
    start, end = text.index("upstream:"), text.index("gaps:")
    user = Path(footprint.paths.home()) / "inventories" / "electricity"
    user.mkdir(parents=True, exist_ok=True)
    target = user / "AU-QLD.yaml"
    target.write_text(text[:start] + text[end:])
    try:
        with pytest.raises(LinkingError) as err:
            footprint.declare(RULE, _data(tmp_path, "AU-QLD", country="AU"))
        assert "electricity/AU-QLD" in str(err.value) and "states its upstream" in str(err.value)
    finally:
        target.unlink()
        footprint.api.ensure_setup()  # the library without the test dataset again


def test_every_shipped_rule_states_its_scope_and_every_grid_states_its_own():
    from footprint.data.inventory import load_catalogue
    from footprint.inputs.rule import list_rules

    assert {r.rule.electricity.scope for r in list_rules()} == {"life-cycle"}
    catalogue = load_catalogue()
    grids = [d for d in catalogue.datasets.values() if d.kind == "electricity"]
    assert all(d.scope in ("direct", "life-cycle") for d in grids)
    assert all(d.upstream is not None for d in grids if d.scope == "direct")  # none is refused by a shipped rule
    assert all(d.lumped_co2e is not None for d in grids if d.scope == "life-cycle")  # CO2e held once, no CH4 added
