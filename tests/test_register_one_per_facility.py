"""One declaration per facility and reporting period in the market register; a correction replaces the first.

Before: two declarations of the ndpr-oxide example's facility for 2025 (the second with 1,100 instead of
1,200 MWh at the mine: 46.53 and 46.56 kg CO2-Eq/kg) were both registered for 2026 with exit 0, so the same
production entered the class thresholds twice (by count: two declarations; by mass: twice the mass).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.market.registry import Register, RegistryError, entry_from_declaration, facility_key

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"


def _declared(tmp_path: Path, name: str, *edits: tuple[str, str], rule: str | Path = "ndpr-oxide") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    data = tmp_path / f"{name}.yaml"
    data.write_text(text, encoding="utf-8")
    return footprint.write_declaration(footprint.declare(rule, data), tmp_path / f"{name}.json")


def _without_period_length(tmp_path: Path) -> Path:
    """rules/ndpr-oxide.yaml without its 12-month period length, as a version of its own (1.1.1): the library's
    rules refuse the half-year correction below, a rule without a length (or of another length) accepts it, and
    the register takes it when it is the library's (FOOTPRINT_RULES), as refuse_rule_not_in_library asks."""
    text = (REPO / "rules" / "ndpr-oxide.yaml").read_text(encoding="utf-8")
    assert "    length_months: 12\n" in text and "\nversion: 1.1.0\n" in text
    path = tmp_path / "rules" / "ndpr-oxide.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace("    length_months: 12\n", "").replace("\nversion: 1.1.0\n", "\nversion: 1.1.1\n"),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair(project, tmp_path_factory) -> tuple[Path, Path]:
    """The example, and a corrected version of it (another activity file: another declaration id)."""
    folder = tmp_path_factory.mktemp("facility")
    first = _declared(folder, "first")
    second = _declared(folder, "second", ("amount: 1200, unit: MWh", "amount: 1100, unit: MWh"))
    return first, second


def _invoke(*args) -> object:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def test_a_second_declaration_of_the_same_facility_and_period_is_refused(pair, tmp_path):
    register = tmp_path / "r.sqlite"
    first, second = pair
    assert _invoke("market", "add", first, "--mass", 1000, "--year", 2026, "--register", register).exit_code == 0
    result = _invoke("market", "add", second, "--mass", 1000, "--year", 2026, "--register", register)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "of the same declarant and facility for 2025-01-01..2025-12-31 is registered" in result.stderr
    assert "--replace" in result.stderr and "told by the declarant's name" not in result.stderr  # both state one
    assert result.stderr.startswith(f"error: {second}: field 'period'")  # the file given, not its declaration id
    assert [row["declaration_id"] for row in Register(register).rows()] == [footprint.read_declaration(first)["id"]]


def test_replace_puts_the_correction_in_the_first_ones_place(pair, tmp_path):
    register = tmp_path / "r.sqlite"
    first, second = pair
    first_id, second_id = (footprint.read_declaration(p)["id"] for p in pair)
    assert _invoke("market", "add", first, "--mass", 1000, "--year", 2026, "--register", register).exit_code == 0
    result = _invoke("market", "add", second, "--mass", 1000, "--year", 2026, "--register", register, "--replace")
    assert result.exit_code == 0, result.output
    assert f"replaced {first_id}" in result.output
    rows = Register(register).rows()
    assert [row["declaration_id"] for row in rows] == [second_id]
    points, _unit = Register(register).points("ndpr-oxide", "climate_change", 2026, 2026)
    assert [p.declaration_id for p in points] == [second_id]  # the derivation sees one value of that production


def test_re_adding_the_same_declaration_only_replaces_its_mass(pair, tmp_path):
    register = tmp_path / "r.sqlite"
    first, _second = pair
    for mass in (1000, 1500):
        assert _invoke("market", "add", first, "--mass", mass, "--year", 2026, "--register", register).exit_code == 0
    assert [row["mass_kg"] for row in Register(register).rows()] == [1500.0]


def test_another_facility_or_a_period_that_does_not_overlap_is_its_own(pair, project, tmp_path):
    register = tmp_path / "r.sqlite"
    first, _second = pair
    other = _declared(tmp_path, "other", ("facility: Baotou integrated mine", "facility: Bayan Obo east mine"))
    footprint.market_add([first, other], mass_kg=1000, year=2026, register=register)
    assert len(Register(register).rows()) == 2


def test_facility_key_ignores_case_and_spacing_but_not_the_facility():
    a = facility_key({"name": "Example Co.", "facility": "Baotou  plant", "identifier": "urn:x"})
    assert a == facility_key({"name": "other name", "facility": "baotou plant", "identifier": "urn:x"})
    assert a != facility_key({"name": "Example Co.", "facility": "Baotou plant 2", "identifier": "urn:x"})
    assert facility_key({"name": "Example Co."}) is None


def test_overlapping_periods_in_one_batch_are_refused_together(pair, tmp_path):
    """Both entries in one call: the second meets the first inside the transaction; nothing is written."""
    register = tmp_path / "r.sqlite"
    with pytest.raises(RegistryError, match="overlaps it"):
        footprint.market_add(list(pair), mass_kg=1000, year=2026, register=register)
    assert not register.exists() or Register(register).rows() == []


def test_replace_carries_the_first_ones_placements_of_other_years(pair, database):
    """The first declaration (period 2025) was placed in 2025 (1,000 kg) and 2026 (400 kg); the correction is
    added for 2026 with 500 kg. Old code: the 2025 placement was deleted with the first declaration, so
    2025's 1,000 kg left every derivation's weights, exit 0. Now the correction is placed in 2025 with the
    first one's 1,000 kg and in 2026 with the 500 kg given (SQLite and PostgreSQL)."""
    register = database
    first, second = pair
    second_id = footprint.read_declaration(second)["id"]
    for year, mass in ((2025, 1000), (2026, 400)):
        assert _invoke("market", "add", first, "--mass", mass, "--year", year, "--register", register).exit_code == 0
    result = _invoke("market", "add", second, "--mass", 500, "--year", 2026, "--register", register, "--replace")
    assert result.exit_code == 0, result.output
    assert "their placements of 2025 (1000 kg) carried over to the correction" in result.output
    assert sorted((row["declaration_id"], row["year"], row["mass_kg"]) for row in Register(register).rows()) == [
        (second_id, 2025, 1000.0), (second_id, 2026, 500.0)]


def test_replace_refuses_to_carry_a_year_before_the_corrections_period(project, tmp_path, monkeypatch):
    """A declaration of 2025-07-01..2026-06-30 placed in 2025, replaced by one of 2026-01-01..2026-06-30: the
    2025 placement would have been carried to a declaration whose period begins in 2026 (market add refuses
    such a year for it), so the replacement is refused and the register left as it was.  The half year needs
    a library whose rule states no period length (the register takes declarations under its library's rules)."""
    period = "period: {start: 2025-01-01, end: 2025-12-31}"
    rule = _without_period_length(tmp_path)
    monkeypatch.setenv("FOOTPRINT_RULES", str(rule.parent))
    first = _declared(tmp_path, "straddling", (period, "period: {start: 2025-07-01, end: 2026-06-30}"))
    later = _declared(tmp_path, "later", (period, "period: {start: 2026-01-01, end: 2026-06-30}"), rule=rule)
    register = tmp_path / "r.sqlite"
    footprint.market_add([first], mass_kg=1000, year=2025, register=register)
    with pytest.raises(RegistryError, match=r"placed on the market in 2025 \(1000 kg\), before this one's "
                                            r"reporting period began \(2026-01-01\)") as caught:
        footprint.market_add([later], mass_kg=500, year=2026, register=register, replace=True)
    assert caught.value.field == "period" and str(later) in str(caught.value)
    assert [row["declaration_id"] for row in Register(register).rows()] == [footprint.read_declaration(first)["id"]]


def test_two_adds_of_one_facility_at_once_do_not_both_register(pair, postgres_cluster):
    """PostgreSQL, READ COMMITTED: another writer's declaration of the same facility and period, committed while
    this add waits, is seen and refused. Without the table lock the add found no other declaration (the row was
    not yet committed), registered its own, and both counted in the classes."""
    import threading
    import time

    import sqlalchemy

    from footprint.market import db

    url = postgres_cluster.new_database()
    first, second = (footprint.read_declaration(p) for p in pair)
    one = entry_from_declaration(first, mass_kg=1000.0, year=2026)
    other = entry_from_declaration(second, mass_kg=1000.0, year=2026)
    Register(url).add([])  # the schema, at its newest revision
    engine = sqlalchemy.create_engine(db.url_for(url))
    outcome: list = []
    with engine.connect() as raw:
        transaction = raw.begin()
        raw.execute(sqlalchemy.text("LOCK TABLE declarations IN SHARE ROW EXCLUSIVE MODE"))
        raw.execute(sqlalchemy.text(
            "INSERT INTO declarations (id, rule_id, rule_version, facility, period_start, period_end) "
            "VALUES (:id, :rule, :version, :facility, :start, :end)"),
            {"id": one.declaration_id, "rule": one.rule_id, "version": one.rule_version, "facility": one.facility,
             "start": one.period[0], "end": one.period[1]})

        def add() -> None:
            try:
                Register(url).add([other])
                outcome.append("registered")
            except RegistryError as exc:
                outcome.append(str(exc))

        thread = threading.Thread(target=add)
        thread.start()
        time.sleep(1.0)  # the add is waiting for the lock (or, without it, has already committed)
        transaction.commit()
        thread.join(timeout=30)
    engine.dispose()
    db.dispose(url)
    assert len(outcome) == 1 and "overlaps it" in outcome[0], outcome


# ------------------------------------------------ facility identity: identifier added, dropped, or shared by name

NAME = "Example Rare Earths Co., Ltd. (fictional)"
SITE = "Baotou integrated mine, concentrator and separation plant"
URN = "urn:example:company:example-rare-earths"


@pytest.fixture(scope="module")
def without_identifier(pair, tmp_path_factory) -> Path:
    """The corrected declaration (1,100 MWh) of the same declarant and facility, stating no identifier."""
    folder = tmp_path_factory.mktemp("no-identifier")
    return _declared(folder, "second-no-id", ("amount: 1200, unit: MWh", "amount: 1100, unit: MWh"),
                     (f"  identifier: {URN}\n", ""))


def test_a_correction_that_drops_the_identifier_is_the_same_facility(pair, without_identifier, tmp_path):
    """Old code: the key was the identifier of the first and the name of the second, two 'facilities'; both were
    registered for 2026 (exit 0) and the classes counted the 2025 production twice (2 declarations, 2,000 kg)."""
    register = tmp_path / "r.sqlite"
    first, _second = pair
    assert _invoke("market", "add", first, "--mass", 1000, "--year", 2026, "--register", register).exit_code == 0
    result = _invoke("market", "add", without_identifier, "--mass", 1000, "--year", 2026, "--register", register)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "of the same declarant and facility for 2025-01-01..2025-12-31 is registered" in result.stderr
    assert "told by the declarant's name and facility, as one of the two states no identifier" in result.stderr
    result = _invoke("market", "add", without_identifier, "--mass", 1000, "--year", 2026, "--register", register,
                     "--replace")
    assert result.exit_code == 0, result.output
    points, _unit = Register(register).points("ndpr-oxide", "climate_change", 2026, 2026)
    # one declaration of that production, 1,000 kg: the correction
    assert [(p.declaration_id, p.mass_kg) for p in points] == [
        (footprint.read_declaration(without_identifier)["id"], 1000.0)]


def _variant(document: dict, suffix: str, **declarant) -> dict:
    """The declaration under another id with another declarant block (None deletes a key)."""
    block = {**document["declarant"], **declarant}
    return {**document, "id": f"{document['id']}-{suffix}",
            "declarant": {key: value for key, value in block.items() if value is not None}}


# (first declarant, second declarant, same facility?) -- the second is added after the first, same period and rule
IDENTITY_CASES = [
    pytest.param({}, {"name": "  example RARE earths co.,   ltd. (FICTIONAL) "}, True, id="name-case-and-spaces"),
    pytest.param({"identifier": None}, {"identifier": None, "name": NAME.upper()}, True, id="no-identifiers-name-case"),
    pytest.param({"identifier": None}, {}, True, id="identifier-added"),
    pytest.param({}, {"identifier": None}, True, id="identifier-dropped"),
    pytest.param({}, {"identifier": None, "facility": SITE.upper()}, True, id="identifier-dropped-facility-case"),
    pytest.param({}, {"identifier": f" {URN.upper()} ", "name": "Renamed Holdings"}, True, id="renamed-same-id"),
    pytest.param({}, {"identifier": "urn:example:company:another"}, False, id="same-name-other-identifier"),
    pytest.param({}, {"facility": "Bayan Obo east mine"}, False, id="same-identifier-other-facility"),
    pytest.param({"identifier": None}, {"identifier": None, "name": "Another Co."}, False, id="other-name-no-ids"),
]


@pytest.mark.parametrize("first_block, second_block, same", IDENTITY_CASES)
def test_which_declarations_are_of_the_same_facility(pair, tmp_path, first_block, second_block, same):
    document = footprint.read_declaration(pair[0])
    one, two = _variant(document, "1", **first_block), _variant(document, "2", **second_block)
    register = Register(tmp_path / "r.sqlite")
    register.add([entry_from_declaration(one, mass_kg=1000.0, year=2026)])
    entry = entry_from_declaration(two, mass_kg=1000.0, year=2026)
    if same:
        with pytest.raises(RegistryError, match="of the same declarant and facility"):
            register.add([entry])
        assert [r["declaration_id"] for r in register.rows()] == [one["id"]]
        assert register.add([entry], replace=True).replaced == [one["id"]]
    else:
        register.add([entry])
        assert sorted(r["declaration_id"] for r in register.rows()) == sorted([one["id"], two["id"]])


def test_a_declaration_without_identifier_between_two_companies_of_one_name_is_refused(pair, database):
    """Two companies of one name (identifiers differ) each registered for the facility name; a declaration of that
    name stating no identifier matches both: even --replace is refused (it would take out both companies')
    (SQLite and PostgreSQL)."""
    document = footprint.read_declaration(pair[0])
    register = Register(database)
    register.add([entry_from_declaration(_variant(document, "a"), mass_kg=1000.0, year=2026),
                  entry_from_declaration(_variant(document, "b", identifier="urn:other"), mass_kg=500.0, year=2026)])
    entry = entry_from_declaration(_variant(document, "c", identifier=None), mass_kg=1000.0, year=2026)
    for replace in (False, True):
        with pytest.raises(RegistryError, match="with different identifiers are registered") as caught:
            register.add([entry], replace=replace)
        assert caught.value.field == "declarant.identifier"
    assert len(register.rows()) == 2


def test_a_row_registered_before_revision_0006_is_matched_by_its_old_key(pair, tmp_path):
    """A row with only the 0005 key (of the identifier, else the name): a correction that adds the identifier
    matches it by name; one that drops it cannot be told apart from another facility of a company of that name,
    so it is refused until the old declaration is re-added (which records both keys), then matched."""
    import sqlalchemy

    from footprint.market import db

    document = footprint.read_declaration(pair[0])
    target = tmp_path / "r.sqlite"
    register = Register(target)
    with_id, no_id = _variant(document, "old-id"), _variant(document, "old-name", identifier=None)
    register.add([entry_from_declaration(with_id, mass_kg=1000.0, year=2026)])
    with db.engine(str(target)).begin() as conn:  # as revision 0005 wrote it: no name and identifier keys
        conn.execute(sqlalchemy.text("UPDATE declarations SET facility_by_name = NULL, facility_by_id = NULL"))
    dropped = entry_from_declaration(_variant(document, "new", identifier=None), mass_kg=1000.0, year=2026)
    with pytest.raises(RegistryError, match="before the register recorded facilities by name"):
        register.add([dropped], replace=True)
    register.add([entry_from_declaration(with_id, mass_kg=1000.0, year=2026)])  # re-added: both keys recorded
    assert register.add([dropped], replace=True).replaced == [with_id["id"]]

    register.add([entry_from_declaration(no_id, mass_kg=1000.0, year=2025)], replace=True)
    with db.engine(str(target)).begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE declarations SET facility_by_name = NULL, facility_by_id = NULL"))
    added = entry_from_declaration(_variant(document, "newer"), mass_kg=1000.0, year=2026)
    with pytest.raises(RegistryError, match="of the same declarant and facility"):
        register.add([added])


def test_a_register_at_revision_0005_is_upgraded_and_its_rows_matched(pair, database):
    """A register written at revision 0005 (one facility key) is read, upgraded to 0006 on the first write, keeps its
    row, and a correction of that row's production that drops the identifier is refused until the row is re-added
    (SQLite and PostgreSQL)."""
    import sqlalchemy

    from footprint.market import db

    document = footprint.read_declaration(pair[0])
    old = entry_from_declaration(_variant(document, "0005"), mass_kg=1000.0, year=2026)
    db.upgrade(database, "0005")
    with db.engine(database).begin() as conn:
        conn.execute(sqlalchemy.text(
            "INSERT INTO declarations (id, rule_id, rule_version, declarant, facility, period_start, period_end) "
            "VALUES (:id, :rule, :version, :declarant, :facility, :start, :end)"),
            {"id": old.declaration_id, "rule": old.rule_id, "version": old.rule_version, "declarant": old.declarant,
             "facility": facility_key(document["declarant"]), "start": old.period[0], "end": old.period[1]})
        conn.execute(sqlalchemy.text("INSERT INTO placements (declaration_id, year, mass_kg) VALUES (:id, 2026, 1000)"),
                     {"id": old.declaration_id})
    db.dispose(database)
    register = Register(database)
    assert [r["declaration_id"] for r in register.rows()] == [old.declaration_id]
    same_ids = entry_from_declaration(_variant(document, "same-id"), mass_kg=1000.0, year=2026)
    with pytest.raises(RegistryError, match="of the same declarant and facility"):  # its 0005 key is of the identifier
        register.add([same_ids])
    assert db.current_revision(database) == db.head_revision()
    dropped = entry_from_declaration(_variant(document, "dropped", identifier=None), mass_kg=1000.0, year=2026)
    with pytest.raises(RegistryError, match="before the register recorded facilities by name"):
        register.add([dropped])
    register.add([old])  # re-added as registered: both keys recorded
    with pytest.raises(RegistryError, match="of the same declarant and facility"):
        register.add([dropped])
    assert [r["declaration_id"] for r in register.rows()] == [old.declaration_id]


# ------------------------------------------------ register CSV rows that state their facility and period

CSV_HEADER = ("declaration_id,rule_id,rule_version,declarant,year,mass_kg,facility,identifier,period_start,period_end,"
              "value:climate_change,coverage:climate_change\n")


def test_csv_rows_of_one_facility_and_period_are_refused_like_declarations(pair, tmp_path):
    """Two rows (ids a, b) of one declarant's plant for 2025, the second without the identifier: old code had no
    such columns (an unknown column; without them both rows were imported, 2 declarations of one production)."""
    path = tmp_path / "r.csv"
    path.write_text(CSV_HEADER + "a,r,1.0.0,Acme,2026,1000,Plant 1,urn:acme,2025-01-01,2025-12-31,10,complete\n"
                                 "b,r,1.0.0,ACME,2026,1000,plant  1,,2025-01-01,2025-12-31,12,complete\n", encoding="utf-8")
    register = tmp_path / "r.sqlite"
    with pytest.raises(RegistryError, match="declaration 'a' of the same declarant and facility") as caught:
        footprint.market_import(path, register=register)
    assert str(caught.value).startswith(f"{path}:3: field 'period'")  # the line of the second row
    assert not register.exists() or Register(register).rows() == []
    # another period, or another company's identifier under that name: two declarations
    path.write_text(CSV_HEADER + "a,r,1.0.0,Acme,2026,1000,Plant 1,urn:acme,2025-01-01,2025-12-31,10,complete\n"
                                 "b,r,1.0.0,Acme,2026,1000,Plant 1,urn:other,2025-01-01,2025-12-31,12,complete\n"
                                 "c,r,1.0.0,Acme,2026,1000,Plant 1,urn:acme,2026-01-01,2026-06-30,11,complete\n", encoding="utf-8")
    footprint.market_import(path, register=register)
    assert [r["declaration_id"] for r in Register(register).rows()] == ["a", "b", "c"]


def test_a_csv_row_of_a_registered_declarations_production_is_refused(pair, tmp_path):
    """The ndpr-oxide example registered from its file; a CSV row of the same declarant, facility and 2025, under
    another id: old code imported it beside the declaration."""
    register = tmp_path / "r.sqlite"
    footprint.market_add([pair[0]], mass_kg=1000, year=2026, register=register)
    path = tmp_path / "r.csv"
    path.write_text(CSV_HEADER.replace(",value:", ",unit:climate_change,value:")
                    + f'x,ndpr-oxide,1.0.0,"{NAME}",2026,1000,"{SITE.lower()}",,2025-01-01,2025-12-31,kg CO2-Eq,40,complete\n',
                    encoding="utf-8")
    with pytest.raises(RegistryError, match="of the same declarant and facility"):
        footprint.market_import(path, register=register)


@pytest.mark.parametrize("cells, field, message", [
    ("Plant 1,,2025-01-01,", "period_end", "must state both"),
    ("Plant 1,,2025-13-01,2025-12-31", "period_start", "not a date"),
    ("Plant 1,,2025-06-01,2025-01-31", "period_end", "ends before it begins"),
    ("Plant 1,,2027-01-01,2027-12-31", "year", "before its reporting period began"),
    ("Plant 1,,2020-01-01,2020-12-31", "year", "after the declaration's validity ended"),
])
def test_a_csv_rows_identity_is_checked(tmp_path, cells, field, message):
    path = tmp_path / "r.csv"
    path.write_text(CSV_HEADER + f"a,r,1.0.0,Acme,2026,1000,{cells},10,complete\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=message) as caught:
        footprint.market_import(path, register=tmp_path / "r.sqlite")
    assert caught.value.field == field and f"{path}:2" in str(caught.value)


@pytest.mark.parametrize("edit", [("facility: Baotou integrated mine, concentrator and separation plant", 'facility: " "'),
                                  ("name: Example Rare Earths Co., Ltd. (fictional)", 'name: ""')])
def test_a_blank_declarant_name_or_facility_is_refused_at_declare(project, tmp_path, edit):
    """Old code declared a blank facility (or name) with exit 0: the register found no key for it, so the
    declaration escaped the one-per-facility check (the next test)."""
    with pytest.raises(footprint.errors.ActivityDataError) as err:
        _declared(tmp_path, "blank", edit)
    assert err.value.field in ("declarant.facility", "declarant.name") and "blank" in err.value.message


def test_a_declaration_naming_no_facility_is_refused_by_the_register(pair, tmp_path):
    """Two declarations of one production whose facility is blank (written by another tool or an old footprint):
    old code registered both for 2026, exit 0, and the classes weighed that production twice."""
    import json

    from footprint.inputs.upstream import content_hash

    register = tmp_path / "market.sqlite"
    paths = []
    for index, source in enumerate(pair):
        document = json.loads(source.read_text(encoding="utf-8"))
        document["declarant"] = {**document["declarant"], "facility": "  "}
        document.pop("signatures", None)
        document["content_sha256"] = content_hash(document)
        paths.append(tmp_path / f"blank-{index}.json")
        paths[-1].write_text(json.dumps(document), encoding="utf-8")
    for path in paths:
        result = _invoke("market", "add", path, "--mass", 1000, "--year", 2026, "--register", register)
        assert result.exit_code == 2 and "states no facility" in result.output, result.output


def test_a_csv_row_stating_an_identifier_but_no_declarant_name_is_refused(pair, tmp_path):
    """A CSV row of the example's plant and 2025 naming only the declarant's identifier: old code imported it, and
    a correction of the example stating no identifier (told by its name, FacilityKeys.same) was then registered
    beside it, both weighed in the classes, exit 0: the row had no name to be compared by."""
    register = tmp_path / "r.sqlite"
    path = tmp_path / "r.csv"
    path.write_text(CSV_HEADER + f'x,ndpr-oxide,1.1.0,,2026,1000,"{SITE}",{URN},2025-01-01,2025-12-31,40,complete\n',
                    encoding="utf-8")
    with pytest.raises(RegistryError, match="must name its declarant") as caught:
        footprint.market_import(path, register=register)
    assert caught.value.field == "declarant" and f"{path}:2" in str(caught.value)
    assert not register.exists() or Register(register).rows() == []
