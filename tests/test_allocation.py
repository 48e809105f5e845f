"""Allocation of a two-output process, against shares computed by hand."""
from __future__ import annotations

import pytest
import yaml
from conftest import EXAMPLE, REPO

from footprint.data import inventory
from footprint.engine import allocation, system
from footprint.errors import ActivityDataError
from footprint.inputs.activity import load_activity
from footprint.inputs.rule import load_rule


def test_economic_shares_of_a_two_output_process():
    # 1 kg REO concentrate at 50 and 12.5 kg iron ore at 1 (Sprecher 2014 ratio): 50 / (50 + 12.5) = 0.8
    shares = allocation.economic_shares({"concentrate": 1.0, "iron ore": 12.5}, {"concentrate": 50.0, "iron ore": 1.0})
    assert shares == pytest.approx({"concentrate": 0.8, "iron ore": 0.2})


def test_mass_shares_of_a_two_output_process():
    # 1 / 13.5 = 0.0740741 (Sprecher: 7.4 % by mass)
    shares = allocation.mass_shares({"concentrate": 1.0, "iron ore": 12.5})
    assert shares["concentrate"] == pytest.approx(1 / 13.5)
    assert shares["iron ore"] == pytest.approx(12.5 / 13.5)


def test_separation_shares_with_usgs_prices_by_hand():
    masses = {"NdPr": 2000.0, "La": 1860.0, "Ce": 4050.0, "SEG": 155.0}
    prices = {"NdPr": 83.0, "La": 1.4, "Ce": 1.4, "SEG": 95.4}
    revenue = 2000 * 83 + 1860 * 1.4 + 4050 * 1.4 + 155 * 95.4  # 166000 + 2604 + 5670 + 14787 = 189061
    shares = allocation.economic_shares(masses, prices)
    assert shares["NdPr"] == pytest.approx(166000 / revenue)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_specified_shares_must_close():
    assert allocation.specified_shares({"a": 0.7, "b": 0.3}) == {"a": 0.7, "b": 0.3}
    with pytest.raises(ActivityDataError, match="do not add up to 1"):
        allocation.specified_shares({"a": 0.7, "b": 0.2}, file="x.yaml", field="processes.p.co_products")


def test_specified_share_of_a_product_not_produced_is_refused():
    """A share above 0 for 0 kg made moves burden onto nothing; a share of 0 for it is fine."""
    with pytest.raises(ActivityDataError, match="none of it was produced"):
        allocation.specified_shares({"a": 0.7, "b": 0.3}, masses={"a": 10.0, "b": 0.0})
    assert allocation.specified_shares({"a": 1.0, "b": 0.0}, masses={"a": 10.0, "b": 0.0}) == {"a": 1.0, "b": 0.0}


def test_specified_shares_must_be_given_and_in_range():
    with pytest.raises(ActivityDataError, match="needs a 'share'"):
        allocation.specified_shares({"a": 0.7, "b": None})
    with pytest.raises(ActivityDataError, match="outside"):
        allocation.specified_shares({"a": 1.2, "b": -0.2})


def test_the_main_share_scales_every_exchange_of_a_multi_output_process(project):
    """Separation (NdPr oxide + 3 co-products) under mass allocation, each exchange by hand.

    2,000 t NdPr oxide of 2,000 + 1,860 + 4,050 + 155 = 8,065 t: share 2000/8065.  The
    intermediate feed, purchased inputs, transport and direct emissions all carry it.
    """
    built = system.build(load_rule("ndpr-oxide"), load_activity(EXAMPLE), inventory.load_catalogue(),
                         inventory.biosphere_index(project[0]), allocation_override="mass")
    separation = built.process("separation")
    share = 2000 / 8065
    assert separation.allocation.method == "mass"
    assert separation.allocation.main_share == pytest.approx(share, rel=1e-12)
    assert separation.output == pytest.approx(2_000_000)  # the main product, not allocated
    amounts = {flow.field: (flow.kind, flow.amount) for flow in separation.flows}
    where = "processes.separation"
    expected = {
        f"{where}.inputs[0]": ("intermediate", 8131e3),           # from leaching, 8,131 t in kg
        f"{where}.inputs[1]": ("background", 1192e3),             # HCl, 1,192 t in kg
        f"{where}.inputs[6]": ("background", 1540e3),             # electricity, 1,540 MWh in kWh
        f"{where}.transport[0]": ("background", 2.37e6),          # lorry, 2.37 Mt*km in t*km
        f"{where}.emissions[0]": ("biosphere", 3759e3),           # CO2 fossil, 3,759 t in kg
        f"{where}.emissions[3]": ("biosphere", 88600.0),          # Ra-226 to water, kBq
    }
    for field, (kind, unallocated) in expected.items():
        assert amounts[field][0] == kind
        assert amounts[field][1] == pytest.approx(unallocated * share, rel=1e-12), field
    # every input, transport leg and emission is there, plus the upstream coal chain that brings the
    # direct-scope Inner Mongolia grid to the life-cycle scope the rule requires (same kWh x 0.280619 kg)
    assert len(amounts) == 7 + 2 + 6 + 1
    upstream = amounts[f"{where}.inputs[6] (upstream of electricity/CN-NM)"]
    assert upstream == ("background", pytest.approx(1540e3 * 0.280619 * share, rel=1e-12))


def test_shares_weigh_every_product_in_kg_whatever_unit_the_rule_counts_it_in(project, tmp_path):
    """Beneficiation's product counted in t instead of kg: still 80 % to the concentrate (Sprecher 2014)."""
    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    beneficiation = rule["stages"][1]["processes"][0]
    assert beneficiation["id"] == "beneficiation"
    beneficiation["product"]["unit"] = "t"
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    built = system.build(load_rule(path), load_activity(EXAMPLE), inventory.load_catalogue(),
                         inventory.biosphere_index(project[0]))
    record = built.process("beneficiation").allocation
    assert built.process("beneficiation").output == pytest.approx(16300)  # t
    # 16,300 t x 50 / (16,300 t x 50 + 203,750 t x 1) = 0.8
    assert record.main_share == pytest.approx(16300 * 50 / (16300 * 50 + 203750), rel=1e-12)
    assert record.main_share == pytest.approx(0.8)


def test_a_mass_balance_message_names_the_unit_the_rule_counts_the_product_in(project, tmp_path):
    """Beneficiation's product counted in t: the balance compares tonnes, and said 'produced 1,630 kg'."""
    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    rule["stages"][1]["processes"][0]["product"]["unit"] = "t"
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    activity = yaml.safe_load(EXAMPLE.read_text())
    output = activity["processes"]["beneficiation"]["output"]
    assert (output["amount"], output["unit"]) == (16300, "t")
    output["amount"] = 1630  # a tenth of what roasting consumes
    broken = tmp_path / "activity.yaml"
    broken.write_text(yaml.safe_dump(activity, sort_keys=False))
    with pytest.raises(ActivityDataError, match=r"mass balance of 'beneficiation' does not close: produced 1,630 t, "
                                                r"consumed downstream [\d,]+ t \("):
        system.build(load_rule(path), load_activity(broken), inventory.load_catalogue(),
                     inventory.biosphere_index(project[0]))


def test_a_co_product_listed_twice_in_the_activity_data_is_refused(project, tmp_path):
    """Cerium oxide given twice (4,050 t, then 10 t): the last entry alone used to be allocated.

    Old behaviour, exit 0: masses {NdPr 2000, La 1860, Ce 10, SEG 155} so the NdPr share rose from
    166000/189061 = 0.878 to 166000/(166000 + 2604 + 14 + 14787) = 0.905, a 3 % higher footprint.
    Neither 4,050 t nor 4,060 t is safe to guess, so the data are refused at the second entry.
    """
    data = yaml.safe_load(EXAMPLE.read_text())
    data["processes"]["separation"]["co_products"].append(
        {"name": "cerium oxide", "amount": 10, "unit": "t", "source": "second entry"})
    path = tmp_path / "activity.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ActivityDataError, match="co-product listed twice") as info:
        system.build(load_rule("ndpr-oxide"), load_activity(path), inventory.load_catalogue(),
                     inventory.biosphere_index(project[0]))
    assert info.value.field == "processes.separation.co_products[3].name"
    assert "cerium oxide" in str(info.value)


def test_a_reference_product_counted_in_t_declares_the_same_kilogram(example_declaration, tmp_path):
    """Separation's product (the declared NdPr oxide) counted in t instead of kg.

    Before: 'production (2,000,000 kg) differs from the output of separation (2,000 kg)', and had it
    passed, Brightway would have been asked for 1 unit of a column making 2,000 t, i.e. a tonne declared
    as a kilogram.  Now the demand is the declared 1 kg in the product's unit, 0.001 t, so the scale of
    separation is 0.001 / 2,000 = 5e-7, as 1 / 2,000,000 with the product in kg: every value is the
    kg rule's.  The declaration's output_kg of separation is 2,000 t x 1,000 = 2,000,000 kg.
    """
    import footprint

    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    separation = rule["stages"][2]["processes"][2]
    assert separation["id"] == rule["reference_process"] == "separation"
    separation["product"]["unit"] = "t"
    rule["version"] = "1.1.1"  # a changed rule is a version of its own (footprint.inputs.rule.library_conflict)
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    document = footprint.declare(path, EXAMPLE)
    for mine, shipped in zip(document["results"], example_declaration["results"], strict=True):
        assert mine["category"] == shipped["category"]
        assert mine["value"] == pytest.approx(shipped["value"], rel=1e-9)
    outputs = {p["id"]: p["output_kg"] for p in document["processes"]}
    assert outputs["separation"] == pytest.approx(2_000_000)
    assert outputs == {p["id"]: p["output_kg"] for p in example_declaration["processes"]}


def test_the_demand_is_the_declared_kilogram_in_the_reference_unit():
    # 1 kg = 0.001 t; a rule counting in kg asks for the declared amount itself
    made = system.ProductSystem(rule=None, activity=None, processes=[], reference="r",  # type: ignore[arg-type]
                                declared_amount=1.0, reference_unit="t")
    assert made.demand == pytest.approx(0.001)
    assert system.ProductSystem(rule=None, activity=None, processes=[], reference="r",  # type: ignore[arg-type]
                                declared_amount=2.0).demand == 2.0


def test_a_reference_product_counted_in_energy_is_refused(tmp_path):
    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    separation = rule["stages"][2]["processes"][2]
    separation["product"]["unit"] = "kWh"
    del separation["co_products"], separation["allocation"]
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    from footprint.errors import RuleError

    with pytest.raises(RuleError, match="must be counted in a unit of mass") as info:
        load_rule(path)
    assert info.value.field == "stages[2].processes[2].product.unit"


def test_declare_refuses_a_missing_dataset_that_validate_refuses(project, tmp_path):
    """A typo in an input kind the producer does not use ('sea'): 'rules validate' refused the rule,
    declare wrote a declaration with exit 0.  Both refuse it now, naming the same field."""
    from footprint.authoring import lint
    from footprint.errors import RuleError

    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    rule["input_kinds"]["sea"]["dataset"] = "transport/ship-typo"
    path = tmp_path / "ndpr-oxide.yaml"
    path.write_text(yaml.safe_dump(rule, sort_keys=False))
    catalogue = inventory.load_catalogue()
    assert [p.field for p in lint.lint_rule(path, catalogue).problems] == ["input_kinds.sea.dataset"]
    with pytest.raises(RuleError, match="default dataset does not exist") as info:
        system.build(load_rule(path), load_activity(EXAMPLE), catalogue, inventory.biosphere_index(project[0]))
    assert info.value.field == "input_kinds.sea.dataset" and info.value.file == str(path)


def test_a_main_product_share_of_zero_is_refused(project, tmp_path):
    """Specified shares 0 / 0.5 / 0.5 / 0 close to 1, but separation's 0 multiplied every exchange of it
    and, through the scaling, of every process feeding it: the NdPr oxide came out burden-free (the
    declaration was refused later only where a category had no other data, with a coverage message)."""
    rule = yaml.safe_load((REPO / "rules" / "ndpr-oxide.yaml").read_text())
    rule["stages"][2]["processes"][2]["allocation"]["method"] = "specified"
    rule_path = tmp_path / "ndpr-oxide.yaml"
    rule_path.write_text(yaml.safe_dump(rule, sort_keys=False))
    data = yaml.safe_load(EXAMPLE.read_text())
    separation = data["processes"]["separation"]
    separation["allocation_share"] = 0
    for point, share in zip(separation["co_products"], [0.5, 0.5, 0.0], strict=True):
        point["share"] = share
    data_path = tmp_path / "activity.yaml"
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ActivityDataError, match="allocation share of the main product 'NdPr oxide' is 0") as info:
        system.build(load_rule(rule_path), load_activity(data_path), inventory.load_catalogue(),
                     inventory.biosphere_index(project[0]))
    assert info.value.field == "processes.separation.allocation_share"


def test_an_allocation_share_on_a_process_without_co_products_is_refused(project, tmp_path):
    """leaching makes one product (the rule names no co-product): ``allocation_share: 0.5`` there was ignored
    with exit 0, so the producer who meant to halve its burden got a declaration that silently did not."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["processes"]["leaching"]["allocation_share"] = 0.5
    data_path = tmp_path / "activity.yaml"
    data_path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ActivityDataError, match="allocation_share is given but the rule names no co-product") as info:
        system.build(load_rule("ndpr-oxide"), load_activity(data_path), inventory.load_catalogue(),
                     inventory.biosphere_index(project[0]))
    assert info.value.field == "processes.leaching.allocation_share" and info.value.file == str(data_path)
