"""Suppliers' declarations as inputs: value x amount, provenance, and edited copies refused."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import footprint
from footprint.errors import ActivityDataError
from footprint.inputs import upstream

import downstream as downstream_rule  # tests/downstream.py (conftest puts tests/ on the path)

REL = 1e-6
RULE = downstream_rule.rule("test-downstream")


@pytest.fixture()
def downstream(tmp_path, example_declaration) -> tuple[Path, Path, Path]:
    """A rule consuming 1.2 t of the NdPr oxide example's declaration per t of metal (Sprecher: 1.2 kg/kg)."""
    return downstream_rule.write(tmp_path, example_declaration, RULE)


def _value(document: dict, category: str) -> float:
    return next(r["value"] for r in document["results"] if r["category"] == category)


def test_the_hash_is_the_declarations_own(example_declaration):
    assert upstream.content_hash(example_declaration) == example_declaration["content_sha256"]


def test_supplier_value_times_amount_and_provenance(project, downstream, example_declaration):
    rule_path, data_path, supplier = downstream
    document = footprint.declare(rule_path, data_path)
    oxide_cc = _value(example_declaration, "climate_change")  # per 1 kg NdPr oxide
    items = [c for c in document["contributions"] if c["category"] == "climate_change"]
    supplied = [c for c in items if c["kind"] == "upstream"]
    assert len(supplied) == 1
    assert supplied[0]["value"] == pytest.approx(1.2 * oxide_cc, rel=1e-9)
    electricity = sum(c["value"] for c in items if c["kind"] == "background")
    assert _value(document, "climate_change") == pytest.approx(1.2 * oxide_cc + electricity, rel=1e-9)
    assert sum(c["value"] for c in items) == pytest.approx(_value(document, "climate_change"), rel=1e-9)
    record = document["provenance"]["upstream_declarations"]
    assert record == [{"id": example_declaration["id"], "content_sha256": example_declaration["content_sha256"],
                       "product": "NdPr oxide", "declarant": example_declaration["declarant"]["name"],
                       "rule": "ndpr-oxide " + example_declaration["rule"]["version"],
                       "path": str(supplier)}]


def test_an_edited_supplier_declaration_is_refused(project, downstream):
    rule_path, data_path, supplier = downstream
    document = json.loads(supplier.read_text())
    for result in document["results"]:
        if result["category"] == "climate_change":
            result["value"] *= 0.5  # a supplier's number quietly halved
    supplier.write_text(json.dumps(document))
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare(rule_path, data_path)
    message = str(caught.value)
    assert "edited" in message and "processes.reduction.inputs[0].declaration" in message


def test_a_declaration_of_another_product_is_refused(project, downstream):
    rule_path, data_path, _supplier = downstream
    rule = yaml.safe_load(rule_path.read_text())
    rule["input_kinds"]["oxide"]["upstream_products"] = ["Dy oxide"]
    rule_path.write_text(yaml.safe_dump(rule))
    with pytest.raises(ActivityDataError, match="another product"):
        footprint.declare(rule_path, data_path)


def test_a_missing_supplier_file_names_the_input(project, downstream):
    rule_path, data_path, supplier = downstream
    supplier.unlink()
    with pytest.raises(ActivityDataError, match=r"inputs\[0\]\.declaration"):
        footprint.declare(rule_path, data_path)


def test_categories_the_supplier_did_not_compute_are_partial(project, downstream, example_declaration):
    rule_path, data_path, supplier = downstream
    document = json.loads(json.dumps(example_declaration))
    document["results"] = [r for r in document["results"] if r["category"] != "acidification"]
    document["content_sha256"] = upstream.content_hash(document)
    supplier.write_text(json.dumps(document))
    # the world grid still gives acidification (SO2 and NOx of its coal and gas), so the declaration goes through:
    # the supplier's part counts zero, the category is partial, and a warning names the supplier
    document = footprint.declare(rule_path, data_path)
    acid = next(r for r in document["results"] if r["category"] == "acidification")
    rows = [c for c in document["contributions"] if c["category"] == "acidification"]
    assert acid["coverage"] == "partial" and acid["value"] > 0
    assert sum(c["value"] for c in rows if c["kind"] == "upstream") == 0
    assert acid["value"] == pytest.approx(sum(c["value"] for c in rows if c["dataset"] == "electricity/GLO"), rel=1e-9)
    assert any("does not give acidification" in w for w in document["data_quality"]["warnings"])


def test_a_kind_that_accepts_no_declarations_refuses_one(project, downstream):
    rule_path, data_path, _supplier = downstream
    rule = yaml.safe_load(rule_path.read_text())
    rule["input_kinds"]["oxide"]["upstream_products"] = []
    rule_path.write_text(yaml.safe_dump(rule))
    with pytest.raises(ActivityDataError, match="does not accept suppliers' declarations"):
        footprint.declare(rule_path, data_path)


def test_declaration_with_an_explicit_dataset_is_refused(project, downstream):
    rule_path, data_path, _supplier = downstream
    data = yaml.safe_load(data_path.read_text())
    data["processes"]["reduction"]["inputs"][0]["dataset"] = "chemical/magnesium-oxide"
    data_path.write_text(yaml.safe_dump(data))
    with pytest.raises(ActivityDataError, match="declaration"):
        footprint.declare(rule_path, data_path)


def test_a_supplier_declaring_per_tonne_gives_the_same_per_kg_value(project, downstream, example_declaration):
    """The same oxide declared per 1 t (values x 1000), bought in kg: per kg = value / 1000, same result."""
    rule_path, data_path, supplier = downstream
    reference = footprint.declare(rule_path, data_path)
    document = json.loads(json.dumps(example_declaration))
    document["declared_unit"]["amount"], document["declared_unit"]["unit"] = 1, "t"
    # under a rule of its own that declares per 1 t: the library's ndpr-oxide declares per 1 kg, and a declaration
    # naming it with another declared unit is refused (test_declared_unit_vs_rule.py)
    document["rule"]["id"] = "ndpr-oxide-per-tonne"
    for result in document["results"]:
        result["value"] *= 1000
    document["content_sha256"] = upstream.content_hash(document)
    supplier.write_text(json.dumps(document))
    assert upstream.read(supplier).per_kg("climate_change") == pytest.approx(
        _value(example_declaration, "climate_change"), rel=1e-12)
    data = yaml.safe_load(data_path.read_text())
    data["processes"]["reduction"]["inputs"][0].update(amount=12000, unit="kg")
    data_path.write_text(yaml.safe_dump(data))
    result = footprint.declare(rule_path, data_path)
    for category in ("climate_change", "acidification", "particulate_matter"):
        assert _value(result, category) == pytest.approx(_value(reference, category), rel=1e-9), category


def _rewrite(supplier: Path, example_declaration: dict, change) -> None:
    """The example's declaration, changed by ``change`` and re-hashed (a consistent file, not an edited copy)."""
    document = json.loads(json.dumps(example_declaration))
    change(document)
    document["content_sha256"] = upstream.content_hash(document)
    supplier.write_text(json.dumps(document))


def test_a_supplier_declaration_under_another_method_is_refused(project, downstream, example_declaration):
    """EF 3.0 (or ReCiPe) values use the same category ids but other factors: summing them with EF 3.1 is wrong."""
    rule_path, data_path, supplier = downstream
    _rewrite(supplier, example_declaration, lambda d: d["method"].update(name="EF v3.0", version="3.0"))
    with pytest.raises(ActivityDataError) as caught:
        footprint.declare(rule_path, data_path)
    message = str(caught.value)
    assert "another impact assessment method" in message and "'EF v3.0'" in message
    assert "processes.reduction.inputs[0].declaration" in message


@pytest.mark.parametrize("key, value, match", [
    # 46.56 g CO2-Eq per kg would otherwise be added as 46.56 kg CO2-Eq per kg (1000 times too much)
    ("unit", "g CO2-Eq", r"states 'climate_change' in another unit.*'g CO2-Eq'.*'kg CO2-Eq'"),
    ("value", "46.56", r"unusable result.*'46.56'"),  # a value as text (float() took it before)
])
def test_a_supplier_climate_row_in_another_unit_or_as_text_is_refused(project, downstream, example_declaration, key,
                                                                       value, match):
    rule_path, data_path, supplier = downstream

    def change(document: dict) -> None:
        for result in document["results"]:
            if result["category"] == "climate_change":
                result[key] = value
    _rewrite(supplier, example_declaration, change)
    with pytest.raises(ActivityDataError, match=match):
        footprint.declare(rule_path, data_path)


def test_a_supplier_category_given_twice_is_refused(project, downstream, example_declaration):
    """Before: the last row won (climate 1.0 per kg instead of the first row's 46.56), exit 0."""
    rule_path, data_path, supplier = downstream

    def twice(document: dict) -> None:
        first = next(r for r in document["results"] if r["category"] == "climate_change")
        document["results"].append(dict(first, value=1.0))
    _rewrite(supplier, example_declaration, twice)
    with pytest.raises(ActivityDataError, match="gives category 'climate_change' twice"):
        footprint.declare(rule_path, data_path)


def _supplier_period(supplier: Path, example_declaration: dict, start: str, end: str) -> None:
    _rewrite(supplier, example_declaration, lambda d: d.update(period={"start": start, "end": end}))


@pytest.mark.parametrize("start, end, match", [
    # the producer declares 2025-01-01..2025-12-31 (the fixture).  A 2026 declaration describes oxide not yet made
    # when the producer bought it in 2025:
    ("2026-01-01", "2026-12-31", r"later period \(2026-01-01\.\.2026-12-31\) than this reporting period"),
    # a 2020 declaration is valid until 2020-12-31 + 3 years = 2023-12-31 (PACT's default validity), a year before
    # the producer's period starts on 2025-01-01: the supplier's process as it was five years earlier
    ("2020-01-01", "2020-12-31", r"out of date: its period 2020-01-01\.\.2020-12-31 was valid until 2023-12-31"),
])
def test_a_supplier_declaration_of_another_time_is_refused(project, downstream, example_declaration, start, end,
                                                           match):
    """Before: either was multiplied into the result as if it described 2025's oxide, exit 0."""
    rule_path, data_path, supplier = downstream
    _supplier_period(supplier, example_declaration, start, end)
    with pytest.raises(ActivityDataError, match=match) as caught:
        footprint.declare(rule_path, data_path)
    assert "processes.reduction.inputs[0].declaration" in str(caught.value)


@pytest.mark.parametrize("start, end", [
    ("2025-01-01", "2025-12-31"),  # the same period
    ("2021-02-01", "2022-01-31"),  # valid until 2022-01-31 + 3 years = 2025-01-31, inside the producer's 2025
])
def test_a_supplier_declaration_within_its_validity_is_used(project, downstream, example_declaration, start, end):
    rule_path, data_path, supplier = downstream
    _supplier_period(supplier, example_declaration, start, end)
    document = footprint.declare(rule_path, data_path)
    assert _value(document, "climate_change") > 0


def test_a_supplier_declaration_of_a_period_not_ended_when_made_is_refused(project, downstream, example_declaration):
    """A supplier's declaration of 2025-12-31..2026-12-30 (12 months, beginning on the producer's last day) made
    on 2026-06-01: half of its period was still to come, so its numbers are a forecast.  Our declare refuses to
    write such a file (engine.system.check_period_ended); another tool's (or an edited one) was multiplied into
    the producer's 2025 result, exit 0."""
    rule_path, data_path, supplier = downstream

    def forecast(document: dict) -> None:
        document.update(period={"start": "2025-12-31", "end": "2026-12-30"})
        document["provenance"]["created"] = "2026-06-01T09:00:00Z"

    _rewrite(supplier, example_declaration, forecast)
    with pytest.raises(ActivityDataError, match=r"covers a period that had not ended when it was made "
                                                r"\(2025-12-31\.\.2026-12-30, made 2026-06-01\)"):
        footprint.declare(rule_path, data_path)


def test_a_supplier_declaration_without_a_period_is_refused(project, downstream, example_declaration):
    rule_path, data_path, supplier = downstream
    _rewrite(supplier, example_declaration, lambda d: d.pop("period"))
    with pytest.raises(ActivityDataError, match="lacks a usable reporting period"):
        footprint.declare(rule_path, data_path)


def test_validity_is_three_years_after_the_period_ends():
    """PACT's default validity: referencePeriodEnd + 3 years; a 29 February end has no such day 3 years on."""
    import datetime as dt

    assert upstream.valid_until(dt.date(2022, 1, 31)) == dt.date(2025, 1, 31)
    assert upstream.valid_until(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


@pytest.mark.parametrize("end, last_day", [
    # PACT: referencePeriodEnd = end + 1 day (exclusive), validityPeriodEnd = that + 3 years (exclusive); the last
    # valid day is the day before validityPeriodEnd
    ("2025-12-31", "2028-12-31"),  # 2026-01-01 + 3 years = 2029-01-01 (exclusive)
    ("2025-02-28", "2028-02-29"),  # 2025-03-01 + 3 years = 2028-03-01 (exclusive): 2028 has a 29 February
    ("2024-02-29", "2027-02-28"),  # 2024-03-01 + 3 years = 2027-03-01 (exclusive)
    ("2024-02-28", "2027-02-27"),  # 2024-02-29 + 3 years = 2027-02-28 (no 29 February in 2027; exclusive)
])
def test_validity_ends_on_the_day_the_suppliers_pact_footprint_says(end, last_day):
    """Before: 2025-02-28 + 3 years gave 2028-02-28, so a producer's period starting 2028-02-29 refused a supplier
    declaration whose PACT footprint (footprint export pact, the PACT host) is valid that day, and 2024-02-28 gave
    2027-02-28, a day after the PACT validity ended."""
    import datetime as dt

    from footprint.server.store import validity

    day = dt.date.fromisoformat(end)
    assert upstream.valid_until(day) == dt.date.fromisoformat(last_day)
    _start, pact_end = validity({"pcf": {"referencePeriodEnd": f"{day + dt.timedelta(days=1)}T00:00:00Z"}})
    assert pact_end == f"{dt.date.fromisoformat(last_day) + dt.timedelta(days=1)}T00:00:00Z"


@pytest.mark.parametrize("period_end, tir", [
    # company-specific TiR (methodology.md section 2.4): 1 for the most recent annual period, 2 / 3 / 4 for at most
    # 2 / 3 / 4 periods back.  The producer's period ends 2025-12-31 (context year 2025).
    ("2025-12-31", 1.0),  # the same period: the supplier's own TiR 1 stands
    ("2024-12-31", 2.0),  # one period back
    ("2023-12-31", 3.0),  # two periods back (valid until 2026-12-31, so still accepted)
])
def test_a_supplier_declarations_tir_ages_with_the_years_to_the_reporting_period(period_end, tir):
    """Before: a 2023 declaration scored TiR 1 in a 2025 declaration (the supplier's score against its own period).

    The item's criteria are the mean of the producer's datum (all 1) and the supplier's (TeR 2, GeR 2, TiR 1 ->
    max(1, age score), P 2): TeR (1 + 2) / 2 = 1.5, GeR 1.5, P 1.5, TiR (1 + tir) / 2."""
    import datetime as dt

    from footprint.engine.calculate import Item
    from footprint.engine.quality import Context, item_criteria
    from footprint.engine.system import Flow
    from footprint.inputs.dqr import DQR

    end = dt.date.fromisoformat(period_end)
    supplier = upstream.UpstreamDeclaration(
        path=Path("s.json"), id="urn:uuid:s", content_sha256="0" * 64, product="NdPr oxide", unit="kg", amount=1.0,
        declarant="S", rule="r 1.0.0", values={"climate_change": 40.0}, coverage={"climate_change": "complete"},
        criteria={"TeR": 2.0, "GeR": 2.0, "TiR": 1.0, "P": 2.0}, period=(end.replace(month=1, day=1), end))
    flow = Flow("reduction", "upstream", supplier.id, 12.0, "kg", "oxide", "processes.reduction.inputs[0]",
                DQR(TeR=1, GeR=1, TiR=1, P=1), True, upstream=supplier)
    criteria = item_criteria(Item(flow, "refining", 480.0), catalogue=None,
                             context=Context(country="CN", region=None, year=2025))
    assert criteria == {"TeR": 1.5, "GeR": 1.5, "TiR": (1 + tir) / 2, "P": 1.5}


def test_a_supplier_declaration_of_an_earlier_year_is_listed_as_rescored(project, downstream, example_declaration):
    rule_path, data_path, supplier = downstream
    _supplier_period(supplier, example_declaration, "2023-01-01", "2023-12-31")
    document = footprint.declare(rule_path, data_path)
    (row,) = [r for r in document["data_quality"]["rescored_datasets"] if "declaration" in r]
    own = example_declaration["data_quality"]["criteria"]["TiR"]
    assert row["in_context"] == {"TiR": max(own, 3)} and "2 periods before the reporting period" in row["reason"]


@pytest.mark.parametrize("supplier_period, producer_start, score", [
    # calendar periods: the producer's starts 2025-01-01
    (("2025-01-01", "2025-12-31"), "2025-01-01", 1),   # the same period
    (("2024-01-01", "2024-12-31"), "2025-01-01", 2),   # ends the day before: one period back
    (("2023-01-01", "2023-12-31"), "2025-01-01", 3),   # one period back + one whole year (2024) between
    # a fiscal year 2025-07-01..2026-06-30 (context year 2026): a calendar 2025 declaration reaches into it, the
    # same period (calendar years of the period ends would have said one year back, TiR 2)
    (("2025-01-01", "2025-12-31"), "2025-07-01", 1),
    (("2024-01-01", "2024-12-31"), "2025-07-01", 2),   # half a year between: one period back
    (("2023-01-01", "2023-12-31"), "2025-07-01", 3),   # 2024-01-01..2025-07-01 holds one whole year: two back
])
def test_a_supplier_declaration_is_aged_by_the_periods_between(supplier_period, producer_start, score):
    import datetime as dt

    from footprint.engine.quality import Context, supplier_time_score

    start = dt.date.fromisoformat(producer_start)
    supplier = upstream.UpstreamDeclaration(
        path=Path("s.json"), id="urn:uuid:s", content_sha256="0" * 64, product="p", unit="kg", amount=1.0,
        declarant="S", rule="r", values={}, coverage={},
        period=tuple(dt.date.fromisoformat(d) for d in supplier_period))
    context = Context(country="CN", region=None, year=start.year + (start.month > 1), start=start)
    assert supplier_time_score(supplier, context)[0] == score


def test_a_supplier_crustal_scarcity_row_in_another_unit_is_refused(project, downstream, example_declaration):
    """Before: the unit check knew the EF 3.1 categories only; a supplier giving crustal scarcity in g Si-Eq
    (dy-oxide's 1.756e+05 kg as 1.756e+08 g) made dy-metal declare 2.075e+08 kg Si-Eq instead of 2.08e+05, exit 0."""
    rule_path, data_path, supplier = downstream

    def grams(document: dict) -> None:
        for result in document["results"]:
            if result["category"] == "crustal_scarcity":
                result.update(unit="g Si-Eq", value=result["value"] * 1000)
    _rewrite(supplier, example_declaration, grams)
    with pytest.raises(ActivityDataError, match=r"states 'crustal_scarcity' in another unit.*'g Si-Eq'.*'kg Si-Eq'"):
        footprint.declare(rule_path, data_path)
